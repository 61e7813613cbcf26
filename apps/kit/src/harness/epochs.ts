// Training and evaluation epochs: one scope per step (every intermediate freed), batches disposed as soon as
// they are used, and loss/accuracy summed on the device and read back only to redraw the progress line.
import { join } from 'node:path';
import { keep, scope, zeros, type Tensor } from '@flint/core';
import { noGrad } from '@flint/autograd';
import type { Module } from '@flint/nn';
import type { Optimizer } from '@flint/optim';
import { ProgressBar, type ProgressInfo } from '../progress.js';
import { AmpStep, type AmpMode } from '../amp.js';
import { meanDefined, perLabelAuc } from './auc.js';
import type { Batches } from './batches.js';
import type { CommonConfig } from './flags.js';
import { writeReport, type RunInfo } from './report.js';

export interface Task {
  model: Module;
  optimizer: Optimizer<object>;
  /** Mean loss of a batch. */
  loss(output: Tensor, target: Tensor): Tensor;
  /** accuracy: argmax of the output against class indices; meanAuc: per-label ROC-AUC of sigmoid outputs. */
  metric: 'accuracy' | 'meanAuc';
  /** Label names for meanAuc. */
  labels?: readonly string[];
  /** Mixed precision for training steps (--amp); float32 when absent. */
  amp?: AmpMode;
}

export interface EpochStats {
  loss: number;
  /** Accuracy, or mean AUC over the labels where it is defined (null when it isn't measured). */
  metric: number | null;
  /** ROC-AUC per label (null where the evaluated samples hold only one class). */
  perLabelAuc?: Record<string, number | null>;
  samples: number;
  seconds: number;
  samplesPerSec: number;
}

export interface EpochRecord { epoch: number; train: EpochStats; test: EpochStats }

/** On-device running sums of loss and correct predictions. */
class RunningSums {
  private readonly loss = keep(zeros([], { dtype: 'float32' }));
  private readonly correct = keep(zeros([], { dtype: 'float32' }));
  samples = 0;
  add(loss: Tensor, output: Tensor | null, target: Tensor, n: number): void {
    noGrad(() => scope(() => {
      this.loss.add_(loss.detach().mul(n));
      if (output) this.correct.add_(output.argmax(1).eq(target).sum().to('float32'));
    }));
    this.samples += n;
  }
  async read(): Promise<{ loss: number; accuracy: number }> {
    const s = Math.max(1, this.samples);
    return { loss: Number(await this.loss.item()) / s, accuracy: Number(await this.correct.item()) / s };
  }
  dispose(): void { this.loss.dispose(); this.correct.dispose(); }
}

const REDRAW_MS = 500;

/** Run `step` on every batch with a progress line; the batch is disposed after its step. */
async function pass(task: Task, batches: Batches, label: string, step: (x: Tensor, y: Tensor, sums: RunningSums) => Promise<void> | void) {
  const sums = new RunningSums(), bar = new ProgressBar(batches.length, label), start = performance.now();
  const info = (r: { loss: number; accuracy: number }): ProgressInfo => (task.metric === 'accuracy' ? { loss: r.loss, acc: r.accuracy } : { loss: r.loss });
  let done = 0, lastDraw = start;
  try {
    for await (const [x, y] of batches) {
      try { await step(x, y, sums); } finally { x.dispose(); y.dispose(); }
      if (++done < batches.length && performance.now() - lastDraw > REDRAW_MS) {
        bar.update(done, info(await sums.read()), sums.samples);
        lastDraw = performance.now();
      }
    }
    const seconds = (performance.now() - start) / 1000, r = await sums.read();
    bar.finish(info(r), sums.samples);
    return { loss: r.loss, accuracy: r.accuracy, samples: sums.samples, seconds, samplesPerSec: sums.samples / seconds };
  } finally { bar.close(); sums.dispose(); }
}

/** One pass over `batches` with forward, backward and an optimizer step per batch (under task.amp's autocast). */
export async function trainEpoch(task: Task, batches: Batches, label: string, amp = new AmpStep(task.amp)): Promise<EpochStats> {
  const { model, optimizer } = task;
  model.train();
  const { accuracy, ...r } = await pass(task, batches, label, (x, y, sums) => scope(async () => {
    const { out, loss } = amp.forward(x.device, () => {
      const out = model.call(x) as Tensor;
      return { out, loss: task.loss(out, y) };
    });
    await amp.backwardAndStep(loss, optimizer);
    sums.add(loss, task.metric === 'accuracy' ? out : null, y, x.shape[0]!);
  }));
  return { ...r, metric: task.metric === 'accuracy' ? accuracy : null };
}

