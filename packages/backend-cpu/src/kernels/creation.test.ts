// copy's layouts: contiguous runs moved with set(), 2-D transposes in tiles, strided rows, int64 words.
import { describe, expect, it } from 'vitest';
import { backend, empty, t } from '../testing.js';
import type { Kernel, KernelTensor } from '@flint/core';
import type { CpuArray } from '../storage.js';

const copy = (backend.kernels as Readonly<Record<string, Kernel<CpuArray>>>).copy!;
const iota = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
/** Reference: element (i0, i1, ...) read through strides. */
function gather(src: number[], shape: number[], strides: number[], offset: number): number[] {
  const out: number[] = [], idx = shape.map(() => 0), n = shape.reduce((a, b) => a * b, 1);
  for (let k = 0; k < n; k++) {
    out.push(src[offset + idx.reduce((a, v, d) => a + v * strides[d]!, 0)]!);
    for (let d = shape.length - 1; d >= 0; d--) { if (++idx[d]! < shape[d]!) break; idx[d] = 0; }
  }
  return out;
}

describe('copy layouts', () => {
  it('a contiguous source into a channel slice of a larger tensor (cat) moves whole runs and leaves the rest', () => {
    const dst = t('float32', [2, 3, 4, 5], new Float32Array(2 * 7 * 20).fill(-1), [140, 20, 5, 1], 40);
    copy([t('float32', [2, 3, 4, 5], iota(120))], [dst], {});
    const d = Array.from(dst.buffer as Float32Array);
    for (let n = 0; n < 2; n++) for (let c = 0; c < 7; c++) for (let k = 0; k < 20; k++) {
      expect(d[n * 140 + c * 20 + k]).toBe(c >= 2 && c < 5 ? n * 60 + (c - 2) * 20 + k : -1);
    }
  });
  it('transposes (2-D and batched, sizes not multiples of the tile) equal the strided reference', () => {
    for (const [shape, strides] of [[[70, 45], [1, 70]], [[3, 40, 33], [1320, 1, 40]], [[33, 2, 40], [1, 1320, 33]]] as [number[], number[]][]) {
      const n = shape.reduce((a, b) => a * b, 1), src = iota(n), out = empty('float32', shape);
      copy([t('float32', shape, src, strides)], [out], {});
      expect(Array.from(out.buffer as Float32Array)).toEqual(gather(src, shape, strides, 0));
    }
  });
  it('strided rows, single elements, and int64 (rows by set, transposes by words)', () => {
    const src = iota(200);
    const out = empty('float64', [5, 6]);
    copy([t('float64', [5, 6], src, [40, 3], 7)], [out], {});
    expect(Array.from(out.buffer as Float64Array)).toEqual(gather(src, [5, 6], [40, 3], 7));
    const one = empty('float32', [1, 1]);
    copy([t('float32', [1, 1], [0, 0, 0, 0, 9], [7, 9], 4)], [one], {});
    expect(Array.from(one.buffer as Float32Array)).toEqual([9]);
    const big = BigInt64Array.from(iota(40 * 20), (i) => BigInt(i) * 98765432109n - 2n ** 62n);
    for (const [shape, strides] of [[[20, 40], [1, 20]], [[10, 20], [40, 1]]] as [number[], number[]][]) {
      const o = empty('int64', shape), s: KernelTensor<CpuArray> = { buffer: big, dtype: 'int64', shape, strides, offset: 0 };
      copy([s], [o], {});
      expect(Array.from(o.buffer as BigInt64Array)).toEqual(gather(Array.from(big) as unknown as number[], shape, strides, 0));
    }
  });
});
