// Rank script for ddp.test.ts: the Fashion-MNIST CNN of apps/fashion-mnist under DistributedDataParallel,
// each rank training on its half (32) of the same 64-sample batches with Adam. Rank 1 starts from other
// weights, which DDP replaces with rank 0's. Prints the global mean loss of each step and the final weights.
import { setNumThreads } from '@flint/backend-cpu';
import '@flint/autograd';
import { manualSeed, tensor } from '@flint/core';
import { Adam } from '@flint/optim';
import { FashionCnn } from '../../../../apps/fashion-mnist/src/model.js'; // the CNN of apps/fashion-mnist
import { DistributedDataParallel, allReduce, destroyProcessGroup, getRank, getWorldSize, initProcessGroup } from '../index.js';
import { report } from './launch.js';
import { batch, loadImages, step } from './fashion.js';

// one kernel thread, as in the single-process reference (threads sum conv weight gradients per image block)
setNumThreads(1);
const steps = Number(process.argv[2] ?? 50), perRank = Number(process.argv[3] ?? 32);
await initProcessGroup({ backend: 'mpi', timeout: 60 });
const rank = getRank(), size = getWorldSize();
manualSeed(rank); // rank 0 seeds as the single-process reference does
const ddp = new DistributedDataParallel(new FashionCnn(), { bucketCapMb: 0.03 }); // ~7.9k floats a bucket: 4 buckets, sizes no multiple of it
const optimizer = new Adam(ddp.parameters(), { lr: 1e-3 });
const data = loadImages(steps * perRank * size);
const losses: number[] = [];
const t0 = performance.now();
for (let i = 0; i < steps; i++) {
  const [x, y] = batch(data, (i * size + rank) * perRank, perRank);
  const local = step(ddp, optimizer, x, y);
  x.dispose(); y.dispose();
  const l = tensor([local]);
  await allReduce(l, { op: 'avg' });
  losses.push(l.itemSync());
  l.dispose();
}
const seconds = (performance.now() - t0) / 1000;
const weights = Object.fromEntries(Object.entries(ddp.stateDict()).map(([k, v]) => [k, Array.from(v.dataSync() as Float32Array)]));
report(rank, { rank, size, losses, weights, buckets: ddp.buckets, seconds, samplesPerSecond: (steps * perRank * size) / seconds });
await destroyProcessGroup();
