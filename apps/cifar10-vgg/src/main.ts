// CLI: train the benchmark VGG-style CNN on CIFAR-10 (binary version) or on synthetic data.
import { cliMain, commonConfig, commonFlags } from '@flint/app-kit';
import { train } from './train.js';

await cliMain({
  name: 'cifar10-vgg',
  summary: 'train the benchmark VGG-style CNN on CIFAR-10 (--data DIR with data_batch_1.bin ... test_batch.bin) or --synthetic data',
  flags: commonFlags({ epochs: 10, batchSize: 64, workers: 0, out: 'out/cifar10-vgg' }),
}, commonConfig, train);
