// conv2d and its two backward kernels as implicit GEMMs on the tiled template (./gemm.ts): the im2col
// matrix is never materialised, each tile computes its input positions as it loads; z is the group.
import type { KernelTable } from '@flint/core';
import { BackendError } from '@flint/core';
import type { Gpu } from '../runtime/gpu.js';
import type { WgBuffer } from '../runtime/pool.js';
import type { T } from './common.js';
import { ENTRY, FLAT, Params, describe, grid, numel } from './common.js';
import { windowOf } from './strided.js';
import { gemmGroups, gemmWgsl } from './gemm.js';

interface Geo { B: number; C: number; H: number; W: number; O: number; kh: number; kw: number; Ho: number; Wo: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; G: number }
interface ConvAttrs { stride: readonly number[]; padding: readonly number[]; dilation: readonly number[]; groups: number }

const geo = (x: readonly number[], w: readonly number[], y: readonly number[], a: ConvAttrs): Geo => ({
  B: x[0]!, C: x[1]!, H: x[2]!, W: x[3]!, O: w[0]!, kh: w[2]!, kw: w[3]!, Ho: y[2]!, Wo: y[3]!,
  sh: a.stride[0]!, sw: a.stride[1]!, ph: a.padding[0]!, pw: a.padding[1]!, dh: a.dilation[0]!, dw: a.dilation[1]!, G: a.groups,
});

const FIELDS = 'B: u32, C: u32, H: u32, W: u32, O: u32, kh: u32, kw: u32, Ho: u32, Wo: u32, sh: u32, sw: u32, ph: u32, pw: u32, dh: u32, dw: u32, Cg: u32, Og: u32, bias: u32, xo: u32, yo: u32, acc: u32, pad0: u32, pad1: u32, pad2: u32';
const geoWords = (g: Geo, bias: boolean, xo: number, yo: number, acc: boolean): number[] =>
  [g.B, g.C, g.H, g.W, g.O, g.kh, g.kw, g.Ho, g.Wo, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.C / g.G, g.O / g.G, bias ? 1 : 0, xo, yo, acc ? 1 : 0, 0, 0, 0];

// x[b, z*Cg + c, oh*sh - ph + i*dh, ow*sw - pw + j*dw], 0 in the padding
const XAT = /* wgsl */ `
fn xat(b: u32, c: u32, oh: u32, ow: u32, i: u32, j: u32, z: u32) -> f32 {
  let h = i32(oh * p.sh + i * p.dh) - i32(p.ph); let w = i32(ow * p.sw + j * p.dw) - i32(p.pw);
  if (h < 0 || w < 0 || h >= i32(p.H) || w >= i32(p.W)) { return 0.0; }
  return X[p.xo + ((b * p.C + z * p.Cg + c) * p.H + u32(h)) * p.W + u32(w)];
}`;

const forward = (): string => gemmWgsl({
  t: 'f32', fields: FIELDS,
  bindings: `@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> Wt: array<f32>;
@group(0) @binding(3) var<storage, read> Bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;`,
  helpers: XAT,
  loadA: 'Wt[(z * p.Og + m) * p.K + k]',
  loadB: 'xat(n / (p.Ho * p.Wo), k / (p.kh * p.kw), (n % (p.Ho * p.Wo)) / p.Wo, n % p.Wo, (k % (p.kh * p.kw)) / p.kw, k % p.kw, z)',
  store: `let L = p.Ho * p.Wo; let o = z * p.Og + m; var r = v; if (p.bias == 1u) { r = r + Bias[o]; }
      Y[p.yo + ((n / L) * p.O + o) * L + n % L] = r;`,
});

const backwardInput = (): string => gemmWgsl({
  t: 'f32', fields: FIELDS,
  bindings: `@group(0) @binding(1) var<storage, read> GY: array<f32>;
@group(0) @binding(2) var<storage, read> Wt: array<f32>;
@group(0) @binding(3) var<storage, read_write> GX: array<f32>;`,
  helpers: `
fn gyat(k: u32, n: u32, z: u32) -> f32 {
  let kk = p.kh * p.kw; let o = k / kk; let i = (k % kk) / p.kw; let j = k % p.kw;
  let HW = p.H * p.W; let b = n / HW; let h = (n % HW) / p.W; let w = n % p.W;
  let th = i32(h + p.ph) - i32(i * p.dh); let tw = i32(w + p.pw) - i32(j * p.dw);
  if (th < 0 || tw < 0) { return 0.0; }
  if (u32(th) % p.sh != 0u || u32(tw) % p.sw != 0u) { return 0.0; }
  let oh = u32(th) / p.sh; let ow = u32(tw) / p.sw;
  if (oh >= p.Ho || ow >= p.Wo) { return 0.0; }
  return GY[p.yo + ((b * p.O + z * p.Og + o) * p.Ho + oh) * p.Wo + ow];
}`,
  loadA: 'Wt[((z * p.Og + k / (p.kh * p.kw)) * p.Cg + m) * p.kh * p.kw + k % (p.kh * p.kw)]',
  loadB: 'gyat(k, n, z)',
  store: 'let HW = p.H * p.W; GX[p.xo + ((n / HW) * p.C + z * p.Cg + m) * HW + n % HW] = v;',
});

