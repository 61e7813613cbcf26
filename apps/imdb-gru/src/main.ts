// CLI: train the benchmark Embedding + GRU sentiment classifier on IMDB (aclImdb) or on synthetic data.
import { cliMain, commonConfig, commonFlags } from '@flint/app-kit';
import { train } from './train.js';

await cliMain({
  name: 'imdb-gru',
  summary: 'train the benchmark Embedding(30000,125) + GRU(100) classifier on IMDB (--data DIR holding aclImdb/{train,test}/{pos,neg}/*.txt) or --synthetic data',
  flags: commonFlags({ epochs: 5, batchSize: 64, workers: 0, out: 'out/imdb-gru' }),
}, commonConfig, train);
