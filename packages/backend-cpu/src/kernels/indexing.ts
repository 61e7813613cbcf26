// gather and scatterAdd along attrs.dim, with bounds checks that raise IndexError. Index tensors (int32 or
// int64) are read into numbers once (int64.ts indexValues); int64 data moves and adds as words.
import type { Kernel } from '@flint/core';
import { IndexError, isDense, stridedOffsets } from '@flint/core';
import type { CpuArray, NumArray } from '../storage.js';
import * as int64 from './int64.js';
import { finish, num, numel, offsets } from './util.js';
import type { T } from './util.js';

// module-local copies: V8 inlines and folds through these, not through imported bindings (see elementwise.gen.ts)
const { indexValues, words } = int64;

/** Offsets of `t`'s elements at each position of `shape`, with `dim`'s stride zeroed (index fills it). */
function baseOffsets(shape: readonly number[], strides: readonly number[], offset: number, dim: number): Int32Array {
  const s = strides.slice();
  s[dim] = 0;
  return stridedOffsets(shape, s, offset);
}

function checkIndex(op: string, v: number, size: number, dim: number): void {
  if (!(v >= 0 && v < size)) {
    const shown = Number.isSafeInteger(v) ? String(v) : `about ${v.toPrecision(17)}`;
    throw new IndexError(`${op}: index ${shown} is out of bounds for dimension ${dim} with size ${size}; valid indices are 0..${size - 1}`);
  }
}

const dimOf = (attrs: Readonly<Record<string, unknown>>, nd: number): number => {
  const d = num(attrs, 'dim');
  return d < 0 ? d + nd : d;
};

/**
 * The row pattern of indexSelect/embedding (and their backward): dim 0, the index constant along every other
 * dim (strides 0) over whole rows of `data`, whose rows are contiguous. Returns the row indices (bounds
 * checked) and the row length, or null for any other layout.
 */
function wholeRows(op: string, ix: T, data: T, size: number): { I: NumArray; R: number } | null {
  const nd = ix.shape.length;
  if (nd < 2 || data.shape.length !== nd) return null;
  for (let d = 1; d < nd; d++) if (ix.strides[d] !== 0 || ix.shape[d] !== data.shape[d]) return null;
  const tail = data.shape.slice(1);
  if (!isDense(tail, data.strides.slice(1))) return null;
  const I = indexValues({ ...ix, shape: [ix.shape[0]!], strides: [ix.strides[0]!] });
  for (let r = 0; r < I.length; r++) checkIndex(op, I[r]!, size, 0);
  return { I, R: numel(tail) };
}

export const gather: Kernel<CpuArray> = ([src, index], [out], attrs) => {
  const s = src!, ix = index!, dim = dimOf(attrs, s.shape.length);
  const rows = dim === 0 && s.dtype !== 'int64' ? wholeRows('gather', ix, s, s.shape[0]!) : null;
  if (rows) {
    // embedding: each output row is a copy of a source row
    const { I, R } = rows, S = s.buffer as NumArray, d = out!.buffer as NumArray, stride = s.strides[0]!;
    for (let r = 0, o = out!.offset; r < I.length; r++, o += R) {
      const a = s.offset + I[r]! * stride;
      if (R >= 64) d.set(S.subarray(a, a + R) as Float32Array, o);
      else for (let j = 0; j < R; j++) d[o + j] = S[a + j]!;
    }
    finish(out!);
    return;
  }
  const base = baseOffsets(ix.shape, s.strides, s.offset, dim), I = indexValues(ix);
  const size = s.shape[dim]!, stride = s.strides[dim]!, o = out!.offset;
  for (let i = 0; i < base.length; i++) checkIndex('gather', I[i]!, size, dim);
  if (s.dtype === 'int64') {
    const S = words(s.buffer), d = words(out!.buffer);
    for (let i = 0; i < base.length; i++) { const k = 2 * (base[i]! + I[i]! * stride); d[2 * (o + i)] = S[k]!; d[2 * (o + i) + 1] = S[k + 1]!; }
    return;
  }
  const S = s.buffer as NumArray, d = out!.buffer as NumArray;
  for (let i = 0; i < base.length; i++) d[o + i] = S[base[i]! + I[i]! * stride]!;
  finish(out!);
};

export const scatterAdd: Kernel<CpuArray> = ([self, index, src], [out], attrs) => {
  const o = out! as T, ix = index!, dim = dimOf(attrs, o.shape.length);
  const rows = dim === 0 && o.dtype !== 'int64' && isDense(self!.shape, self!.strides) ? wholeRows('scatterAdd', ix, src!, o.shape[0]!) : null;
  if (rows && rows.R === numel(o.shape.slice(1))) {
    // embedding backward: add whole rows of src into rows of a copy of self, in index order as below
    const { I, R } = rows, d = o.buffer as NumArray, S = src!.buffer as NumArray, ss = src!.strides[0]!;
    d.set((self!.buffer as NumArray).subarray(self!.offset, self!.offset + numel(o.shape)) as Float32Array, o.offset);
    for (let r = 0; r < I.length; r++) {
      const k = o.offset + I[r]! * R, a = src!.offset + r * ss;
      for (let j = 0; j < R; j++) d[k + j] += S[a + j]!;
    }
    finish(o);
    return;
  }
  const n = numel(o.shape), so = offsets(self!);
  const outStrides: number[] = [];
  for (let k = o.shape.length - 1, acc = 1; k >= 0; k--) { outStrides[k] = acc; acc *= o.shape[k]!; }
  const base = baseOffsets(ix.shape, outStrides, o.offset, dim), I = indexValues(ix);
  const srcOff = stridedOffsets(ix.shape, src!.strides, src!.offset);
  const size = o.shape[dim]!, stride = outStrides[dim]!;
  for (let i = 0; i < base.length; i++) checkIndex('scatterAdd', I[i]!, size, dim);
  if (o.dtype === 'int64') {
    const d = words(o.buffer), S = words(self!.buffer), Rw = words(src!.buffer);
    for (let i = 0; i < n; i++) { d[2 * (o.offset + i)] = S[2 * so[i]!]!; d[2 * (o.offset + i) + 1] = S[2 * so[i]! + 1]!; }
    for (let i = 0; i < base.length; i++) {
      const k = 2 * (base[i]! + I[i]! * stride), r = 2 * srcOff[i]!;
      const lo = (d[k]! >>> 0) + (Rw[r]! >>> 0);
      d[k + 1] = (d[k + 1]! + Rw[r + 1]! + (lo >= 4294967296 ? 1 : 0)) | 0;
      d[k] = lo | 0;
    }
    return;
  }
  const d = o.buffer as NumArray, S = self!.buffer as NumArray, R = src!.buffer as NumArray;
  for (let i = 0; i < n; i++) d[o.offset + i] = S[so[i]!]!;
  for (let i = 0; i < base.length; i++) d[base[i]! + I[i]! * stride] += R[srcOff[i]!]!;
  finish(o);
};
