// Helpers every kernel family shares: the WGSL prelude (NaN-safe float math), launch geometry, params
// packing, dense bindings (windowed for tensors above maxStorageBufferBindingSize) and error text.
import type { DType, KernelTensor } from '@flint/core';
import type { Binding, Gpu } from '../runtime/gpu.js';
import type { WgBuffer } from '../runtime/pool.js';
import type { Kind } from '../runtime/storage.js';
import { kindOf } from '../runtime/storage.js';

/** A kernel's view of a tensor on this backend. */
export type T = KernelTensor<WgBuffer>;

/** Workgroup size of the 1-D kernels. */
export const WG = 256;

/** Number of elements of a shape. */
export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Workgroups for `n` invocations of WG, folded into y past the per-dimension limit. */
export function grid(n: number, gpu: Gpu, wg = WG): [number, number, number] {
  const groups = Math.ceil(n / wg), max = gpu.limits.maxComputeWorkgroupsPerDimension;
  if (groups <= max) return [groups, 1, 1];
  return [max, Math.ceil(groups / max), 1];
}

/** The flat invocation index in WGSL for a `grid` launch (needs `gid` and `nwg` builtins). */
export const FLAT = (wg = WG): string => `let i = gid.x + gid.y * nwg.x * ${wg}u;`;
/** The builtins of a 1-D kernel's entry point. */
export const ENTRY = (wg = WG): string => `@compute @workgroup_size(${wg}) fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u)`;

/** The WGSL scalar type of a storage kind (int64 is handled by the kernels that see it). */
export const wgslType = (k: Kind): string => (k === 'i64' ? 'u32' : k);

/** The compute type of a dtype in kernels other than copy/cast/fill. */
export const typeOf = (d: DType): string => wgslType(kindOf(d));

/** Packs params as u32 words: integers as they are, floats as their bits. */
export class Params {
  private words: number[] = [];
  private readonly f = new Float32Array(1);
  private readonly u = new Uint32Array(this.f.buffer);
  u32(...v: number[]): this { for (const x of v) this.words.push(x >>> 0); return this; }
  i32(...v: number[]): this { for (const x of v) this.words.push(x | 0); return this; }
  f32(...v: number[]): this { for (const x of v) { this.f[0] = x; this.words.push(this.u[0]!); } return this; }
  /** A scalar in the storage kind `k`. */
  scalar(k: Kind, v: number): this { return k === 'f32' ? this.f32(v) : k === 'i32' ? this.i32(v) : this.u32(v); }
  /** Pads to a multiple of 4 words, to go on with vec4-aligned fields. */
  pad4(): this { while (this.words.length % 4 !== 0) this.words.push(0); return this; }
  /** Pads to a multiple of 4 words (uniform structs of vec4s). */
  done(): Uint32Array { while (this.words.length % 4 !== 0 || this.words.length === 0) this.words.push(0); return Uint32Array.from(this.words); }
}

