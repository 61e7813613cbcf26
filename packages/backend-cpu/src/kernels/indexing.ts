// gather and scatterAdd along attrs.dim, with bounds checks that raise IndexError.
import type { Kernel } from '@flint/core';
import { IndexError, stridedOffsets } from '@flint/core';
import type { CpuArray } from '../storage.js';
import { finish, num, numel, offsets } from './util.js';
import type { T } from './util.js';

/** Offsets of `t`'s elements at each position of `shape`, with `dim`'s stride zeroed (index fills it). */
function baseOffsets(shape: readonly number[], strides: readonly number[], offset: number, dim: number): Int32Array {
  const s = strides.slice();
  s[dim] = 0;
  return stridedOffsets(shape, s, offset);
}

function checkIndex(op: string, v: number, size: number, dim: number): void {
  if (!(v >= 0 && v < size)) {
    throw new IndexError(`${op}: index ${v} is out of bounds for dimension ${dim} with size ${size}; valid indices are 0..${size - 1}`);
  }
}

const dimOf = (attrs: Readonly<Record<string, unknown>>, nd: number): number => {
  const d = num(attrs, 'dim');
  return d < 0 ? d + nd : d;
};

export const gather: Kernel<CpuArray> = ([src, index], [out], attrs) => {
  const s = src!, ix = index!, dim = dimOf(attrs, s.shape.length);
  const base = baseOffsets(ix.shape, s.strides, s.offset, dim), io = offsets(ix);
  const size = s.shape[dim]!, stride = s.strides[dim]!, S = s.buffer, I = ix.buffer, d = out!.buffer, o = out!.offset;
  for (let i = 0; i < base.length; i++) {
    const v = I[io[i]!]!;
    checkIndex('gather', v, size, dim);
    d[o + i] = S[base[i]! + v * stride]!;
  }
  finish(out!);
};

export const scatterAdd: Kernel<CpuArray> = ([self, index, src], [out], attrs) => {
  const o = out! as T, ix = index!, dim = dimOf(attrs, o.shape.length);
  const n = numel(o.shape), d = o.buffer, so = offsets(self!), S = self!.buffer;
  for (let i = 0; i < n; i++) d[o.offset + i] = S[so[i]!]!;
  const outStrides: number[] = [];
  for (let k = o.shape.length - 1, acc = 1; k >= 0; k--) { outStrides[k] = acc; acc *= o.shape[k]!; }
  const base = baseOffsets(ix.shape, outStrides, o.offset, dim), io = offsets(ix);
  const srcOff = stridedOffsets(ix.shape, src!.strides, src!.offset), R = src!.buffer, I = ix.buffer;
  const size = o.shape[dim]!, stride = outStrides[dim]!;
  for (let i = 0; i < base.length; i++) {
    const v = I[io[i]!]!;
    checkIndex('scatterAdd', v, size, dim);
    d[base[i]! + v * stride] += R[srcOff[i]!]!;
  }
  finish(o);
};