const backwardWeight = (): string => gemmWgsl({
  t: 'f32', fields: FIELDS,
  bindings: `@group(0) @binding(1) var<storage, read> GY: array<f32>;
@group(0) @binding(2) var<storage, read> X: array<f32>;
@group(0) @binding(3) var<storage, read_write> GW: array<f32>;`,
  helpers: XAT,
  loadA: 'GY[p.yo + ((k / (p.Ho * p.Wo)) * p.O + z * p.Og + m) * p.Ho * p.Wo + k % (p.Ho * p.Wo)]',
  loadB: 'xat(k / (p.Ho * p.Wo), n / (p.kh * p.kw), (k % (p.Ho * p.Wo)) / p.Wo, k % p.Wo, (n % (p.kh * p.kw)) / p.kw, n % p.kw, z)',
  store: 'let o = (z * p.Og + m) * p.N + n; if (p.acc == 1u) { GW[o] = GW[o] + v; } else { GW[o] = v; }',
});

/**
 * conv2d, conv2dBackwardInput and conv2dBackwardWeight (float32; inputs dense). Past the binding limit the
 * batch goes in chunks of images, each binding the windows of x and y (or their gradients) it touches;
 * the weight gradient accumulates over the chunks.
 */
export function convKernels(gpu: Gpu): KernelTable<WgBuffer> {
  const align = gpu.limits.minStorageBufferOffsetAlignment;
  // x-like [B, C, H, W] and y-like [B, O, Ho, Wo] operands, in image chunks that fit a binding
  const batches = (g: Geo): [number, number][] => {
    const per = Math.max(g.C * g.H * g.W, g.O * g.Ho * g.Wo) * 4;
    const whole = g.B * per <= gpu.maxBinding;
    if (whole) return [[0, g.B]];
    const n = Math.floor((gpu.maxBinding - align) / per);
    if (n < 1) throw new BackendError(`conv2d: one image of [${g.C}, ${g.H}, ${g.W}] -> [${g.O}, ${g.Ho}, ${g.Wo}] is past this adapter's storage binding limit (${gpu.maxBinding} bytes)`);
    const out: [number, number][] = [];
    for (let b = 0; b < g.B; b += n) out.push([b, Math.min(g.B, b + n)]);
    return out;
  };
  const run = (kernel: string, src: () => string, dims: (g: Geo) => [number, number, number], g: Geo, bias: boolean, xt: T, yt: T, w: T, out: 'x' | 'y' | 'w', extra?: WgBuffer): void => {
    for (const [b0, b1] of batches(g)) {
      const gc = { ...g, B: b1 - b0 };
      const [M, N, K] = dims(gc);
      if (M * N === 0) continue;
      const xs = g.C * g.H * g.W, ys = g.O * g.Ho * g.Wo;
      const xw = windowOf(b0 * xs, b1 * xs - 1, 4, align), yw = windowOf(b0 * ys, b1 * ys - 1, 4, align);
      const bind = (t: T, win: { offset: number; size: number }) => ({ buf: t.buffer, offset: win.offset, size: Math.max(4, Math.ceil(win.size / 4) * 4) });
      const params = new Params().u32(M, N, K, 0, ...geoWords(gc, bias, b0 * xs - xw.base, b0 * ys - yw.base, out === 'w' && b0 > 0)).done();
      const ins = out === 'x' ? [bind(yt, yw), { buf: w.buffer }] : out === 'y' ? [bind(xt, xw), { buf: w.buffer }] : [bind(yt, yw), bind(xt, xw)];
      const o = out === 'x' ? bind(xt, xw) : out === 'y' ? bind(yt, yw) : { buf: w.buffer };
      gpu.run({ kernel, key: kernel, wgsl: src, params, groups: gemmGroups(M, N, g.G), bindings: [...ins, ...(extra ? [{ buf: extra }] : []), o], describe: describe([xt, w], [yt]) });
    }
  };
  const zeros = (t: T): void => {
    const n = numel(t.shape);
    if (n > 0) gpu.run({ kernel: 'conv', key: 'conv:zero', wgsl: zeroWgsl, params: new Params().u32(n).done(), groups: grid(n, gpu), bindings: [{ buf: t.buffer }], describe: describe([], [t]) });
  };
  return {
    conv2d: ([x, w, b], [y], attrs) => {
      const g = geo(x!.shape, w!.shape, y!.shape, attrs);
      if ((g.C / g.G) * g.kh * g.kw === 0 && !b) { zeros(y!); return; }
      run('conv2d', forward, (c) => [c.O / c.G, c.B * c.Ho * c.Wo, (c.C / c.G) * c.kh * c.kw], g, b !== undefined, x!, y!, w!, 'y', b ? b.buffer : w!.buffer);
    },
    conv2dBackwardInput: ([gy, w], [gx], attrs) => {
      const g = geo(attrs.inputShape, w!.shape, gy!.shape, attrs);
      if ((g.O / g.G) * g.kh * g.kw === 0) { zeros(gx!); return; }
      run('conv2dBackwardInput', backwardInput, (c) => [c.C / c.G, c.B * c.H * c.W, (c.O / c.G) * c.kh * c.kw], g, false, gx!, gy!, w!, 'x');
    },
    conv2dBackwardWeight: ([gy, x], [gw], attrs) => {
      const g = geo(x!.shape, attrs.weightShape, gy!.shape, attrs);
      if (g.B * g.Ho * g.Wo === 0) { zeros(gw!); return; }
      run('conv2dBackwardWeight', backwardWeight, (c) => [c.O / c.G, (c.C / c.G) * c.kh * c.kw, c.B * c.Ho * c.Wo], g, false, x!, gy!, gw!, 'w');
    },
  };
}

const zeroWgsl = (): string => `
struct P { n: u32, a: u32, b: u32, c: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
${ENTRY()} { ${FLAT()} if (i < p.n) { out[i] = 0.0; } }`;
