import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DistributedSampler } from '../index.js';

interface Case { length: number; replicas: number; rank: number; dropLast: boolean; len: number; indices: number[] }
const cases = JSON.parse(readFileSync(new URL('../../fixtures/distributed_sampler.json', import.meta.url), 'utf8')) as Case[];
const range = (n: number): { length: number } => ({ length: n });

describe('DistributedSampler', () => {
  it("matches torch's indices, lengths, padding and dropLast without shuffling (113 cases from torch)", () => {
    expect(cases.length).toBe(113);
    for (const c of cases) {
      const s = new DistributedSampler(range(c.length), { numReplicas: c.replicas, rank: c.rank, dropLast: c.dropLast, shuffle: false });
      expect({ ...c, len: s.length, indices: [...s] }).toEqual(c);
    }
  });

  it('shuffled: the ranks split one permutation, padded to equal length; setEpoch reshuffles the same way on every rank', () => {
    const shares = (epoch: number, seed = 7): number[][] => [0, 1, 2].map((rank) => {
      const s = new DistributedSampler(range(10), { numReplicas: 3, rank, seed });
      s.setEpoch(epoch);
      return [...s];
    });
    const e0 = shares(0), e1 = shares(1);
    expect(e0.map((x) => x.length)).toEqual([4, 4, 4]);
    // 12 slots over 10 samples: every sample once, two of them twice (the padding repeats the order's start)
    const all = e0.flat().sort((a, b) => a - b);
    expect(new Set(all)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(all).toHaveLength(12);
    expect([e0[1]![3], e0[2]![3]]).toEqual([e0[0]![0], e0[1]![0]]); // slots 10 and 11 repeat slots 0 and 1
    expect(e1).not.toEqual(e0);
    expect(shares(1)).toEqual(e1); // same seed and epoch: same order, with no communication
    expect(shares(1, 8)).not.toEqual(e1);
  });

  it('takes rank and world size from the default process group when one exists', () => {
    const key = Symbol.for('@flint/distributed.group');
    const g = globalThis as unknown as Record<symbol, unknown>;
    g[key] = { rank: 1, size: 2 };
    try {
      const s = new DistributedSampler(range(5), { shuffle: false });
      expect([s.rank, s.numReplicas, [...s]]).toEqual([1, 2, [1, 3, 0]]);
    } finally { delete g[key]; }
    expect(() => new DistributedSampler(range(5))).toThrow("DistributedSampler: pass { numReplicas, rank }, or call initProcessGroup() from @flint/distributed first so they come from the default process group");
  });

  it('checks its options', () => {
    expect(() => new DistributedSampler(range(5), { numReplicas: 2, rank: 2 })).toThrow('DistributedSampler: invalid rank 2, rank should be in the interval [0, 1]');
    expect(() => new DistributedSampler(range(5), { numReplicas: 0, rank: 0 })).toThrow(RangeError);
    expect(() => new DistributedSampler(range(5), { numReplicas: 2, rank: 0, drop_last: true } as never)).toThrow(/dropLast/);
  });
});
