// The storage kernels (copy, cast, fill: they see every stored dtype, int64 as two words) and the creation
// kernels arange and random (Philox4x32-10, the same stream as @flint/core's uniformAt/normalAt).
import type { DType, KernelTable } from '@flint/core';
import type { Gpu } from '../runtime/gpu.js';
import type { WgBuffer } from '../runtime/pool.js';
import type { Kind } from '../runtime/storage.js';
import { kindOf } from '../runtime/storage.js';
import type { T } from './common.js';
import { ENTRY, FLAT, PRELUDE, Params, describe, grid, numel, windows } from './common.js';
import { chunks, coalesce, offsetFields, offsetFn, offsetParams, rowMajor, spanOf, windowOf } from './strided.js';

const contiguous = (shape: number[], strides: number[]): boolean => shape.length <= 1 && (shape.length === 0 || strides[0] === 1);

/** WGSL: load element at word offset `o` of `src` as the source kind, into `v` (or lo/hi for int64). */
const load = (k: Kind): string => ({
  f32: 'let v = bitcast<f32>(src[o]);', i32: 'let v = bitcast<i32>(src[o]);', u32: 'let v = src[o];',
  i64: 'let lo = src[2u * o]; let hi = src[2u * o + 1u];',
}[k]);

/** WGSL: the words of the converted value (one, or lo/hi for int64) from a source kind to a dtype. */
function convert(from: Kind, to: DType): string[] {
  const k = kindOf(to);
  if (k === 'i64') {
    if (from === 'i64') return ['lo', 'hi'];
    if (from === 'u32') return ['v', '0u'];
    if (from === 'i32') return ['bitcast<u32>(v)', 'select(0u, 0xffffffffu, v < 0)'];
    return ['f2lo(v)', 'f2hi(v)'];
  }
  if (to === 'bool') return [{ f32: 'select(0u, 1u, (bitcast<u32>(v) & 0x7fffffffu) != 0u)', i32: 'select(0u, 1u, v != 0)', u32: 'select(0u, 1u, v != 0u)', i64: 'select(0u, 1u, (lo | hi) != 0u)' }[from]];
  if (to === 'uint8') return [{ f32: 'bitcast<u32>(ftoi(v)) & 255u', i32: 'bitcast<u32>(v) & 255u', u32: 'v & 255u', i64: 'lo & 255u' }[from]];
  if (to === 'int32') return [{ f32: 'bitcast<u32>(ftoi(v))', i32: 'bitcast<u32>(v)', u32: 'v', i64: 'lo' }[from]];
  const f = { f32: 'v', i32: 'f32(v)', u32: 'f32(v)', i64: 'i64tof(lo, hi)' }[from];
  return [`bitcast<u32>(${to === 'float16' ? `r16(${f})` : to === 'bfloat16' ? `rbf(${f})` : f})`];
}

const CONVERT = /* wgsl */ `
fn ftoi(x: f32) -> i32 { if (isnan(x)) { return 0; } return i32(clamp(trunc(x), -2147483648.0, 2147483520.0)); }
fn f2hi(x: f32) -> u32 { let t = trunc(x); if (abs(t) < 2147483648.0) { return select(0u, 0xffffffffu, t < 0.0); } return bitcast<u32>(i32(floor(t / 4294967296.0))); }
fn f2lo(x: f32) -> u32 { let t = trunc(x); if (abs(t) < 2147483648.0) { return bitcast<u32>(ftoi(t)); } return u32(t - floor(t / 4294967296.0) * 4294967296.0); }
fn r16(x: f32) -> f32 {
  if (isnan(x) || isinf(x)) { return x; } let a = abs(x);
  if (a >= 65520.0) { return select(-inf(), inf(), x > 0.0); }
  if (a < 6.103515625e-05) { return round(x * 16777216.0) / 16777216.0; }
  let u = bitcast<u32>(x); return bitcast<f32>((u + 0xfffu + ((u >> 13u) & 1u)) & 0xffffe000u);
}
fn i64tof(lo: u32, hi: u32) -> f32 {
  if (hi == select(0u, 0xffffffffu, (lo & 0x80000000u) != 0u)) { return f32(bitcast<i32>(lo)); }
  if (bitcast<i32>(hi) < 0) { let nlo = ~lo + 1u; let nhi = ~hi + select(0u, 1u, nlo == 0u); return -(f32(nhi) * 4294967296.0 + f32(nlo)); }
  return f32(hi) * 4294967296.0 + f32(lo);
}
fn rbf(x: f32) -> f32 { if (isnan(x)) { return x; } let u = bitcast<u32>(x); return bitcast<f32>((u + 0x7fffu + ((u >> 16u) & 1u)) & 0xffff0000u); }
`;

