// The optional kernels the mock GPU adds to the reference tier, chosen to exercise what a GPU backend
// meets: scalar attrs, index outputs and inputs in int32, a data-dependent error found on the device,
// several outputs, and kernels that write their inputs in place. Inputs arrive dense (row-major, offset 0).
import type { KernelTable, KernelTensor } from '@flint/core';
import { IndexError, ZeroDivisionError, isIntegral } from '@flint/core';
import { store } from '../reference/host.js';
import type { Buf } from '../reference/kernels.js';
import { BINARY, read, size, write } from '../reference/kernels.js';

type T = KernelTensor<Buf>;
type Scalar = `${keyof typeof BINARY}Scalar`;
type MockKernels = Pick<KernelTable<Buf>, Scalar | 'softmax' | 'logSoftmax' | 'crossEntropy' | 'maxPool2d' | 'maxPool2dBackward' |
  'conv2d' | 'conv2dBackwardInput' | 'conv2dBackwardWeight' | 'sgdStep' | 'adamStep' | 'scaledDotProductAttention'>;

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

/**
 * The input offsets (into image n's group grp) of each (tap k, output position l) pair, -1 where the tap
 * falls in the padding: the im2col table, [Cg*kh*kw, Ho*Wo].
 */
function taps(g: ConvGeometry): Int32Array {
  const Cg = g.C / g.G, K = Cg * g.kh * g.kw, L = g.Ho * g.Wo, out = new Int32Array(K * L);
  for (let c = 0; c < Cg; c++) for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) {
    const k = (c * g.kh + i) * g.kw + j;
    for (let oh = 0; oh < g.Ho; oh++) for (let ow = 0; ow < g.Wo; ow++) {
      const h = oh * g.sh - g.ph + i * g.dh, w = ow * g.sw - g.pw + j * g.dw;
      out[k * L + oh * g.Wo + ow] = h < 0 || h >= g.H || w < 0 || w >= g.W ? -1 : (c * g.H + h) * g.W + w;
    }
  }
  return out;
}

/** y += a * x */
function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i]! += a * x[i]!;
}
const dot = (x: Float64Array, y: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
};

/**
 * Group grp's im2col over the whole batch: [K, N*L] (tap k of image n at position l is column n*L + l),
 * so the products below run over long rows.
 */
function columns(g: ConvGeometry, t: Int32Array, xv: Float64Array, grp: number): Float64Array {
  const L = g.Ho * g.Wo, K = t.length / L, Cg = g.C / g.G, NL = g.N * L, col = new Float64Array(K * NL);
  for (let n = 0; n < g.N; n++) {
    const xBase = (n * g.C + grp * Cg) * g.H * g.W;
    for (let k = 0; k < K; k++) for (let l = 0; l < L; l++) { const o = t[k * L + l]!; col[k * NL + n * L + l] = o < 0 ? 0 : xv[xBase + o]!; }
  }
  return col;
}

/** [N, O, L] (an output or its gradient) ⇄ group grp's rows [Og, N*L]. */
function toRows(g: ConvGeometry, v: Float64Array, grp: number): Float64Array {
  const L = g.Ho * g.Wo, Og = g.O / g.G, NL = g.N * L, rows = new Float64Array(Og * NL);
  for (let o = 0; o < Og; o++) for (let n = 0; n < g.N; n++) rows.set(v.subarray((n * g.O + grp * Og + o) * L, (n * g.O + grp * Og + o + 1) * L), o * NL + n * L);
  return rows;
}
function fromRows(g: ConvGeometry, rows: Float64Array, out: Float64Array, grp: number): void {
  const L = g.Ho * g.Wo, Og = g.O / g.G, NL = g.N * L;
  for (let o = 0; o < Og; o++) for (let n = 0; n < g.N; n++) out.set(rows.subarray(o * NL + n * L, o * NL + (n + 1) * L), (n * g.O + grp * Og + o) * L);
}

