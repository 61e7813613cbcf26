// --distributed: what changes when the app trains on the ranks flint-run starts (flint-run -n N src/main.ts
// --distributed): rank 0's initial weights everywhere, gradients averaged by DistributedDataParallel, each rank
// a DistributedSampler share of every epoch, losses averaged across ranks, and only rank 0 tests and reports.
import type { Dataset, Sampler } from '@flint/data/node';
import { DistributedSampler } from '@flint/data/node';
import { DistributedDataParallel, allReduce, barrier, destroyProcessGroup, getRank, getWorldSize, initProcessGroup } from '@flint/distributed';
import { tensor } from '@flint/core';
import type { FashionCnn } from './model.js';

/** The process group of a --distributed run, as the training loop uses it. */
export interface DistributedRun {
  rank: number;
  size: number;
  /** The model with DDP around it (rank 0's weights broadcast now). */
  wrap(model: FashionCnn): DistributedDataParallel<FashionCnn>;
  /** This rank's share of each epoch, shuffled from `seed` alike on every rank. */
  sampler(train: Dataset<unknown>, seed: number): Sampler;
  /** The mean of `v` over the ranks. */
  mean(v: number): Promise<number>;
  /** Waits for every rank, then ends the process group. */
  finish(): Promise<void>;
}

/** Joins the process group of the ranks started by flint-run (or mpirun). */
export async function startDistributed(): Promise<DistributedRun> {
  await initProcessGroup({ backend: 'mpi' });
  const rank = getRank(), size = getWorldSize();
  return {
    rank, size,
    wrap: (model) => new DistributedDataParallel(model),
    sampler: (train, seed) => new DistributedSampler(train, { seed }),
    async mean(v) {
      const t = tensor([v], { dtype: 'float64' });
      await allReduce(t, { op: 'avg' });
      const r = t.itemSync();
      t.dispose();
      return r;
    },
    async finish() { await barrier(); await destroyProcessGroup(); },
  };
}
