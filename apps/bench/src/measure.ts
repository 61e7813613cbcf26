// Time training steps (forward, loss, backward, optimizer) and inference steps on one workload. The steps
// are timed on the device (DeviceEvent) without reading anything back inside the timed loop, so an
// asynchronous backend is measured at the rate it runs, not at the rate the host waits for it.
import '@flint/autograd';
import { noGrad } from '@flint/autograd';
import { DeviceEvent, scope, type Tensor } from '@flint/core';
import type { Workload } from './models.js';

export interface Figures { trainSamplesPerSec: number; inferSamplesPerSec: number; lastLoss: number }

/** Captures a whole training step once and replays it (`captureStep` of @flint/backend-cuda, like torch.cuda.graph). */
export type CaptureStep = <R>(step: () => R, opts: { warmup: number }) => { outputs: R; replay: () => void };

/**
 * Warm up once, then time `steps` train steps and `inferSteps` inference steps at batch `batch`. With
 * `capture`, the training step (forward, loss, backward, optimizer) is captured once on its static batch and
 * the timed loop replays it, as `--graph` asks.
 */
export async function measure(w: Workload, batch: number, steps: number, inferSteps: number, capture?: CaptureStep): Promise<Figures> {
  const [x, y] = w.batch(batch);
  const device = x.device;
  // each step in a scope; the loss (detached) is the one tensor that outlives it
  const trainStep = (): Tensor => scope(() => {
    w.optimizer.zeroGrad();
    const loss = w.loss(w.model.call(x) as Tensor, y);
    loss.backward();
    w.optimizer.step();
    return loss.detach();
  });
  const inferStep = (): void => scope(() => { noGrad(() => w.model.call(x)); });
  /** Device milliseconds for `n` runs of `step`, after one untimed warm-up run. */
  const timed = async (n: number, step: () => void): Promise<number> => {
    step();
    const start = new DeviceEvent(device).record();
    for (let i = 0; i < n; i++) step();
    const end = new DeviceEvent(device).record();
    return start.elapsedTime(end);
  };
  w.model.train();
  let loss: Tensor | undefined, trainMs: number;
  if (capture) {
    // warm up here (freeing each loss), then capture; the captured step's loss is a static tensor that every
    // replay overwrites
    for (let i = 0; i < 3; i++) trainStep().dispose();
    const graph = capture(trainStep, { warmup: 0 });
    trainMs = await timed(steps, graph.replay);
    loss = graph.outputs;
  } else {
    trainMs = await timed(steps, () => { loss?.dispose(); loss = trainStep(); });
  }
  const lastLoss = Number(await loss!.item());
  loss!.dispose();
  w.model.eval();
  const inferMs = await timed(inferSteps, inferStep);
  x.dispose(); y.dispose();
  return { trainSamplesPerSec: (steps * batch * 1000) / trainMs, inferSamplesPerSec: (inferSteps * batch * 1000) / inferMs, lastLoss };
}