/** One pass over `batches` in eval mode with no gradient: accuracy, or per-label ROC-AUC of sigmoid outputs. */
export async function evaluate(task: Task, batches: Batches, label: string): Promise<EpochStats> {
  const { model } = task;
  model.eval();
  const scores: Float32Array[] = [], targets: Float32Array[] = [];
  const { accuracy, ...r } = await pass(task, batches, label, async (x, y, sums) => {
    const probs = noGrad(() => scope(() => {
      const out = model.call(x) as Tensor;
      sums.add(task.loss(out, y), task.metric === 'accuracy' ? out : null, y, x.shape[0]!);
      return task.metric === 'meanAuc' ? out.sigmoid() : null;
    }));
    if (!probs) return;
    try {
      scores.push((await probs.data()) as Float32Array);
      targets.push((await y.data()) as Float32Array);
    } finally { probs.dispose(); }
  });
  if (task.metric === 'accuracy') return { ...r, metric: accuracy };
  const labels = task.labels ?? [];
  const perLabel = perLabelAuc(concat(scores), concat(targets), labels.length);
  return { ...r, metric: meanDefined(perLabel), perLabelAuc: Object.fromEntries(labels.map((l, i) => [l, perLabel[i]!])) };
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Train for config.epochs, evaluating after each; metrics.json and curves.svg are rewritten every epoch. */
export async function runEpochs(config: CommonConfig, info: RunInfo, task: Task, data: { train: Batches; test: Batches }): Promise<EpochRecord[]> {
  const metricName = task.metric === 'accuracy' ? 'accuracy' : 'mean AUC';
  const log = (s: string) => process.stdout.write(`${s}\n`);
  log(`${info.app}: ${info.model} (${info.parameters.toLocaleString('en-US')} parameters) on ${config.synthetic ? 'SYNTHETIC random data (nothing is learnt; for timing only)' : `${info.dataset} from ${info.source}`}`);
  log(`backend ${config.backend}, batch ${config.batchSize}, ${data.train.length} training and ${data.test.length} evaluation batches per epoch${config.limit !== undefined ? ` (--limit ${config.limit})` : ''}`);
  const records: EpochRecord[] = [];
  const started = new Date().toISOString();
  // one step helper for the whole run: float16's GradScaler keeps its scale from epoch to epoch
  const amp = new AmpStep(task.amp ?? config.amp);
  if (amp.mode) log(`mixed precision: ${amp.mode} autocast${amp.scaler ? ' with a GradScaler' : ''}`);
  const m = (v: number | null) => (v === null ? 'n/a' : v.toFixed(4));
  for (let e = 1; e <= config.epochs; e++) {
    const train = await trainEpoch(task, data.train, `epoch ${e}/${config.epochs} train`, amp);
    const test = await evaluate(task, data.test, `epoch ${e}/${config.epochs} eval `);
    records.push({ epoch: e, train, test });
    log(`epoch ${e}/${config.epochs}  train ${train.seconds.toFixed(1)} s, ${train.samplesPerSec.toFixed(1)} samples/s, loss ${train.loss.toFixed(4)}${task.metric === 'accuracy' ? `, accuracy ${m(train.metric)}` : ''}`
      + `  |  eval ${test.seconds.toFixed(1)} s, ${test.samplesPerSec.toFixed(1)} samples/s, loss ${test.loss.toFixed(4)}, ${metricName} ${m(test.metric)}`);
    await writeReport(config.out, { ...info, synthetic: config.synthetic, backend: config.backend, batchSize: config.batchSize, limit: config.limit ?? null, started, metric: metricName, epochs: records }, task.metric);
  }
  log(`wrote ${join(config.out, 'metrics.json')} and ${join(config.out, 'curves.svg')}`);
  return records;
}

/** runEpochs for a freshly built task, which it owns: the model and optimizer are freed at the end. */
export async function runTask(config: CommonConfig, info: Omit<RunInfo, 'source' | 'parameters'>, task: Task, data: { train: Batches; test: Batches }): Promise<EpochRecord[]> {
  try {
    return await runEpochs(config, {
      ...info, source: config.synthetic ? 'synthetic' : config.data!, parameters: countParameters(task.model),
      hyperparameters: { ...info.hyperparameters, batchSize: config.batchSize, epochs: config.epochs, seed: config.seed, amp: config.amp ?? 'off' },
    }, task, data);
  } finally {
    task.optimizer.dispose();
    task.model.dispose();
  }
}

/** Parameters of a module (each shared tensor once). */
export const countParameters = (m: Module): number => [...m.parameters()].reduce((a, p) => a + p.numel(), 0);
