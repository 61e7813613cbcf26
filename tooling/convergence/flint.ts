// The Flint half of the convergence check: trains the quick-start CNN and writes what the PyTorch half
// needs to repeat the run: the initial weights (safetensors), the order each epoch visited the training
// images in, and per-epoch results. Run by run.py; by hand:
//   node_modules/.bin/tsx --tsconfig tooling/convergence/tsconfig.json tooling/convergence/flint.ts --out DIR [--data DIR] [--epochs 2] [--limit N]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import '@flint/backend-cpu';
import '@flint/autograd';
import { manualSeed } from '@flint/core';
import { Subset } from '@flint/data/node';
import { save } from '@flint/nn';
import { loadFashionMnist } from '../../apps/fashion-mnist/src/data.js';
import { FashionCnn } from '../../apps/fashion-mnist/src/model.js';
import { trainModel } from '../../apps/fashion-mnist/src/train.js';

const { values: a } = parseArgs({
  options: {
    out: { type: 'string' }, data: { type: 'string' }, epochs: { type: 'string', default: '2' }, limit: { type: 'string' },
    'batch-size': { type: 'string', default: '64' }, lr: { type: 'string', default: '0.005' }, seed: { type: 'string', default: '0' },
  },
});
if (!a.out) throw new Error('flint.ts: --out DIR is required');
mkdirSync(a.out, { recursive: true });
const seed = Number(a.seed), epochs = Number(a.epochs), batchSize = Number(a['batch-size']), lr = Number(a.lr);
const data = loadFashionMnist(a.data);
const limit = a.limit ? Number(a.limit) : data.train.length;
const train = limit < data.train.length ? new Subset(data.train, Array.from({ length: limit }, (_, i) => i)) : data.train;

manualSeed(seed);
const init = new FashionCnn();
await save(init.stateDict(), join(a.out, 'init.safetensors'));
console.log(`flint: ${data.description}; training on ${train.length}`);
const { epochs: metrics } = await trainModel({
  train, test: data.test, epochs, batchSize, lr, seed, initialState: init.stateDict(),
  onEpoch: (m) => console.log(`flint epoch ${m.epoch}: train loss ${m.trainLoss.toFixed(4)}, test accuracy ${(100 * m.testAccuracy).toFixed(2)}%, ${m.seconds.toFixed(1)} s (cpu ${m.cpuSeconds.toFixed(1)} s)`),
});
writeFileSync(join(a.out, 'order.json'), JSON.stringify(metrics.map((m) => m.order)));
const config = { dataDir: data.dir, trainImages: train.length, testImages: data.test.length, epochs, batchSize, lr, seed };
writeFileSync(join(a.out, 'flint.json'), `${JSON.stringify({ config, epochs: metrics.map(({ order: _o, stepLosses: _s, ...m }) => m) }, null, 1)}\n`);
