// The Embedding + GRU classifier on IMDB as the benchmark runs it: Adam (lr 1e-3), cross-entropy.
import { manualSeed } from '@flint/core';
import { CrossEntropyLoss } from '@flint/nn';
import { Adam } from '@flint/optim';
import { runTask, type CommonConfig, type EpochRecord } from '@flint/app-kit';
import { imdbBatches } from './data.js';
import { IMDB_SEQ_LEN, IMDB_VOCAB, ImdbGru } from './model.js';

export const HYPERPARAMETERS = { optimizer: 'Adam', lr: 1e-3, vocabSize: IMDB_VOCAB, seqLen: IMDB_SEQ_LEN } as const;

export async function train(config: CommonConfig): Promise<EpochRecord[]> {
  const data = imdbBatches(config); // tokenises every review first: a bad --data fails before the model is built
  manualSeed(config.seed);
  const model = new ImdbGru(), lossFn = new CrossEntropyLoss();
  const optimizer = new Adam(model.parameters(), { lr: HYPERPARAMETERS.lr });
  return runTask(config, { app: 'imdb-gru', model: 'Embedding + GRU(100)', dataset: 'IMDB (aclImdb)', hyperparameters: HYPERPARAMETERS },
    { model, optimizer, loss: (out, y) => lossFn.call(out, y), metric: 'accuracy' }, data);
}
