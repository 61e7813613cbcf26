// conv2d and its two backward kernels as implicit GEMMs on the tiled template (./gemm.ts): the im2col
// matrix is never materialised, each tile computes its input positions as it loads; z is the group.
import type { KernelTable } from '@flint/core';
import type { Gpu } from '../runtime/gpu.js';
import type { WgBuffer } from '../runtime/pool.js';
import type { T } from './common.js';
import { Params, describe } from './common.js';
import { gemmGroups, gemmWgsl } from './gemm.js';

interface Geo { B: number; C: number; H: number; W: number; O: number; kh: number; kw: number; Ho: number; Wo: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; G: number }
interface ConvAttrs { stride: readonly number[]; padding: readonly number[]; dilation: readonly number[]; groups: number }

const geo = (x: readonly number[], w: readonly number[], y: readonly number[], a: ConvAttrs): Geo => ({
  B: x[0]!, C: x[1]!, H: x[2]!, W: x[3]!, O: w[0]!, kh: w[2]!, kw: w[3]!, Ho: y[2]!, Wo: y[3]!,
  sh: a.stride[0]!, sw: a.stride[1]!, ph: a.padding[0]!, pw: a.padding[1]!, dh: a.dilation[0]!, dw: a.dilation[1]!, G: a.groups,
});

const FIELDS = 'B: u32, C: u32, H: u32, W: u32, O: u32, kh: u32, kw: u32, Ho: u32, Wo: u32, sh: u32, sw: u32, ph: u32, pw: u32, dh: u32, dw: u32, Cg: u32, Og: u32, bias: u32, pad0: u32, pad1: u32';
const geoWords = (g: Geo, bias: boolean): number[] =>
  [g.B, g.C, g.H, g.W, g.O, g.kh, g.kw, g.Ho, g.Wo, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.C / g.G, g.O / g.G, bias ? 1 : 0, 0, 0];

// x[b, z*Cg + c, oh*sh - ph + i*dh, ow*sw - pw + j*dw], 0 in the padding
const XAT = /* wgsl */ `
fn xat(b: u32, c: u32, oh: u32, ow: u32, i: u32, j: u32, z: u32) -> f32 {
  let h = i32(oh * p.sh + i * p.dh) - i32(p.ph); let w = i32(ow * p.sw + j * p.dw) - i32(p.pw);
  if (h < 0 || w < 0 || h >= i32(p.H) || w >= i32(p.W)) { return 0.0; }
  return X[((b * p.C + z * p.Cg + c) * p.H + u32(h)) * p.W + u32(w)];
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
      Y[((n / L) * p.O + o) * L + n % L] = r;`,
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
  return GY[((b * p.O + z * p.Og + o) * p.Ho + oh) * p.Wo + ow];
}`,
  loadA: 'Wt[((z * p.Og + k / (p.kh * p.kw)) * p.Cg + m) * p.kh * p.kw + k % (p.kh * p.kw)]',
  loadB: 'gyat(k, n, z)',
  store: 'let HW = p.H * p.W; GX[((n / HW) * p.C + z * p.Cg + m) * HW + n % HW] = v;',
});

const backwardWeight = (): string => gemmWgsl({
  t: 'f32', fields: FIELDS,
  bindings: `@group(0) @binding(1) var<storage, read> GY: array<f32>;
@group(0) @binding(2) var<storage, read> X: array<f32>;
@group(0) @binding(3) var<storage, read_write> GW: array<f32>;`,
  helpers: XAT,
  loadA: 'GY[((k / (p.Ho * p.Wo)) * p.O + z * p.Og + m) * p.Ho * p.Wo + k % (p.Ho * p.Wo)]',
  loadB: 'xat(k / (p.Ho * p.Wo), n / (p.kh * p.kw), (k % (p.Ho * p.Wo)) / p.Wo, k % p.Wo, (n % (p.kh * p.kw)) / p.kw, n % p.kw, z)',
  store: 'GW[(z * p.Og + m) * p.N + n] = v;',
});

/** conv2d, conv2dBackwardInput and conv2dBackwardWeight (float32; inputs dense). */
export function convKernels(gpu: Gpu): KernelTable<WgBuffer> {
  const run = (kernel: string, src: () => string, M: number, N: number, K: number, g: Geo, bias: boolean, ins: T[], out: T, extra: WgBuffer[] = []): void => {
    if (M * N === 0) return;
    if (K === 0) {
      // nothing to sum: zeros (conv2d's bias is added by its own path below)
      gpu.run({ kernel, key: 'conv:zero', wgsl: zeroWgsl, params: new Params().u32(M * N * g.G).done(), groups: [Math.ceil(M * N * g.G / 256), 1, 1], bindings: [{ buf: out.buffer }], describe: describe(ins, [out]) });
      if (!bias) return;
    }
    const params = new Params().u32(M, N, K, 0, ...geoWords(g, bias)).done();
    gpu.run({ kernel, key: kernel, wgsl: src, params, groups: gemmGroups(M, N, g.G), bindings: [...ins.map((t) => ({ buf: t.buffer })), ...extra.map((buf) => ({ buf })), { buf: out.buffer }], describe: describe(ins, [out]) });
  };
  return {
    conv2d: ([x, w, b], [y], attrs) => {
      const g = geo(x!.shape, w!.shape, y!.shape, attrs);
      run('conv2d', forward, g.O / g.G, g.B * g.Ho * g.Wo, (g.C / g.G) * g.kh * g.kw, g, b !== undefined, [x!, w!], y!, [b ? b.buffer : w!.buffer]);
    },
    conv2dBackwardInput: ([gy, w], [gx], attrs) => {
      const g = geo(attrs.inputShape, w!.shape, gy!.shape, attrs);
      run('conv2dBackwardInput', backwardInput, g.C / g.G, g.B * g.H * g.W, (g.O / g.G) * g.kh * g.kw, g, false, [gy!, w!], gx!);
    },
    conv2dBackwardWeight: ([gy, x], [gw], attrs) => {
      const g = geo(x!.shape, attrs.weightShape, gy!.shape, attrs);
      run('conv2dBackwardWeight', backwardWeight, g.O / g.G, (g.C / g.G) * g.kh * g.kw, g.B * g.Ho * g.Wo, g, false, [gy!, x!], gw!);
    },
  };
}

const zeroWgsl = (): string => `
struct P { n: u32, a: u32, b: u32, c: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) gid: vec3u) { if (gid.x < p.n) { out[gid.x] = 0.0; } }`;