export function mockKernels(report: (error: Error) => void): MockKernels {
  const scalar = Object.fromEntries(Object.entries(BINARY).map(([name, f]) => [`${name}Scalar`, ([x]: T[], [out]: T[], attrs: Readonly<Record<string, unknown>>) => {
    const v = read(x!), s = attrs.scalar as number, rev = attrs.reverse === true, r = new Float64Array(v.length);
    if (name === 'remainder' && isIntegral(out!.dtype) && (rev ? v.includes(0) : s === 0)) report(new ZeroDivisionError(`remainder: integer division by zero (${out!.dtype})`));
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
        if (t < 0 || t >= C) { report(new IndexError(`crossEntropy: target ${t} is out of bounds for ${C} classes (valid: 0..${C - 1})`)); continue; }
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
      const t = taps(g), L = g.Ho * g.Wo, K = t.length / L, Og = g.O / g.G, NL = g.N * L;
      for (let grp = 0; grp < g.G; grp++) {
        const col = columns(g, t, xv, grp), rows = new Float64Array(Og * NL);
        for (let o = 0; o < Og; o++) {
          const row = rows.subarray(o * NL, (o + 1) * NL);
          for (let k = 0; k < K; k++) axpy(wv[(grp * Og + o) * K + k]!, col.subarray(k * NL, (k + 1) * NL), row);
        }
        fromRows(g, rows, r, grp);
      }
      if (bias) { const b = read(bias); for (let i = 0; i < r.length; i++) r[i]! += b[Math.floor(i / L) % g.O]!; }
      write(y!, r);
    },
    conv2dBackwardInput: ([gy, w], [gx], attrs) => {
      const g = convGeometry(attrs.inputShape, w!.shape, gy!.shape, attrs), gv = read(gy!), wv = read(w!), r = new Float64Array(size(gx!.shape));
      const t = taps(g), L = g.Ho * g.Wo, K = t.length / L, Og = g.O / g.G, Cg = g.C / g.G, NL = g.N * L;
      for (let grp = 0; grp < g.G; grp++) {
        const rows = toRows(g, gv, grp), col = new Float64Array(K * NL);
        for (let o = 0; o < Og; o++) {
          const row = rows.subarray(o * NL, (o + 1) * NL);
          for (let k = 0; k < K; k++) axpy(wv[(grp * Og + o) * K + k]!, row, col.subarray(k * NL, (k + 1) * NL));
        }
        // col2im: each tap's gradient back to its input position
        for (let n = 0; n < g.N; n++) {
          const xBase = (n * g.C + grp * Cg) * g.H * g.W;
          for (let k = 0; k < K; k++) for (let l = 0; l < L; l++) { const o = t[k * L + l]!; if (o >= 0) r[xBase + o]! += col[k * NL + n * L + l]!; }
        }
      }
      write(gx!, r);
    },
    conv2dBackwardWeight: ([gy, x], [gw], attrs) => {
      const g = convGeometry(x!.shape, attrs.weightShape, gy!.shape, attrs), gv = read(gy!), xv = read(x!), r = new Float64Array(size(gw!.shape));
      const t = taps(g), L = g.Ho * g.Wo, K = t.length / L, Og = g.O / g.G, NL = g.N * L;
      for (let grp = 0; grp < g.G; grp++) {
        const col = columns(g, t, xv, grp), rows = toRows(g, gv, grp);
        for (let o = 0; o < Og; o++) {
          const row = rows.subarray(o * NL, (o + 1) * NL);
          for (let k = 0; k < K; k++) r[(grp * Og + o) * K + k] = dot(row, col.subarray(k * NL, (k + 1) * NL));
        }
      }
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
    // a fused kernel with an optional input and a row rule (all -inf gives zeros) that a composite must match
    scaledDotProductAttention: ([q, k, v, mask], [out], { isCausal, scale }) => {
      const [B, L, E] = q!.shape as [number, number, number], S = k!.shape[1]!, Ev = v!.shape[2]!;
      const qv = read(q!), kv = read(k!), vv = read(v!), mv = mask ? read(mask) : null, r = new Float64Array(B * L * Ev);
      for (let b = 0; b < B; b++) for (let i = 0; i < L; i++) {
        const s = new Float64Array(S);
        for (let j = 0; j < S; j++) {
          let d = 0;
          for (let e = 0; e < E; e++) d += qv[(b * L + i) * E + e]! * kv[(b * S + j) * E + e]!;
          s[j] = isCausal && j > i ? -Infinity : d * scale + (mv ? mv[(b * L + i) * S + j]! : 0);
        }
        const m = Math.max(...s);
        if (m === -Infinity) continue;
        let z = 0;
        for (let j = 0; j < S; j++) z += (s[j] = Math.exp(s[j]! - m));
        for (let j = 0; j < S; j++) for (let e = 0; e < Ev; e++) r[(b * L + i) * Ev + e]! += (s[j]! / z) * vv[(b * S + j) * Ev + e]!;
      }
      write(out!, r);
    },
  } satisfies Required<MockKernels> as MockKernels;
}

