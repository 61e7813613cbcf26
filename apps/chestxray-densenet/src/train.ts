// DenseNet-121 on ChestX-ray14 as the benchmark runs it: Adam (lr 1e-4), BCE-with-logits over 14 labels,
// mean ROC-AUC on the test split.
import { manualSeed } from '@flint/core';
import { CHESTXRAY14_LABELS } from '@flint/data';
import { BCEWithLogitsLoss } from '@flint/nn';
import { Adam } from '@flint/optim';
import { runTask, type EpochRecord } from '@flint/app-kit';
import { chestXrayBatches, type ChestXrayConfig } from './data.js';
import { densenet121 } from './model.js';

export const HYPERPARAMETERS = { optimizer: 'Adam', lr: 1e-4 } as const;

export async function train(config: ChestXrayConfig): Promise<EpochRecord[]> {
  const data = chestXrayBatches(config);
  manualSeed(config.seed);
  const model = densenet121({ numClasses: CHESTXRAY14_LABELS.length }), lossFn = new BCEWithLogitsLoss();
  const optimizer = new Adam(model.parameters(), { lr: HYPERPARAMETERS.lr });
  return runTask(config, { app: 'chestxray-densenet', model: 'DenseNet-121', dataset: 'ChestX-ray14', hyperparameters: { ...HYPERPARAMETERS, imageSize: config.imageSize } },
    { model, optimizer, loss: (out, y) => lossFn.call(out, y), metric: 'meanAuc', labels: CHESTXRAY14_LABELS }, data);
}
