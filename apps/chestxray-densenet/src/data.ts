// ChestX-ray14 batches for the DenseNet benchmark: PNGs decoded and augmented in DataLoader worker
// threads (see dataset.ts), or synthetic random images with ~10% positive labels.
import { extname } from 'node:path';
import { fromBlob, rand, randn, scope, type Tensor } from '@flint/core';
import { CHESTXRAY14_LABELS, DataLoader, RandomSampler } from '@flint/data/node';
import { SyntheticBatches, firstN, limitSamples, type Batches, type CommonConfig } from '@flint/app-kit';
import { chestXrayDataset } from './dataset.js';

/** Images in the official train_val_list.txt and test_list.txt. */
export const CHESTXRAY14_SIZES = { train: 86524, test: 25596 } as const;
const K = CHESTXRAY14_LABELS.length;

/** [image CHW, labels] items → [x float32 [N,3,S,S], y float32 [N,14]]. */
export function collateChestXray(items: readonly [Float32Array, Float32Array][]): [Tensor, Tensor] {
  const n = items.length, per = items[0]![0].length, S = Math.round(Math.sqrt(per / 3));
  const x = new Float32Array(n * per), y = new Float32Array(n * K);
  items.forEach(([img, labels], i) => { x.set(img, i * per); y.set(labels, i * K); });
  return [fromBlob(x, [n, 3, S, S]), fromBlob(y, [n, K])];
}

export interface ChestXrayConfig extends CommonConfig { imageSize: number }

export function chestXrayBatches(config: ChestXrayConfig): { train: Batches; test: Batches } {
  const { batchSize: B, limit, seed, imageSize: S } = config;
  if (config.synthetic) {
    const make = (n: number): [Tensor, Tensor] => [randn([n, 3, S, S]), scope(() => rand([n, K]).lt(0.1).to('float32'))];
    return {
      train: new SyntheticBatches(limitSamples(CHESTXRAY14_SIZES.train, B, limit), B, make),
      test: new SyntheticBatches(limitSamples(CHESTXRAY14_SIZES.test, B, limit), B, make),
    };
  }
  const loader = (split: 'train' | 'test') => {
    const args = [config.data!, { split, imageSize: S, seed }] as const;
    const ds = chestXrayDataset(...args);
    const n = limitSamples(ds.length, B, limit);
    if (n === 0) throw new Error(`ChestX-ray14: the ${split} split under ${config.data} is empty`);
    return new DataLoader(ds, {
      batchSize: B, collate: collateChestXray, numWorkers: config.workers, seed, prefetch: 2,
      sampler: split === 'train' ? new RandomSampler(ds, { seed, numSamples: n }) : firstN(n),
      worker: { module: new URL(`./dataset${extname(import.meta.url)}`, import.meta.url).href, export: 'chestXrayDataset', args: [...args] },
    });
  };
  return { train: loader('train'), test: loader('test') };
}
