// Two ranks under mpirun run every collective on float32/float64/int32/int64 tensors (contiguous and
// transposed) and compare with a reference each computes alone from both ranks' inputs.
import { beforeAll, describe, expect, it } from 'vitest';
import { launch, type JobResult } from '../testing/launch.js';

interface Report { rank: number; size: number; cases: { name: string; got: unknown; want: unknown }[]; errors: string[] }

describe('collectives on 2 ranks (mpirun)', () => {
  let job: JobResult, reports: Report[];
  beforeAll(async () => {
    job = await launch('src/testing/collectives-rank.ts', [], { limitMs: 60_000 });
    reports = job.reports as Report[];
  }, 70_000);

  it('both ranks finish and report', () => {
    expect({ code: job.code, ranks: reports.map((r) => r.rank) }, job.out.slice(-2000)).toEqual({ code: 0, ranks: [0, 1] });
  });

  it('every collective equals the single-process reference, for every dtype, op and layout', () => {
    expect(reports.map((r) => r.rank)).toEqual([0, 1]);
    const names = new Set<string>();
    for (const r of reports) {
      for (const c of r.cases) {
        names.add(c.name);
        expect(c.got, `rank ${r.rank}: ${c.name}`).toEqual(c.want);
      }
    }
    // (2 float dtypes x 2 layouts x (5 reductions + 4 others)) + (2 int dtypes x 2 layouts x (4 + 4)) + 4 extra cases
    expect(names.size).toBe(4 * (5 + 4) + 4 * (4 + 4) + 4);
    expect([...names].filter((n) => n.startsWith('allReduce')).every((n) => !n.includes('in place: false'))).toBe(true);
  });

  it('mismatched shapes, dtypes and collectives fail on every rank, naming the collective and each rank', () => {
    expect(reports.map((r) => r.rank)).toEqual([0, 1]);
    for (const r of reports) {
      expect(r.errors).toEqual([
        "CollectiveMismatchError: allReduce: the ranks called collectives that don't match (rank 0: allReduce(float32 [3], op 'sum'); rank 1: allReduce(float32 [4], op 'sum')); every rank must call the same collective with tensors of the same shape and dtype",
        "CollectiveMismatchError: broadcast: the ranks called collectives that don't match (rank 0: broadcast(float32 [2], root 0); rank 1: broadcast(float64 [2], root 0)); every rank must call the same collective with tensors of the same shape and dtype",
        `CollectiveMismatchError: ${r.rank === 0 ? 'allReduce' : 'broadcast'}: the ranks called collectives that don't match (rank 0: allReduce(float32 [2], op 'sum'); rank 1: broadcast(float32 [2], root 0)); every rank must call the same collective with tensors of the same shape and dtype`,
      ]);
    }
  });
});
