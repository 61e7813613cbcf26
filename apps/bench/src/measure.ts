// Time training steps (forward, loss, backward, optimizer) and inference steps on one workload.
import '@flint/autograd';
import { noGrad } from '@flint/autograd';
import { scope, type Tensor } from '@flint/core';
import type { Workload } from './models.js';

export interface Figures { trainSamplesPerSec: number; inferSamplesPerSec: number; lastLoss: number }

/** Warm up once, then time `steps` train steps and `inferSteps` inference steps at batch `batch`. */
export async function measure(w: Workload, batch: number, steps: number, inferSteps: number): Promise<Figures> {
  const [x, y] = w.batch(batch);
  const trainStep = (): number => scope(() => {
    w.optimizer.zeroGrad();
    const loss = w.loss(w.model.call(x) as Tensor, y);
    loss.backward();
    w.optimizer.step();
    return loss.itemSync() as number;
  });
  const inferStep = (): void => scope(() => { noGrad(() => (w.model.call(x) as Tensor).dataSync()); });
  w.model.train();
  let lastLoss = trainStep();
  let t0 = performance.now();
  for (let i = 0; i < steps; i++) lastLoss = trainStep();
  const train = (performance.now() - t0) / 1000;
  w.model.eval();
  inferStep();
  t0 = performance.now();
  for (let i = 0; i < inferSteps; i++) inferStep();
  const infer = (performance.now() - t0) / 1000;
  x.dispose(); y.dispose();
  return { trainSamplesPerSec: (steps * batch) / train, inferSamplesPerSec: (inferSteps * batch) / infer, lastLoss };
}
