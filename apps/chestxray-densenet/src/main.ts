// CLI: train DenseNet-121 on ChestX-ray14 (Data_Entry_2017.csv + images/) or on synthetic data.
import { intFlag } from '@flint/app-kit';
import { cliMain, commonConfig, commonFlags, defaultWorkers } from '@flint/app-kit';
import { train } from './train.js';

await cliMain({
  name: 'chestxray-densenet',
  summary: 'train DenseNet-121 with a 14-label head on ChestX-ray14 (--data DIR holding Data_Entry_2017.csv and images/) or --synthetic data',
  flags: {
    ...commonFlags({ epochs: 3, batchSize: 64, workers: defaultWorkers(), out: 'out/chestxray-densenet' }),
    'image-size': { type: 'string', help: 'side of the square crops the network sees (smaller for quick runs)', default: '224' },
  },
}, (v) => ({ ...commonConfig(v), imageSize: intFlag(v, 'image-size') ?? 224 }), train);
