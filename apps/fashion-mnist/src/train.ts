// The training loop: Adam over shuffled mini-batches with the learning rate decayed linearly to zero over
// the run (fewer epochs reach a good accuracy that way), test accuracy after every epoch. Every step runs
// in a scope, so the memory in use stays flat from the first batch to the last.
import { noGrad } from '@flint/autograd';
import { crossEntropy, manualSeed, memory, scope, type Tensor } from '@flint/core';
import { BatchSampler, DataLoader, RandomSampler, SequentialSampler, type BatchSamplerLike, type Dataset } from '@flint/data/node';
import type { StateDict } from '@flint/nn';
import { Adam, LinearLR } from '@flint/optim';
import { AmpStep, type AmpMode } from '@flint/app-kit';
import { collateBatch, type Sample } from './data.js';
import type { DistributedRun } from './distributed.js';
import { FashionCnn } from './model.js';

export interface TrainOptions {
  train: Dataset<Sample>;
  test: Dataset<Sample>;
  epochs: number;
  batchSize: number;
  /** Adam's learning rate at the first step; it falls linearly to 0 at the last. */
  lr: number;
  /** Seeds the initial weights and the shuffling. */
  seed: number;
  /** Start from these weights instead of a fresh initialisation. */
  initialState?: StateDict;
  /** Mixed precision (--amp): the forward pass and loss under bf16 or f16 autocast; float32 when absent. */
  amp?: AmpMode;
  /** --distributed: train with DistributedDataParallel across the ranks of this process group (batchSize per rank). */
  distributed?: DistributedRun;
  /** Called after each step with the batches done so far and the step's loss. */
  onStep?: (epoch: number, done: number, total: number, loss: number) => void;
  onEpoch?: (m: EpochMetrics) => void;
}

export interface EpochMetrics {
  epoch: number;
  /** Mean training loss over the epoch's batches. */
  trainLoss: number;
  testLoss: number;
  testAccuracy: number;
  /** Wall time of the training pass (evaluation not included). */
  seconds: number;
  /** CPU time of the process over the training pass (steadier than wall time on a busy machine). */
  cpuSeconds: number;
  samplesPerSecond: number;
  evalSeconds: number;
  /** [fraction of the epoch, loss] for every step. */
  stepLosses: [number, number][];
  /** Tensors alive after the epoch's evaluation: the same every epoch when nothing leaks. */
  liveTensors: number;
  /** The order the training samples were visited in. */
  order: number[];
}

/** Batch sampler that remembers the indices each epoch visits (for reproducing the run elsewhere). */
class RecordingSampler implements BatchSamplerLike {
  order: number[] = [];
  constructor(private readonly inner: BatchSampler) {}
  get length(): number { return this.inner.length; }
  setEpoch(epoch: number): void { this.inner.setEpoch(epoch); }
  *[Symbol.iterator](): Iterator<number[]> {
    this.order = [];
    for (const batch of this.inner) { this.order.push(...batch); yield batch; }
  }
}

export async function trainModel(o: TrainOptions): Promise<{ model: FashionCnn; epochs: EpochMetrics[] }> {
  manualSeed(o.seed);
  const model = new FashionCnn();
  if (o.initialState) model.loadStateDict(o.initialState);
  const dist = o.distributed, ddp = dist?.wrap(model);
  const forward = (x: Tensor): Tensor => (ddp ? ddp.call(x) : model.call(x));
  const optimizer = new Adam(model.parameters(), { lr: o.lr });
  const sampler = new RecordingSampler(new BatchSampler(dist ? dist.sampler(o.train, o.seed) : new RandomSampler(o.train, { seed: o.seed }), o.batchSize));
  const loader = new DataLoader(o.train, { batchSampler: sampler, collate: collateBatch, prefetch: 2 });
  const schedule = new LinearLR(optimizer, { startFactor: 1, endFactor: 0, totalIters: o.epochs * loader.length });
  const epochs: EpochMetrics[] = [];
  const amp = new AmpStep(o.amp);
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    model.train();
    loader.setEpoch(epoch - 1);
    const t0 = performance.now(), c0 = process.cpuUsage();
    const stepLosses: [number, number][] = [];
    let sum = 0, done = 0;
    for await (const [x, y] of loader) {
      const loss = await scope(async () => {
        optimizer.zeroGrad();
        const l = amp.forward(x.device, () => crossEntropy(forward(x), y));
        await amp.backwardAndStep(l, optimizer);
        schedule.step();
        return (await l.item()) as number;
      });
      x.dispose();
      y.dispose();
      sum += loss;
      done++;
      stepLosses.push([epoch - 1 + done / loader.length, loss]);
      o.onStep?.(epoch, done, loader.length, loss);
    }
    const seconds = (performance.now() - t0) / 1000, cpu = process.cpuUsage(c0);
    const t1 = performance.now();
    // distributed: the epoch's loss averaged over the ranks, the test set evaluated by rank 0 alone
    const trainLoss = dist ? await dist.mean(sum / done) : sum / done;
    const { accuracy, loss: testLoss } = dist && dist.rank !== 0 ? { accuracy: NaN, loss: NaN } : await evaluate(model, o.test);
    const m: EpochMetrics = {
      epoch, trainLoss, testLoss, testAccuracy: accuracy, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6,
      samplesPerSecond: (sampler.order.length * (dist?.size ?? 1)) / seconds, evalSeconds: (performance.now() - t1) / 1000, stepLosses, liveTensors: memory().tensors, order: sampler.order,
    };
    epochs.push(m);
    o.onEpoch?.(m);
  }
  return { model, epochs };
}

/** Accuracy and mean cross-entropy over a data set, in large batches without recording gradients. */
export async function evaluate(model: FashionCnn, data: Dataset<Sample>, batchSize = 500): Promise<{ accuracy: number; loss: number }> {
  model.eval();
  const loader = new DataLoader(data, { batchSampler: new BatchSampler(new SequentialSampler(data), batchSize), collate: collateBatch });
  let correct = 0, lossSum = 0;
  for await (const [x, y] of loader) {
    await noGrad(() => scope(async () => {
      const logits: Tensor = model.call(x);
      lossSum += ((await crossEntropy(logits, y, { reduction: 'sum' }).item()) as number);
      correct += (await logits.argmax(1).eq(y).sum().item()) as number;
    }));
    x.dispose();
    y.dispose();
  }
  return { accuracy: correct / data.length, loss: lossSum / data.length };
}
