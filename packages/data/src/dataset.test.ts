import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import * as F from '@flint/core';
import { ConcatDataset, Dataset, Generator, Subset, TensorDataset, randomSplit } from '@flint/data';

class Range extends Dataset<number> {
  constructor(readonly length: number, readonly base = 0) { super(); }
  getItem(i: number): number { return this.base + i; }
}

describe('datasets', () => {
  it('TensorDataset gives rows of each tensor and checks the first dims agree', async () => {
    const x = F.tensor([[1, 2], [3, 4], [5, 6]]), y = F.tensor([7, 8, 9]);
    const ds = new TensorDataset(x, y);
    expect(ds.length).toBe(3);
    const [xi, yi] = ds.getItem(1);
    expect(await xi!.tolist()).toEqual([3, 4]);
    expect(await yi!.item()).toBe(8);
    expect(await ds.getItem(-1)[1]!.item()).toBe(9);
    expect(() => ds.getItem(3)).toThrow(/index 3 is out of range for a dataset of 3 items/);
    expect(() => new TensorDataset(x, F.tensor([1, 2]))).toThrow(/size mismatch/);
  });
  it('Subset and ConcatDataset index through to their datasets', () => {
    const c = new ConcatDataset([new Range(3), new Range(2, 100)]);
    expect(c.length).toBe(5);
    expect([0, 1, 2, 3, 4].map((i) => c.getItem(i))).toEqual([0, 1, 2, 100, 101]);
    const s = new Subset(c, [4, 0]);
    expect([s.length, s.getItem(0), s.getItem(1)]).toEqual([2, 101, 0]);
  });
  it('randomSplit takes counts or fractions, is seeded, and covers every index once', () => {
    const ds = new Range(10);
    const [a, b] = randomSplit(ds, [7, 3], { seed: 1 });
    const all = [...a!.indices, ...b!.indices].sort((p, q) => p - q);
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(randomSplit(ds, [7, 3], { seed: 1 })[0]!.indices).toEqual(a!.indices);
    expect(randomSplit(ds, [7, 3], { generator: new Generator(2) })[0]!.indices).not.toEqual(a!.indices);
    expect(randomSplit(ds, [0.5, 0.3, 0.2], { seed: 1 }).map((s) => s.length)).toEqual([5, 3, 2]);
    expect(randomSplit(new Range(11), [0.5, 0.5], { seed: 1 }).map((s) => s.length)).toEqual([6, 5]);
    expect(() => randomSplit(ds, [5, 4])).toThrow(/sum of input lengths \(9\) does not equal the length of the input dataset \(10\)/);
  });
});
