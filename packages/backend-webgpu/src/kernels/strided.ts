// Strided indexing shared by copy, cast and the reductions' views: dims that are contiguous in every
// operand are merged, size-1 dims dropped, and the rest go to WGSL as vec4-packed shape/stride arrays.
import { BackendError } from '@flint/core';

/** The most dims a strided kernel takes after merging. */
export const MAX_RANK = 8;

/** Row-major (contiguous) strides of a shape. */
export function rowMajor(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = acc; acc *= shape[d]!; }
  return s;
}

/** Merges dims of `shape` that are contiguous in every stride list; drops size-1 dims. */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const s: number[] = [], st: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = s.length - 1;
    if (last >= 0 && strides.every((x, k) => st[k]![last] === x[d]! * shape[d]!)) {
      s[last]! *= shape[d]!;
      strides.forEach((x, k) => { st[k]![last] = x[d]!; });
    } else {
      s.push(shape[d]!);
      strides.forEach((x, k) => st[k]!.push(x[d]!));
    }
  }
  return { shape: s, strides: st };
}

/** Packs up to MAX_RANK values into 8 u32 words (two vec4s). */
export function pack8(v: readonly number[], op: string): number[] {
  if (v.length > MAX_RANK) throw new BackendError(`${op}: the webgpu backend indexes at most ${MAX_RANK} non-contiguous dims, got ${v.length}; make the tensor contiguous first`);
  return [...v, ...new Array<number>(MAX_RANK - v.length).fill(0)];
}

/** WGSL: the offset of flat index `i` in a view (shape p.shape, strides p.<name>, offset p.<name>Off). */
export const offsetFn = (names: readonly string[]): string => `
fn at8(v: array<vec4u, 2>, d: u32) -> u32 { return v[d / 4u][d % 4u]; }
fn offsets(i: u32) -> array<u32, ${names.length}> {
  var rem = i;
  var o = array<u32, ${names.length}>(${names.map((n) => `p.${n}Off`).join(', ')});
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let n = at8(p.shape, u32(d)); let c = rem % n; rem = rem / n;
    ${names.map((n, k) => `o[${k}] += c * at8(p.${n}, u32(d));`).join(' ')}
  }
  return o;
}`;

const padWords = (names: number): number => (4 - ((2 + names) % 4)) % 4;

/** WGSL struct fields for `offsetFn` (followed by any extra fields of the kernel). */
export const offsetFields = (names: readonly string[]): string =>
  `n: u32, rank: u32, ${names.map((n) => `${n}Off: u32, `).join('')}${Array.from({ length: padWords(names.length) }, (_, k) => `pad${k}: u32, `).join('')}shape: array<vec4u, 2>, ${names.map((n) => `${n}: array<vec4u, 2>`).join(', ')}`;

/** The params words matching `offsetFields`: n, rank, offsets, padding, shape, then each stride list. */
export function offsetParams(n: number, shape: readonly number[], offsets: readonly number[], strides: readonly (readonly number[])[], op: string): number[] {
  return [n, shape.length, ...offsets, ...new Array<number>(padWords(offsets.length)).fill(0), ...pack8(shape, op), ...strides.flatMap((s) => pack8(s, op))];
}

/**
 * A conservative element span [lo, hi] of a view (shape, strides ≥ 0, offset) over its row-major flat
 * indices [i0, i1): what a binding window must cover for a chunk of a kernel's work.
 */
export function spanOf(shape: readonly number[], strides: readonly number[], offset: number, i0: number, i1: number): [number, number] {
  if (i1 <= i0) return [offset, offset];
  const c0 = unflat(shape, i0), c1 = unflat(shape, i1 - 1);
  let lo = offset, hi = offset, d = 0;
  while (d < shape.length && c0[d] === c1[d]) { lo += c0[d]! * strides[d]!; hi += c0[d]! * strides[d]!; d++; }
  if (d < shape.length) {
    lo += c0[d]! * strides[d]!;
    hi += c1[d]! * strides[d]!;
    for (let e = d + 1; e < shape.length; e++) hi += (shape[e]! - 1) * strides[e]!;
  }
  return [lo, hi];
}

function unflat(shape: readonly number[], i: number): number[] {
  const c = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) { c[d] = i % shape[d]!; i = Math.floor(i / shape[d]!); }
  return c;
}

/** A binding window over elements [lo, hi] (bytes per element eb), its start aligned down as WebGPU requires. */
export function windowOf(lo: number, hi: number, eb: number, align: number): { offset: number; size: number; base: number } {
  const offset = Math.floor((lo * eb) / align) * align;
  return { offset, size: Math.max(4, (hi + 1) * eb - offset), base: offset / eb };
}

/**
 * Splits [0, n) into chunks whose views' spans fit `maxBytes` bindings: `fits(i0, i1)` says whether a chunk
 * does; chunks are as large as fit, found by halving.
 */
export function chunks(n: number, fits: (i0: number, i1: number) => boolean): [number, number][] {
  const out: [number, number][] = [];
  let i0 = 0;
  while (i0 < n) {
    let size = n - i0;
    while (size > 1 && !fits(i0, i0 + size)) size = Math.ceil(size / 2);
    out.push([i0, i0 + size]);
    i0 += size;
  }
  return out;
}
