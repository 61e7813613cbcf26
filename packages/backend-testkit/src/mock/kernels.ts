// The optional kernels the mock GPU adds to the reference tier, chosen to exercise what a GPU backend
// meets: scalar attrs, index outputs and inputs in int32, a data-dependent error found on the device,
// several outputs, and kernels that write their inputs in place. Inputs arrive dense (row-major, offset 0).
import type { KernelTable, KernelTensor } from '@flint/core';
import { store } from '../reference/host.js';
import type { Buf } from '../reference/kernels.js';
import { BINARY, read, size, write } from '../reference/kernels.js';

type T = KernelTensor<Buf>;
type Scalar = `${keyof typeof BINARY}Scalar`;
type MockKernels = Pick<KernelTable<Buf>, Scalar | 'softmax' | 'logSoftmax' | 'crossEntropy' | 'maxPool2d' | 'maxPool2dBackward' |
  'conv2d' | 'conv2dBackwardInput' | 'conv2dBackwardWeight' | 'sgdStep' | 'adamStep'>;

/** Rows of the last dim: [rows, len]. */
const rows = (t: T): [number, number] => { const len = t.shape[t.shape.length - 1] ?? 1; return [len ? size(t.shape) / len : 0, len]; };

function softmaxRows(x: T, out: T, log: boolean): void {
  const v = read(x), [R, L] = rows(x), r = new Float64Array(v.length);
  for (let i = 0; i < R; i++) {
    const row = v.subarray(i * L, (i + 1) * L);
    let m = -Infinity;
    for (const a of row) m = Number.isNaN(a) || a > m ? a : m;
    if (!Number.isFinite(m)) m = Number.isNaN(m) ? m : 0;
    let s = 0;
    for (const a of row) s += Math.exp(a - m);
    for (let j = 0; j < L; j++) r[i * L + j] = log ? row[j]! - m - Math.log(s) : Math.exp(row[j]! - m) / s;
  }
  write(out, r);
}

interface ConvGeometry { N: number; C: number; H: number; W: number; O: number; kh: number; kw: number; Ho: number; Wo: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; G: number }
function convGeometry(x: readonly number[], w: readonly number[], y: readonly number[], a: { stride: readonly number[]; padding: readonly number[]; dilation: readonly number[]; groups: number }): ConvGeometry {
  return {
    N: x[0]!, C: x[1]!, H: x[2]!, W: x[3]!, O: w[0]!, kh: w[2]!, kw: w[3]!, Ho: y[2]!, Wo: y[3]!,
    sh: a.stride[0]!, sw: a.stride[1]!, ph: a.padding[0]!, pw: a.padding[1]!, dh: a.dilation[0]!, dw: a.dilation[1]!, G: a.groups,
  };
}

/** Visit every (n, o, oh, ow, c, i, j) term of a convolution whose input position is inside the image. */
function eachTap(g: ConvGeometry, fn: (yo: number, xo: number, wo: number) => void): void {
  const Cg = g.C / g.G, Og = g.O / g.G;
  for (let n = 0; n < g.N; n++) for (let o = 0; o < g.O; o++) {
    const grp = Math.floor(o / Og);
    for (let oh = 0; oh < g.Ho; oh++) for (let ow = 0; ow < g.Wo; ow++) {
      const yo = ((n * g.O + o) * g.Ho + oh) * g.Wo + ow;
      for (let c = 0; c < Cg; c++) for (let i = 0; i < g.kh; i++) {
        const h = oh * g.sh - g.ph + i * g.dh;
        if (h < 0 || h >= g.H) continue;
        for (let j = 0; j < g.kw; j++) {
          const w = ow * g.sw - g.pw + j * g.dw;
          if (w < 0 || w >= g.W) continue;
          fn(yo, ((n * g.C + grp * Cg + c) * g.H + h) * g.W + w, ((o * Cg + c) * g.kh + i) * g.kw + j);
        }
      }
    }
  }
}

