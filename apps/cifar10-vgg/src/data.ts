// CIFAR-10 batches for the VGG benchmark: the released binary files through @flint/data's reader, or
// synthetic random images. Batches are built straight from the uint8 records into one normalised
// float32 [N, 3, 32, 32] buffer (no per-sample tensors).
import { fromBlob, randint, randn, type Tensor } from '@flint/core';
import { CIFAR10, DataLoader, RandomSampler, type RawImage } from '@flint/data/node';
import { SyntheticBatches, firstN, limitSamples, type Batches, type CommonConfig } from '@flint/app-kit';

/** Per-channel mean and std of the CIFAR-10 training images. */
export const CIFAR10_MEAN = [0.4914, 0.4822, 0.4465] as const;
export const CIFAR10_STD = [0.2470, 0.2435, 0.2616] as const;
export const CIFAR10_SIZES = { train: 50000, test: 10000 } as const;

/** [RawImage HWC uint8, label] items → [x float32 [N,3,32,32] normalised, y int32 [N]]. */
export function collateCifar(items: readonly [RawImage, number][]): [Tensor, Tensor] {
  const n = items.length, hw = 32 * 32;
  const x = new Float32Array(n * 3 * hw), y = new Int32Array(n);
  const scale = CIFAR10_STD.map((s) => 1 / (255 * s)), shift = CIFAR10_MEAN.map((m, c) => m / CIFAR10_STD[c]!);
  for (let i = 0; i < n; i++) {
    const [img, label] = items[i]!, src = img.data, base = i * 3 * hw;
    if (img.height !== 32 || img.width !== 32 || img.channels !== 3) throw new RangeError(`CIFAR-10: expected 32x32x3 images, got ${img.height}x${img.width}x${img.channels}`);
    for (let c = 0; c < 3; c++) {
      const sc = scale[c]!, sh = shift[c]!, o = base + c * hw;
      for (let p = 0; p < hw; p++) x[o + p] = src[p * 3 + c]! * sc - sh;
    }
    y[i] = label;
  }
  return [fromBlob(x, [n, 3, 32, 32]), fromBlob(y, [n])];
}

/** Training and test batches under the config's --data / --synthetic, --batch-size and --limit. */
export function cifarBatches(config: CommonConfig): { train: Batches; test: Batches } {
  const { batchSize: B, limit, seed } = config;
  if (config.synthetic) {
    const make = (n: number): [Tensor, Tensor] => [randn([n, 3, 32, 32]), randint(0, 10, [n], { dtype: 'int32' })];
    return {
      train: new SyntheticBatches(limitSamples(CIFAR10_SIZES.train, B, limit), B, make),
      test: new SyntheticBatches(limitSamples(CIFAR10_SIZES.test, B, limit), B, make),
    };
  }
  const trainSet = new CIFAR10(config.data!, { train: true }), testSet = new CIFAR10(config.data!, { train: false });
  const common = { batchSize: B, collate: collateCifar, numWorkers: config.workers, seed };
  return {
    train: new DataLoader(trainSet, { ...common, sampler: new RandomSampler(trainSet, { seed, numSamples: limitSamples(trainSet.length, B, limit) }) }),
    test: new DataLoader(testSet, { ...common, sampler: firstN(limitSamples(testSet.length, B, limit)) }),
  };
}
