// The shared benchmark loop: exact ROC-AUC with ties, flat memory across training steps, the report files.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@flint/backend-cpu';
import { manualSeed, memory, randint, randn, type Tensor } from '@flint/core';
import { CrossEntropyLoss, Linear, ReLU, Sequential } from '@flint/nn';
import { SGD } from '@flint/optim';
import { SyntheticBatches, evaluate, perLabelAuc, rocAuc, runEpochs, trainEpoch, type Task } from './index.js';

describe('rocAuc', () => {
  it('is the fraction of positive/negative pairs ranked right (sklearn example: 0.75)', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
  });
  it('counts tied scores as half a pair (average ranks)', () => {
    // positives {0.5, 0.9}, negatives {0.5, 0.5}: pairs score 0.5 + 0.5 (ties) + 1 + 1, over 4 pairs
    expect(rocAuc([0.5, 0.5, 0.5, 0.9], [0, 1, 0, 1])).toBeCloseTo(0.75, 12);
    expect(rocAuc([1, 1, 1, 1], [0, 1, 0, 1])).toBe(0.5);
    expect(rocAuc([0.2, 0.1, 0.9, 0.8], [1, 1, 0, 0])).toBe(0);
  });
  it('is null when only one class is present, per label of [N, k] scores', () => {
    expect(rocAuc([0.1, 0.2], [1, 1])).toBeNull();
    const scores = Float32Array.from([0.9, 0.1, 0.2, 0.1, 0.8, 0.3]), targets = Float32Array.from([1, 0, 0, 0, 1, 0]);
    expect(perLabelAuc(scores, targets, 2)).toEqual([1, null]);
  });
});

function tinyTask(): Task {
  const model = new Sequential(new Linear(6, 16), new ReLU(), new Linear(16, 3));
  const lossFn = new CrossEntropyLoss();
  return { model, optimizer: new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 }), loss: (o, y) => lossFn.call(o, y), metric: 'accuracy' };
}
const batches = (n: number) => new SyntheticBatches(n * 8, 8, (k): [Tensor, Tensor] => [randn([k, 6]), randint(0, 3, [k], { dtype: 'int32' })]);

describe('train and eval epochs', () => {
  it('leave live tensors and bytes where they were once the optimizer has its state', async () => {
    manualSeed(0);
    const task = tinyTask();
    await trainEpoch(task, batches(1), 'warm-up');
    const before = memory();
    const stats = await trainEpoch(task, batches(6), 'train');
    await evaluate(task, batches(3), 'eval');
    const after = memory();
    expect({ tensors: after.tensors, bytes: after.bytes }).toEqual({ tensors: before.tensors, bytes: before.bytes });
    expect(stats.samples).toBe(48);
    expect(Number.isFinite(stats.loss)).toBe(true);
    expect(stats.metric).toBeGreaterThanOrEqual(0);
    task.optimizer.dispose(); task.model.dispose();
  });

  it('write metrics.json and curves.svg after every epoch, with the last short batch counted', async () => {
    manualSeed(1);
    const out = mkdtempSync(join(tmpdir(), 'flint-harness-'));
    const task = tinyTask();
    const make = (k: number): [Tensor, Tensor] => [randn([k, 6]), randint(0, 3, [k], { dtype: 'int32' })];
    const config = { data: undefined, synthetic: true, backend: 'cpu', epochs: 2, batchSize: 8, limit: undefined, workers: 0, seed: 1, out };
    const records = await runEpochs(config, { app: 't', model: 'MLP', dataset: 'none', source: 'synthetic', hyperparameters: {}, parameters: 0 }, task,
      { train: new SyntheticBatches(20, 8, make), test: new SyntheticBatches(5, 8, make) });
    expect(records.map((r) => [r.train.samples, r.test.samples])).toEqual([[20, 5], [20, 5]]);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.epochs).toHaveLength(2);
    expect(metrics.synthetic).toBe(true);
    const svg = readFileSync(join(out, 'curves.svg'), 'utf8');
    expect(svg).toMatch(/^<svg [^>]*width="640" height="800"/); // loss above, accuracy below
    expect(svg.match(/<path [^>]*aria-roledescription="line mark"/g)?.length).toBe(4); // train/eval loss, train/eval accuracy
    expect(existsSync(join(out, `metrics.json.${process.pid}.tmp`))).toBe(false);
    task.optimizer.dispose(); task.model.dispose();
  });
});
