// gather/scatterAdd's whole-row path (indexSelect and embedding, forward and backward): rows copied and
// added in index order, equal to the element-wise definition, with the same bounds errors.
import { describe, expect, it } from 'vitest';
import { IndexError } from '@flint/core';
import type { KernelTensor } from '@flint/core';
import { run, t } from '../testing.js';
import type { CpuArray } from '../storage.js';

const V = 6;
const rowsIdx = (dtype: 'int32' | 'int64', ids: number[], D: number): KernelTensor<CpuArray> => t(dtype, [ids.length, D], ids, [1, 0]);

describe('gather/scatterAdd on whole rows (embedding)', () => {
  for (const D of [3, 80]) {
    const w = Array.from({ length: V * D }, (_, i) => (i % 7) - 3 + i / 1000);
    const ids = [4, 0, 4, 5, 2];
    it(`gather copies the indexed rows (row length ${D}, int32 and int64 indices)`, () => {
      for (const dtype of ['int32', 'int64'] as const) {
        const got = run('gather', [t('float32', [V, D], w), rowsIdx(dtype, ids, D)], [['float32', [ids.length, D]]], { dim: 0 })[0]!;
        expect(got).toEqual(ids.flatMap((r) => Array.from(new Float32Array(w.slice(r * D, (r + 1) * D)))));
      }
    });
    it(`scatterAdd adds rows into a copy of self in index order, repeated rows summing (row length ${D})`, () => {
      const g = Array.from({ length: ids.length * D }, (_, i) => Math.fround(0.1 * i - 1));
      const self = Array.from({ length: V * D }, (_, i) => i % 3);
      const want = new Float32Array(self);
      ids.forEach((r, k) => { for (let j = 0; j < D; j++) want[r * D + j] += g[k * D + j]!; });
      const got = run('scatterAdd', [t('float32', [V, D], self), rowsIdx('int64', ids, D), t('float32', [ids.length, D], g)], [['float32', [V, D]]], { dim: 0 })[0]!;
      expect(got).toEqual(Array.from(want));
    });
  }
  it('an out-of-range row index raises the same IndexError', () => {
    expect(() => run('gather', [t('float32', [V, 2], new Array(12).fill(0)), rowsIdx('int32', [1, V], 2)], [['float32', [2, 2]]], { dim: 0 }))
      .toThrow(new IndexError(`gather: index ${V} is out of bounds for dimension 0 with size ${V}; valid indices are 0..${V - 1}`));
    expect(() => run('scatterAdd', [t('float32', [V, 2], new Array(12).fill(0)), rowsIdx('int64', [-1], 2), t('float32', [1, 2], [1, 2])], [['float32', [V, 2]]], { dim: 0 }))
      .toThrow(IndexError);
  });
});
