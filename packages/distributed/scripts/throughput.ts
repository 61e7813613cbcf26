// Training throughput of the Fashion-MNIST CNN under DistributedDataParallel, for the scaling figure in the
// README: `flint-run -n 1 scripts/throughput.ts` then `-n 2`, same per-rank batch (weak scaling).
//   TSX_TSCONFIG_PATH=tsconfig.ranks.json node --import tsx src/launcher/cli.ts -n 2 scripts/throughput.ts [steps] [batch]
import '@flint/backend-cpu';
import '@flint/autograd';
import { manualSeed } from '@flint/core';
import { Adam } from '@flint/optim';
import { FashionCnn } from '../../../apps/fashion-mnist/src/model.js'; // the CNN of apps/fashion-mnist
import { DistributedDataParallel, barrier, destroyProcessGroup, getRank, getWorldSize, initProcessGroup } from '../src/index.js';
import { batch, loadImages, step } from '../src/testing/fashion.js';

const steps = Number(process.argv[2] ?? 40), perRank = Number(process.argv[3] ?? 32), warmup = 3;
await initProcessGroup({ backend: 'mpi', timeout: 120 });
const rank = getRank(), size = getWorldSize();
manualSeed(0);
const ddp = new DistributedDataParallel(new FashionCnn());
const optimizer = new Adam(ddp.parameters(), { lr: 1e-3 });
const data = loadImages(Math.min(4000, (steps + warmup) * perRank * size));
const n = Math.floor(data.labels.length / perRank);
const run = (i: number): void => { const [x, y] = batch(data, ((i * size + rank) % n) * perRank, perRank); step(ddp, optimizer, x, y); x.dispose(); y.dispose(); };
for (let i = 0; i < warmup; i++) run(i);
await barrier();
const t0 = performance.now(), c0 = process.cpuUsage();
for (let i = 0; i < steps; i++) run(warmup + i);
await barrier();
const seconds = (performance.now() - t0) / 1000, cpu = process.cpuUsage(c0);
if (rank === 0) console.log(JSON.stringify({ ranks: size, perRankBatch: perRank, steps, seconds: +seconds.toFixed(2), samplesPerSecond: +((steps * perRank * size) / seconds).toFixed(1), rank0CpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2) }));
await destroyProcessGroup();
