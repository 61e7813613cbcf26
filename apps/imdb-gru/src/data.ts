// IMDB batches for the GRU benchmark: the released aclImdb tree through @flint/data's reader (vocabulary
// of the 30000 most frequent training words, sequences of 150 padded and truncated at the start), or
// synthetic random word indices.
import { fromBlob, randint, type Tensor } from '@flint/core';
import { DataLoader, IMDB, RandomSampler } from '@flint/data/node';
import { SyntheticBatches, firstN, limitSamples, type Batches, type CommonConfig } from '@flint/app-kit';
import { IMDB_SEQ_LEN, IMDB_VOCAB } from './model.js';

export const IMDB_SIZES = { train: 25000, test: 25000 } as const;

/** [sequence, label] items → [tokens int32 [N, L], labels int32 [N]], one copy per batch. */
export function collateImdb(items: readonly [Int32Array, number][]): [Tensor, Tensor] {
  const n = items.length, L = items[0]![0].length;
  const x = new Int32Array(n * L), y = new Int32Array(n);
  for (let i = 0; i < n; i++) { x.set(items[i]![0], i * L); y[i] = items[i]![1]; }
  return [fromBlob(x, [n, L]), fromBlob(y, [n])];
}

export function imdbBatches(config: CommonConfig, { vocabSize = IMDB_VOCAB, maxLen = IMDB_SEQ_LEN } = {}): { train: Batches; test: Batches } {
  const { batchSize: B, limit, seed } = config;
  if (config.synthetic) {
    const make = (n: number): [Tensor, Tensor] => [randint(0, vocabSize, [n, maxLen], { dtype: 'int32' }), randint(0, 2, [n], { dtype: 'int32' })];
    return {
      train: new SyntheticBatches(limitSamples(IMDB_SIZES.train, B, limit), B, make),
      test: new SyntheticBatches(limitSamples(IMDB_SIZES.test, B, limit), B, make),
    };
  }
  // reviews are tokenised once, here; batches are then copies of in-memory rows (no workers needed)
  const opts = { vocabSize, maxLen };
  const trainSet = new IMDB(config.data!, { ...opts, split: 'train' }), testSet = new IMDB(config.data!, { ...opts, split: 'test' });
  const common = { batchSize: B, collate: collateImdb, numWorkers: config.workers, seed };
  return {
    train: new DataLoader(trainSet, { ...common, sampler: new RandomSampler(trainSet, { seed, numSamples: limitSamples(trainSet.length, B, limit) }) }),
    test: new DataLoader(testSet, { ...common, sampler: firstN(limitSamples(testSet.length, B, limit)) }),
  };
}
