// The VGG-style CNN on CIFAR-10 as the benchmark runs it: SGD (lr 0.01, momentum 0.9), cross-entropy.
import { manualSeed } from '@flint/core';
import { CrossEntropyLoss } from '@flint/nn';
import { SGD } from '@flint/optim';
import { runTask, type CommonConfig, type EpochRecord } from '@flint/app-kit';
import { cifarBatches } from './data.js';
import { CifarVgg } from './model.js';

export const HYPERPARAMETERS = { optimizer: 'SGD', lr: 0.01, momentum: 0.9 } as const;

export async function train(config: CommonConfig): Promise<EpochRecord[]> {
  const data = cifarBatches(config);
  manualSeed(config.seed);
  const model = new CifarVgg(), lossFn = new CrossEntropyLoss();
  const optimizer = new SGD(model.parameters(), { lr: HYPERPARAMETERS.lr, momentum: HYPERPARAMETERS.momentum });
  return runTask(config, { app: 'cifar10-vgg', model: 'VGG-style CNN', dataset: 'CIFAR-10', hyperparameters: HYPERPARAMETERS },
    { model, optimizer, loss: (out, y) => lossFn.call(out, y), metric: 'accuracy' }, data);
}