/** copy and cast: a strided source, a strided (copy) or dense (cast) destination. */
function strided(gpu: Gpu, op: 'copy' | 'cast', src: T, dst: T): void {
  const n = numel(dst.shape);
  if (n === 0) return;
  const from = kindOf(src.dtype, op), words = from === 'i64' && op === 'copy' ? 2 : 1;
  const dstStrides = op === 'copy' ? dst.strides : rowMajor(dst.shape);
  const c = coalesce(src.shape, [src.strides, dstStrides]);
  if (op === 'copy' && contiguous(c.shape, c.strides[0]!) && contiguous(c.shape, c.strides[1]!)) {
    const eb = from === 'i64' ? 8 : 4;
    gpu.copy(src.buffer, src.offset * eb, dst.buffer, dst.offset * eb, n * eb);
    return;
  }
  const out = op === 'copy' ? (words === 2 ? ['lo', 'hi'] : ['src[o]']) : convert(from, dst.dtype);
  const key = `${op}:${src.dtype}:${dst.dtype}`;
  const wgsl = (): string => `${PRELUDE}${CONVERT}
struct P { ${offsetFields(['src', 'dst'])}, start: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
${offsetFn(['src', 'dst'])}
${ENTRY()} {
  ${FLAT()}
  if (i >= p.n) { return; }
  let os = offsets(i + p.start); let o = os[0]; let q = os[1];
  ${op === 'copy' && words === 1 ? '' : load(from)}
  ${out.length === 1 ? `dst[q] = ${out[0]};` : `dst[2u * q] = ${out[0]}; dst[2u * q + 1u] = ${out[1]};`}
}`;
  const sb = from === 'i64' ? 8 : 4, db = kindOf(dst.dtype) === 'i64' ? 8 : 4;
  const max = gpu.maxBinding, align = gpu.limits.minStorageBufferOffsetAlignment;
  const whole = src.buffer.bytes <= max && dst.buffer.bytes <= max;
  // past the binding limit, the work goes in chunks, each binding the windows of src and dst it touches
  const windowsFor = (i0: number, i1: number) => {
    const s = spanOf(c.shape, c.strides[0]!, src.offset, i0, i1), d = spanOf(c.shape, c.strides[1]!, dst.offset, i0, i1);
    return [windowOf(s[0], s[1], sb, align), windowOf(d[0], d[1], db, align)] as const;
  };
  const parts = whole ? [[0, n] as [number, number]] : chunks(n, (i0, i1) => windowsFor(i0, i1).every((w) => w.size <= max));
  for (const [i0, i1] of parts) {
    const [ws, wd] = whole ? [{ offset: 0, size: src.buffer.bytes, base: 0 }, { offset: 0, size: dst.buffer.bytes, base: 0 }] : windowsFor(i0, i1);
    // offsets relative to the windows (u32 arithmetic wraps back into range); the flat index starts at i0
    const params = new Params().u32(...offsetParams(i1 - i0, c.shape, [src.offset - ws.base, dst.offset - wd.base], c.strides, op)).u32(i0).done();
    gpu.run({ kernel: op, key, wgsl, params, groups: grid(i1 - i0, gpu), bindings: [{ buf: src.buffer, offset: ws.offset, size: Math.max(4, Math.ceil(ws.size / 4) * 4) }, { buf: dst.buffer, offset: wd.offset, size: Math.max(4, Math.ceil(wd.size / 4) * 4) }], describe: describe([src], [dst]) });
  }
}

/** Philox4x32-10 (see @flint/core's random.ts), 64-bit stream positions as two words. */
const PHILOX = /* wgsl */ `
fn mulhi(a: u32, b: u32) -> u32 {
  let aH = a >> 16u; let aL = a & 0xffffu; let bH = b >> 16u; let bL = b & 0xffffu;
  let lh = aL * bH; let hl = aH * bL; let mid = ((aL * bL) >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return aH * bH + (lh >> 16u) + (hl >> 16u) + (mid >> 16u);
}
fn philox(k0: u32, k1: u32, c0: u32, c1: u32) -> vec4u {
  var x0 = c0; var x1 = c1; var x2 = 0u; var x3 = 0u; var key0 = k0; var key1 = k1;
  for (var r = 0; r < 10; r++) {
    let hi0 = mulhi(0xd2511f53u, x0); let lo0 = 0xd2511f53u * x0;
    let hi1 = mulhi(0xcd9e8d57u, x2); let lo1 = 0xcd9e8d57u * x2;
    x0 = hi1 ^ x1 ^ key0; x1 = lo1; x2 = hi0 ^ x3 ^ key1; x3 = lo0;
    key0 = key0 + 0x9e3779b9u; key1 = key1 + 0xbb67ae85u;
  }
  return vec4u(x0, x1, x2, x3);
}`;

/**
 * Runs a dense-output creation kernel over `out` in windows that fit a binding; `params(start, count, base)`
 * gets the window's first element, its length and the out offset within the binding (in words of eb bytes).
 */
