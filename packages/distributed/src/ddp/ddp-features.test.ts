// DDP on 2 ranks with a small model: construction copies rank 0's weights, stateDict keeps the plain keys,
// noSync accumulates locally and the next synchronised backward averages the sums, findUnusedParameters
// covers layers unused everywhere or on some ranks, and a missing gradient without it is a clear error.
import { beforeAll, describe, expect, it } from 'vitest';
import { launch, type JobResult } from '../testing/launch.js';

type Grads = Record<string, number[]>;
interface Report { rank: number; keys: string[]; plainKeys: string[]; namedParameters: string[]; broadcastWeights: boolean; buckets: string[][]; afterNoSync: Grads; synced: Grads; want: Grads; localWant: Grads; strictError: string | null; liveTensors: number[] }

const maxDiff = (a: Grads, b: Grads): number => Math.max(...Object.keys(b).map((k) => b[k]!.reduce((m, v, i) => Math.max(m, Math.abs(v - (a[k]![i] ?? NaN))), 0)));

describe('DistributedDataParallel features (2 ranks)', () => {
  let job: JobResult, r: Report[];
  beforeAll(async () => {
    job = await launch('src/testing/ddp-features-rank.ts', [], { limitMs: 60_000 });
    r = job.reports as Report[];
  }, 65_000);
  // every test below reads both ranks' reports
  const both = (): Report[] => { expect(r.map((x) => x.rank)).toEqual([0, 1]); return r; };

  it('both ranks finish', () => {
    expect({ code: job.code, ranks: r.map((x) => x.rank) }, job.out.slice(-3000)).toEqual({ code: 0, ranks: [0, 1] });
  });

  it("starts every rank from rank 0's weights; stateDict has the plain module's keys", () => {
    for (const x of both()) {
      expect(x.broadcastWeights).toBe(true);
      expect(x.keys).toEqual(x.plainKeys);
      expect(x.namedParameters[0]).toBe('module.a.weight'); // parameters are the wrapper's, as torch's
      expect(x.buckets).toEqual([['sometimes.bias', 'sometimes.weight', 'never.bias'], ['never.weight', 'b.bias', 'b.weight'], ['a.bias'], ['a.weight']]);
    }
  });

  it('noSync accumulates locally; the next synchronised backward averages the accumulated sums', () => {
    expect(r[0]!.afterNoSync['a.weight']).not.toEqual(r[1]!.afterNoSync['a.weight']);
    expect(r[1]!.afterNoSync['sometimes.weight']).toEqual([]); // unused on rank 1, nothing accumulated yet
    for (const x of both()) expect(maxDiff(x.synced, x.want)).toBeLessThan(1e-6);
    expect(r[1]!.synced).toEqual(r[0]!.synced);
  });

  it('findUnusedParameters: a layer unused everywhere gets zeros, one used on rank 0 only gets half its gradient', () => {
    expect(r[0]!.synced['never.weight']).toEqual([0, 0, 0, 0]);
    const half = r[0]!.localWant['sometimes.bias']!.map((v) => v / 2);
    expect(r[1]!.synced['sometimes.bias']).toEqual(half);
  });

  it('steps leak no tensors (buckets live in native memory; gradients are written back in place)', () => {
    for (const x of both()) expect(x.liveTensors[3]).toBe(x.liveTensors[1]);
  });

  it('without findUnusedParameters, a parameter that got no gradient is reported at the next forward', () => {
    for (const x of both()) {
      expect(x.strictError).toBe("DistributedError: DistributedDataParallel(world_size=2, buckets=1): the previous backward pass did not produce gradients for 4 parameter(s) (sometimes.bias, sometimes.weight, never.bias, never.weight), so their buckets were never reduced; pass { findUnusedParameters: true } if some parameters don't take part in the loss");
    }
  });
});
