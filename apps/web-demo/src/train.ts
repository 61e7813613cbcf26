// The demo's training loop, browser-side: the command-line app's model, batching, optimiser and schedule
// (Adam, learning rate decayed linearly to 0), one scope per step, reporting through callbacks so the page
// can draw as it goes. Yields to the event loop between steps so the page stays live.
import { noGrad } from '@flint/autograd';
import { crossEntropy, manualSeed, scope, type Tensor } from '@flint/core';
import { BatchSampler, RandomSampler, type ImageLabelDataset } from '@flint/data';
import { Adam, LinearLR } from '@flint/optim';
import { collateBatch, type Sample } from '@flint/app-fashion-mnist/batch';
import { FashionCnn } from '@flint/app-fashion-mnist/model';
import type { DemoParams } from './params.js';

/** What one step reports: its loss and the fraction of its batch classified right. */
export interface StepInfo { step: number; loss: number; accuracy: number }

/** A test-set evaluation: accuracy, and the predicted class of the first `keep` images. */
export interface EvalResult { accuracy: number; loss: number; predictions: number[] }

/** Callbacks the page passes to follow the run. */
export interface TrainHooks {
  onStep(info: StepInfo): void;
  onEval(step: number, result: EvalResult): void;
}

const samples = (data: ImageLabelDataset, indices: readonly number[]): Sample[] => indices.map((i) => [data.image(i), data.labels[i]!]);

// A macrotask (not a microtask) so the browser can paint between steps; MessageChannel avoids setTimeout's clamping.
const nextTask = (): Promise<void> => new Promise((resolve) => {
  const ch = new MessageChannel();
  ch.port1.onmessage = () => { ch.port1.close(); resolve(); };
  ch.port2.postMessage(null);
});

/** Accuracy and mean cross-entropy on `data`, in batches without gradients; predictions for the first `keep`. */
export async function evaluate(model: FashionCnn, data: ImageLabelDataset, keep = 0, batchSize = 250): Promise<EvalResult> {
  model.eval();
  let correct = 0, lossSum = 0;
  const predictions: number[] = [];
  for (let start = 0; start < data.length; start += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, data.length - start) }, (_, k) => start + k);
    const [x, y] = collateBatch(samples(data, idx));
    await noGrad(() => scope(async () => {
      const logits: Tensor = model.call(x);
      const pred = logits.argmax(1);
      const [l, c] = await Promise.all([crossEntropy(logits, y, { reduction: 'sum' }).item(), pred.eq(y).sum().item()]);
      lossSum += l as number;
      correct += c as number;
      if (predictions.length < keep) {
        const p = await pred.narrow(0, 0, Math.min(keep - predictions.length, idx.length)).data();
        for (const v of p) predictions.push(Number(v));
      }
    }));
    x.dispose();
    y.dispose();
    await nextTask();
  }
  return { accuracy: correct / data.length, loss: lossSum / data.length, predictions };
}

/** Trains a fresh FashionCnn for `p.steps` steps (seeded), evaluating every `p.evalEvery` steps and at the end. */
export async function train(p: DemoParams, data: { train: ImageLabelDataset; test: ImageLabelDataset }, hooks: TrainHooks, keep: number): Promise<{ model: FashionCnn; final: EvalResult }> {
  manualSeed(p.seed);
  const model = new FashionCnn();
  const optimizer = new Adam(model.parameters(), { lr: p.lr });
  const schedule = new LinearLR(optimizer, { startFactor: 1, endFactor: 0, totalIters: p.steps });
  const batches = new BatchSampler(new RandomSampler(data.train, { seed: p.seed }), p.batchSize, true);
  let step = 0, final: EvalResult | undefined;
  for (let epoch = 0; step < p.steps; epoch++) {
    batches.setEpoch(epoch);
    for (const indices of batches) {
      if (step >= p.steps) break;
      model.train();
      const [x, y] = collateBatch(samples(data.train, indices));
      const [loss, correct] = await scope(async () => {
        optimizer.zeroGrad();
        const logits = model.call(x);
        const l = crossEntropy(logits, y);
        l.backward();
        optimizer.step();
        schedule.step();
        return Promise.all([l.item(), logits.argmax(1).eq(y).sum().item()]);
      });
      x.dispose();
      y.dispose();
      step++;
      hooks.onStep({ step, loss: loss as number, accuracy: (correct as number) / indices.length });
      if (step % p.evalEvery === 0 || step === p.steps) {
        const result = await evaluate(model, data.test, step === p.steps ? keep : 0);
        hooks.onEval(step, result);
        if (step === p.steps) final = result;
      }
      await nextTask();
    }
  }
  return { model, final: final! };
}