function denseOut(gpu: Gpu, kernel: string, key: string, wgsl: () => string, out: T, eb: number, params: (start: number, count: number, base: number) => Uint32Array): void {
  const n = numel(out.shape), align = gpu.limits.minStorageBufferOffsetAlignment;
  for (const [start, count] of windows(n, gpu, eb)) {
    const w = windowOf(out.offset + start, out.offset + start + count - 1, eb, align);
    gpu.run({ kernel, key, wgsl, params: params(start, count, out.offset + start - w.base), groups: grid(count, gpu), bindings: [{ buf: out.buffer, offset: w.offset, size: Math.ceil(w.size / 4) * 4 }], describe: describe([], [out]) });
  }
}

/** copy, cast, fill, arange and random. */
export function creationKernels(gpu: Gpu): KernelTable<WgBuffer> {
  const fillWgsl = (words: number) => (): string => `
struct P { n: u32, base: u32, w0: u32, w1: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
${ENTRY()} {
  ${FLAT()}
  if (i >= p.n) { return; }
  ${words === 2 ? 'out[p.base + 2u * i] = p.w0; out[p.base + 2u * i + 1u] = p.w1;' : 'out[p.base + i] = p.w0;'}
}`;
  return {
    copy: ([src], [dst]) => strided(gpu, 'copy', src!, dst!),
    cast: ([x], [out]) => strided(gpu, 'cast', x!, out!),
    fill: (_, [out], { value }) => {
      const k = kindOf(out!.dtype, 'fill'), words = k === 'i64' ? 2 : 1;
      denseOut(gpu, 'fill', `fill:${words}`, fillWgsl(words), out!, 4 * words, (_start, count, base) => {
        const p = new Params().u32(count, words * base);
        if (k === 'i64') {
          const v = BigInt.asUintN(64, BigInt(Math.trunc(value)));
          p.u32(Number(v & 0xffffffffn), Number(v >> 32n));
        } else if (out!.dtype === 'bool') p.u32(value ? 1 : 0);
        else p.scalar(k, value);
        return p.done();
      });
    },
    arange: (_, [out], { start, step }) => {
      const k = kindOf(out!.dtype, 'arange');
      const v = k === 'f32' ? 'bitcast<u32>(fma(f32(i), bitcast<f32>(p.step), bitcast<f32>(p.start)))'
        : k === 'i32' ? 'bitcast<u32>(bitcast<i32>(p.start) + i32(i) * bitcast<i32>(p.step))' : '(p.start + i * p.step) & 255u';
      const wgsl = (): string => `
struct P { n: u32, base: u32, start: u32, step: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
${ENTRY()} {
  ${FLAT()}
  if (i >= p.n) { return; }
  out[p.base + i] = ${v};
}`;
      denseOut(gpu, 'arange', `arange:${k}`, wgsl, out!, 4, (s0, count, base) => new Params().u32(count, base).scalar(k, start + s0 * step).scalar(k, step).done());
    },
    random: (_, [out], attrs) => {
      const normal = attrs.dist === 'normal';
      const counter = attrs.counter;
      const body = normal
        ? `let b = philox(p.k0, p.k1, (lo >> 1u) | (hi << 31u), hi >> 1u); let w = lo & 1u;
  let a = select(b.x, b.z, w == 1u); let c = select(b.y, b.w, w == 1u);
  let u1 = (f32(a >> 8u) + 1.0) * 5.9604644775390625e-08; let u2 = f32(c >> 8u) * 5.9604644775390625e-08;
  let z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
  out[p.base + i] = p.x + p.y * z;`
        : `let b = philox(p.k0, p.k1, (lo >> 2u) | (hi << 30u), hi >> 2u); let w = lo & 3u;
  let word = select(select(b.x, b.y, w == 1u), select(b.z, b.w, w == 3u), w >= 2u);
  out[p.base + i] = p.x + f32(word >> 8u) * p.y;`;
      const wgsl = (): string => `${PHILOX}
struct P { n: u32, base: u32, k0: u32, k1: u32, c0: u32, c1: u32, x: f32, y: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
${ENTRY()} {
  ${FLAT()}
  if (i >= p.n) { return; }
  let lo = p.c0 + i; let hi = p.c1 + select(0u, 1u, lo < p.c0);
  ${body}
}`;
      const low = attrs.low ?? 0, high = attrs.high ?? 1;
      denseOut(gpu, 'random', `random:${normal ? 'normal' : 'uniform'}`, wgsl, out!, 4, (s0, count, base) => {
        const c = counter + s0;
        const p = new Params().u32(count, base, attrs.key[0], attrs.key[1], c % 2 ** 32, Math.floor(c / 2 ** 32));
        return (normal ? p.f32(attrs.mean ?? 0, attrs.std ?? 1) : p.f32(low, (high - low) * 2 ** -24)).done();
      });
    },
  };
}
