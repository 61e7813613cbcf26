// DDP equivalence: 2 ranks x 32 samples reproduce, step for step, one process training on the same
// 64-sample batches (50 Adam steps of apps/fashion-mnist's CNN), within float32 reduction-order tolerance.
import { beforeAll, describe, expect, it } from 'vitest';
import { setNumThreads } from '@flint/backend-cpu';
import '@flint/autograd';
import { crossEntropy, manualSeed, scope, type Tensor } from '@flint/core';
import type { Module } from '@flint/nn';
import { Adam } from '@flint/optim';
import { FashionCnn } from '../../../../apps/fashion-mnist/src/model.js'; // the CNN of apps/fashion-mnist
import { launch, type JobResult } from '../testing/launch.js';
import { batch, loadImages, step, type Stepper } from '../testing/fashion.js';

interface Report { rank: number; losses: number[]; weights: Record<string, number[]>; buckets: string[][]; samplesPerSecond: number }
const STEPS = 50;

/** One Adam step on two half batches, each loss backpropagated at half weight; returns the mean of the two losses. */
function halfStep(model: Module, optimizer: Stepper, parts: [Tensor, Tensor][]): number {
  return scope(() => {
    optimizer.zeroGrad();
    const losses = parts.map(([x, y]) => { const l = crossEntropy(model.call(x) as Tensor, y); l.mul(0.5).backward(); return l.itemSync(); });
    optimizer.step();
    return Math.fround(Math.fround(losses[0]! + losses[1]!) / 2);
  });
}

// one kernel thread here and in each rank: the CPU backend's threads sum a convolution's weight gradient per
// block of images, which would change the reduction order this test holds the runs to
setNumThreads(1);

describe('DistributedDataParallel on 2 ranks vs one process', () => {
  type Run = { losses: number[]; weights: Record<string, number[]> };
  let job: JobResult, reports: Report[], ref: Run, halves: Run;
  beforeAll(async () => {
    const running = launch('src/testing/ddp-rank.ts', [String(STEPS), '32'], { limitMs: 80_000 });
    // single-process runs meanwhile, from the same initial weights (seed 0): the 64-sample batches whole (the
    // reference), and as two halves of 32 whose gradients are summed at half weight (DDP's arithmetic in one process)
    const data = loadImages(STEPS * 64);
    const train = async (split: boolean): Promise<Run> => {
      manualSeed(0);
      const model = new FashionCnn();
      const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
      const losses: number[] = [];
      for (let i = 0; i < STEPS; i++) {
        const parts = split ? [batch(data, i * 64, 32), batch(data, i * 64 + 32, 32)] : [batch(data, i * 64, 64)];
        losses.push(split ? halfStep(model, optimizer, parts) : step(model, optimizer, parts[0]![0], parts[0]![1]));
        for (const [x, y] of parts) { x.dispose(); y.dispose(); }
        await new Promise((r) => setImmediate(r)); // let the launcher's output in
      }
      return { losses, weights: Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, Array.from(v.dataSync() as Float32Array)])) };
    };
    ref = await train(false);
    halves = await train(true);
    job = await running;
    reports = job.reports as Report[];
  }, 85_000);

  const maxDiff = (a: number[], b: number[]): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

  it('both ranks finish', () => {
    expect({ code: job.code, ranks: reports.map((r) => r.rank) }, job.out.slice(-3000)).toEqual({ code: 0, ranks: [0, 1] });
  });

  it('the losses match the single-process run step for step', () => {
    const diff = maxDiff(reports[0]!.losses, ref.losses);
    console.log(`DDP equivalence: max |loss diff| over ${STEPS} steps = ${diff.toExponential(2)} (first loss ${ref.losses[0]!.toFixed(4)}, last ${ref.losses[STEPS - 1]!.toFixed(4)})`);
    expect(reports[0]!.losses).toHaveLength(STEPS);
    expect(diff).toBeLessThan(1e-4);
    expect(ref.losses[STEPS - 1]!).toBeLessThan(ref.losses[0]! - 0.5); // it did learn
  });

  it('the final weights match the single-process run, and the ranks hold identical weights', () => {
    const keys = Object.keys(ref.weights);
    expect(Object.keys(reports[0]!.weights)).toEqual(keys); // stateDict() keys are the plain module's
    let worst = 0;
    for (const k of keys) worst = Math.max(worst, maxDiff(reports[0]!.weights[k]!, ref.weights[k]!));
    console.log(`DDP equivalence: max |weight diff| after ${STEPS} steps = ${worst.toExponential(2)}`);
    let floor = 0, vsHalves = 0;
    for (const k of keys) {
      floor = Math.max(floor, maxDiff(halves.weights[k]!, ref.weights[k]!));
      vsHalves = Math.max(vsHalves, maxDiff(reports[0]!.weights[k]!, halves.weights[k]!));
    }
    console.log(`reduction-order floor: one process summing two half batches differs from the whole batch by ${floor.toExponential(2)}; DDP differs from that run by ${vsHalves.toExponential(2)}`);
    // Adam moves every weight by ~lr a step whatever the gradient's size, so float32 rounding in tiny gradients shows at ~1e-4
    expect(worst).toBeLessThan(5e-4);
    expect(worst).toBeLessThan(2 * floor + 1e-5);
    expect(vsHalves).toBeLessThan(1e-6);
    for (const k of keys) expect(reports[1]!.weights[k], k).toEqual(reports[0]!.weights[k]);
  });

  it('gradients are bucketed last layer first, none bigger than the cap unless one parameter is', () => {
    expect(reports[0]!.buckets).toEqual([['fc.bias', 'fc.weight', 'conv2.bias'], ['conv2.weight'], ['conv1.bias', 'conv1.weight']]);
  });
});