/** Helpers for float math that WGSL leaves undefined (NaN, infinities, domains) and for int64 words. */
export const PRELUDE = /* wgsl */ `
// private vars, not constants: WGSL rejects NaN and infinity in constant expressions
var<private> NAN_BITS: u32 = 0x7fc00000u;
var<private> INF_BITS: u32 = 0x7f800000u;
fn nan() -> f32 { return bitcast<f32>(NAN_BITS); }
fn inf() -> f32 { return bitcast<f32>(INF_BITS); }
fn isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn isinf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn fexp(x: f32) -> f32 { if (isnan(x)) { return x; } if (x > 88.72284) { return inf(); } if (x < -103.98) { return 0.0; } return exp(x); }
fn flog(x: f32) -> f32 { if (isnan(x) || x < 0.0) { return nan(); } if (x == 0.0) { return -inf(); } if (isinf(x)) { return x; } return log(x); }
fn fsqrt(x: f32) -> f32 { if (isnan(x) || x < 0.0) { return nan(); } if (isinf(x)) { return x; } return sqrt(x); }
fn flog1p(x: f32) -> f32 {
  if (isnan(x) || x < -1.0) { return nan(); } if (x == -1.0) { return -inf(); } if (isinf(x)) { return x; }
  let u = 1.0 + x; if (u == 1.0) { return x; } return log(u) * (x / (u - 1.0));
}
fn fexpm1(x: f32) -> f32 {
  if (isnan(x)) { return x; } if (x > 88.72284) { return inf(); } if (x < -17.0) { return -1.0; }
  let u = exp(x); if (u == 1.0) { return x; } let um = u - 1.0; if (um == -1.0) { return -1.0; } return um * x / log(u);
}
fn ftanh(x: f32) -> f32 { if (isnan(x)) { return x; } if (abs(x) < 0.0004) { return x - x * x * x / 3.0; } return tanh(clamp(x, -15.0, 15.0)); }
// sin and cos by Cody-Waite reduction to [-pi/4, pi/4] and Cephes' polynomials: some drivers' builtins
// (SwiftShader's) are off by ~1e-4; these are within a few float32 ulps for |x| < 8192
fn sinpoly(r: f32, z: f32) -> f32 { return ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r; }
fn cospoly(z: f32) -> f32 { return ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0; }
fn reduce4(x: f32) -> vec2f {
  var j = u32(x * 1.27323954473516); if ((j & 1u) == 1u) { j += 1u; }
  let y = f32(j);
  return vec2f(((x - y * 0.78515625) - y * 2.4187564849853515625e-4) - y * 3.77489497744594108e-8, f32(j & 7u));
}
fn fsin(xin: f32) -> f32 {
  if (isinf(xin)) { return nan(); } if (isnan(xin)) { return xin; }
  let x = abs(xin); if (x > 8192.0) { return sin(xin); }
  var sg = select(1.0, -1.0, xin < 0.0);
  let rj = reduce4(x); var j = u32(rj.y); if (j > 3u) { sg = -sg; j -= 4u; }
  let z = rj.x * rj.x;
  return sg * select(sinpoly(rj.x, z), cospoly(z), j == 1u || j == 2u);
}
fn fcos(xin: f32) -> f32 {
  if (isinf(xin)) { return nan(); } if (isnan(xin)) { return xin; }
  let x = abs(xin); if (x > 8192.0) { return cos(xin); }
  var sg = 1.0;
  let rj = reduce4(x); var j = u32(rj.y); if (j > 3u) { sg = -sg; j -= 4u; } if (j > 1u) { sg = -sg; }
  let z = rj.x * rj.x;
  return sg * select(cospoly(z), sinpoly(rj.x, z), j == 1u || j == 2u);
}
fn fsign(x: f32) -> f32 { if (isnan(x)) { return 0.0; } return sign(x); }
fn fmaximum(a: f32, b: f32) -> f32 { if (isnan(a)) { return a; } if (isnan(b)) { return b; } return max(a, b); }
fn fminimum(a: f32, b: f32) -> f32 { if (isnan(a)) { return a; } if (isnan(b)) { return b; } return min(a, b); }
fn fsigmoid(x: f32) -> f32 { return 1.0 / (1.0 + fexp(-x)); }
// erfc with fractional error below 1.2e-7 everywhere (Chebyshev fit, Numerical Recipes' erfcc)
fn ferfc(x: f32) -> f32 {
  if (isnan(x)) { return x; }
  let z = abs(x); let t = 1.0 / (1.0 + 0.5 * z);
  let r = t * fexp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return select(2.0 - r, r, x >= 0.0);
}
fn fdivide(a: f32, b: f32) -> f32 { return a / b; }
fn fremainder(a: f32, b: f32) -> f32 {
  if (b == 0.0 || isnan(a) || isnan(b) || isinf(a)) { return nan(); }
  if (isinf(b)) { if (a == 0.0 || (a < 0.0) == (b < 0.0)) { return a; } return b; }
  var r = a - b * trunc(a / b);
  if (abs(r) >= abs(b)) { r = r - b * trunc(r / b); }
  if (r != 0.0 && ((r < 0.0) != (b < 0.0))) { r = r + b; }
  return r;
}
fn isodd(y: f32) -> bool { return abs(y) < 16777216.0 && (i32(abs(y)) & 1) == 1; }
fn fpow(a: f32, b: f32) -> f32 {
  if (b == 0.0 || a == 1.0) { return 1.0; }
  if (isnan(a) || isnan(b)) { return nan(); }
  if (b == 1.0) { return a; }
  if (b == 2.0) { return a * a; }
  if (a == 0.0) { if (b > 0.0) { return select(0.0, a, isodd(b)); } return select(inf(), bitcast<f32>(bitcast<u32>(inf()) | (bitcast<u32>(a) & 0x80000000u)), isodd(b)); }
  if (isinf(b)) { let m = abs(a); if (m == 1.0) { return 1.0; } if ((m > 1.0) == (b > 0.0)) { return inf(); } return 0.0; }
  if (isinf(a)) { if (a > 0.0) { return select(0.0, inf(), b > 0.0); } let r = select(0.0, inf(), b > 0.0); return select(r, -r, isodd(b)); }
  if (a < 0.0) {
    if (b != floor(b)) { return nan(); }
    let r = fexp(b * log(-a));
    return select(r, -r, isodd(b));
  }
  return fexp(b * log(a));
}
fn ipow(a: i32, b: i32) -> i32 {
  var base = a; var e = b; var r = 1;
  if (e < 0) { return select(0, select(1, -1, (e & 1) == 1), a == -1) + select(0, 1, a == 1); }
  loop { if (e == 0) { break; } if ((e & 1) == 1) { r = r * base; } base = base * base; e = e >> 1u; }
  return r;
}
fn upow(a: u32, b: u32) -> u32 {
  var base = a; var e = b; var r = 1u;
  loop { if (e == 0u) { break; } if ((e & 1u) == 1u) { r = r * base; } base = base * base; e = e >> 1u; }
  return r;
}
`;

/** A dense binding of a tensor's elements [start, start + count) (bytes per element `eb`). */
export function dense(t: T, start = 0, count = numel(t.shape), eb = 4): Binding {
  const offset = (t.offset + start) * eb;
  return { buf: t.buffer, offset, size: Math.max(4, count * eb) };
}

/**
 * Splits [0, n) into windows whose bindings fit maxStorageBufferBindingSize and start at aligned offsets,
 * so elementwise kernels run on tensors of any size.
 */
export function windows(n: number, gpu: Gpu, eb = 4): [number, number][] {
  const align = gpu.limits.minStorageBufferOffsetAlignment / 4;
  const max = Math.floor(gpu.maxBinding / eb / align / 4) * align * 4;
  if (n <= max) return [[0, n]];
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += max) out.push([s, Math.min(max, n - s)]);
  return out;
}

/** "float32[2, 3]" for messages. */
export const shapeOf = (t: Pick<T, 'dtype' | 'shape'>): string => `${t.dtype}[${t.shape.join(', ')}]`;
/** Describes a call's tensors for messages. */
export const describe = (ins: readonly T[], outs: readonly T[]) => (): string =>
  `${ins.map(shapeOf).join(', ')} -> ${outs.map(shapeOf).join(', ')}`;