export function mockKernels(indexError: (op: string, message: string) => void): MockKernels {
  const scalar = Object.fromEntries(Object.entries(BINARY).map(([name, f]) => [`${name}Scalar`, ([x]: T[], [out]: T[], attrs: Readonly<Record<string, unknown>>) => {
    const v = read(x!), s = attrs.scalar as number, rev = attrs.reverse === true, r = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) r[i] = rev ? f(s, v[i]!) : f(v[i]!, s);
    write(out!, r);
  }])) as unknown as Required<Pick<MockKernels, Scalar>>;

  return {
    ...scalar,
    softmax: ([x], [out]) => softmaxRows(x!, out!, false),
    logSoftmax: ([x], [out]) => softmaxRows(x!, out!, true),
    crossEntropy: ([logits, target], [out], { ignoreIndex, reduction }) => {
      const [N, C] = logits!.shape as [number, number], lv = read(logits!), tv = read(target!);
      const losses = new Float64Array(N);
      let total = 0, count = 0;
      for (let n = 0; n < N; n++) {
        const t = tv[n]!;
        if (t === ignoreIndex) continue;
        if (t < 0 || t >= C) { indexError('crossEntropy', `crossEntropy: target ${t} is out of bounds for ${C} classes (valid: 0..${C - 1})`); continue; }
        const row = lv.subarray(n * C, (n + 1) * C);
        let m = -Infinity;
        for (const a of row) m = Math.max(m, a);
        let s = 0;
        for (const a of row) s += Math.exp(a - m);
        losses[n] = Math.log(s) + m - row[t]!;
        total += losses[n]!;
        count++;
      }
      write(out!, reduction === 'none' ? losses : [reduction === 'sum' ? total : total / count]);
    },
    maxPool2d: ([x], [values, indices], { kernelSize, stride, padding, dilation }) => {
      const [N, C, H, W] = x!.shape as [number, number, number, number], [, , Ho, Wo] = values!.shape as [number, number, number, number];
      const v = read(x!), out = new Float64Array(N * C * Ho * Wo), idx = new Float64Array(out.length);
      for (let p = 0; p < N * C; p++) for (let oh = 0; oh < Ho; oh++) for (let ow = 0; ow < Wo; ow++) {
        let best = -Infinity, at = -1;
        for (let i = 0; i < kernelSize[0]; i++) for (let j = 0; j < kernelSize[1]; j++) {
          const h = oh * stride[0] - padding[0] + i * dilation[0], w = ow * stride[1] - padding[1] + j * dilation[1];
          if (h < 0 || h >= H || w < 0 || w >= W) continue;
          const a = v[p * H * W + h * W + w]!;
          if (at < 0 || a > best || (Number.isNaN(a) && !Number.isNaN(best))) { best = a; at = h * W + w; }
        }
        const o = (p * Ho + oh) * Wo + ow;
        out[o] = best;
        idx[o] = at;
      }
      write(values!, out);
      write(indices!, idx);
    },
    maxPool2dBackward: ([gradOut, indices], [gradIn], { inputShape }) => {
      const [N, C, H, W] = inputShape as [number, number, number, number], L = size(gradOut!.shape) / (N * C);
      const g = read(gradOut!), iv = read(indices!), r = new Float64Array(N * C * H * W);
      for (let p = 0; p < N * C; p++) for (let l = 0; l < L; l++) r[p * H * W + iv[p * L + l]!]! += g[p * L + l]!;
      write(gradIn!, r);
    },
    conv2d: ([x, w, bias], [y], attrs) => {
      const g = convGeometry(x!.shape, w!.shape, y!.shape, attrs), xv = read(x!), wv = read(w!), r = new Float64Array(size(y!.shape));
      eachTap(g, (yo, xo, wo) => { r[yo]! += xv[xo]! * wv[wo]!; });
      if (bias) { const b = read(bias); for (let i = 0; i < r.length; i++) r[i]! += b[Math.floor(i / (g.Ho * g.Wo)) % g.O]!; }
      write(y!, r);
    },
    conv2dBackwardInput: ([gy, w], [gx], attrs) => {
      const g = convGeometry(attrs.inputShape, w!.shape, gy!.shape, attrs), gv = read(gy!), wv = read(w!), r = new Float64Array(size(gx!.shape));
      eachTap(g, (yo, xo, wo) => { r[xo]! += gv[yo]! * wv[wo]!; });
      write(gx!, r);
    },
    conv2dBackwardWeight: ([gy, x], [gw], attrs) => {
      const g = convGeometry(x!.shape, attrs.weightShape, gy!.shape, attrs), gv = read(gy!), xv = read(x!), r = new Float64Array(size(gw!.shape));
      eachTap(g, (yo, xo, wo) => { r[wo]! += gv[yo]! * xv[xo]!; });
      write(gw!, r);
    },
    // in place: param (and the momentum buffer) are written through their own buffers
    sgdStep: ([param, grad, buf], _outs, a) => {
      const p = param!.buffer, g = read(grad!), b = buf?.buffer, n = size(param!.shape);
      for (let i = 0; i < n; i++) {
        let d = a.maximize ? -g[i]! : g[i]!;
        if (a.weightDecay !== 0) d += a.weightDecay * p[i]!;
        if (b) {
          b[i] = store(buf!.dtype, a.firstStep ? d : b[i]! * a.momentum + (1 - a.dampening) * d);
          d = a.nesterov ? d + a.momentum * b[i]! : b[i]!;
        }
        p[i] = store(param!.dtype, p[i]! - a.lr * d);
      }
    },
    adamStep: ([param, grad, m, v, vmax], _outs, a) => {
      const p = param!.buffer, g = read(grad!), n = size(param!.shape), q = (x: number) => store(param!.dtype, x);
      const bc1 = 1 - a.beta1 ** a.step, bc2 = Math.sqrt(1 - a.beta2 ** a.step);
      for (let i = 0; i < n; i++) {
        let gi = a.maximize ? -g[i]! : g[i]!;
        if (a.weightDecay !== 0) {
          if (a.decoupled) p[i] = q(p[i]! * (1 - a.lr * a.weightDecay));
          else gi += a.weightDecay * p[i]!;
        }
        m!.buffer[i] = q(a.beta1 * m!.buffer[i]! + (1 - a.beta1) * gi);
        v!.buffer[i] = q(a.beta2 * v!.buffer[i]! + (1 - a.beta2) * gi * gi);
        if (vmax) vmax.buffer[i] = q(Math.max(vmax.buffer[i]!, v!.buffer[i]!));
        const second = vmax ? vmax.buffer[i]! : v!.buffer[i]!;
        p[i] = q(p[i]! - (a.lr / bc1) * m!.buffer[i]! / (Math.sqrt(second) / bc2 + a.eps));
      }
    },
  } satisfies Required<MockKernels> as MockKernels;
}

