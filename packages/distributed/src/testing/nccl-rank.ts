// Rank script for nccl.test.ts: initialises an NCCL group; where NCCL is missing it prints the error, where
// it is present (a GPU machine) it all-reduces a CUDA tensor and prints the result. One RESULT line per rank.
import '@flint/backend-cpu';
import { arange } from '@flint/core';
import { allReduce, destroyProcessGroup, getRank, getWorldSize, initProcessGroup } from '../index.js';
import { report } from './launch.js';

try {
  await initProcessGroup({ backend: 'nccl', timeout: 60 });
} catch (e) {
  report(0, { error: `${(e as Error).name}: ${(e as Error).message}` });
  process.exit(0);
}
await import('@flint/backend-cuda' as string);
const rank = getRank(), size = getWorldSize();
const t = arange(6, { dtype: 'float32', device: 'cuda' }).reshape(2, 3).add(rank).t();
await allReduce(t, { op: 'sum' });
report(rank, { rank, size, got: await t.cpu().tolist() });
await destroyProcessGroup();
