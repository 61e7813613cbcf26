// Test helpers the apps share: run an app's CLI through tsx and read back what it wrote; train the first
// steps of a model on two devices from the same seed and compare the losses (--backend webgpu against the CPU).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { manualSeed, memory, scope, setDefaultDevice, type Tensor } from '@flint/core';
import type { Module } from '@flint/nn';
import type { Optimizer } from '@flint/optim';
import { evaluate, trainEpoch, useBackend, type Batches, type EpochRecord, type Task } from './index.js';

export const tempDir = (name: string): string => mkdtempSync(join(tmpdir(), `flint-${name}-`));

/** `tsx src/main.ts ...args` in appDir (sources resolved through the app's tsconfig paths). */
export async function runCli(appDir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(join(appDir, 'node_modules', '.bin', 'tsx'), ['src/main.ts', ...args], { cwd: appDir, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(e) };
  }
}

export interface Metrics { synthetic: boolean; source: string; parameters: number; metric: string; epochs: EpochRecord[] }

export const readMetrics = (out: string): Metrics => JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as Metrics;

/** Every train and eval loss in the file is a finite number. */
export const lossesOf = (m: Metrics): number[] => m.epochs.flatMap((r) => [r.train.loss, r.test.loss]);

/**
 * Live tensors and bytes before and after `steps` training batches and as many evaluation batches, measured
 * once a warm-up batch has made the optimizer's state: equal when nothing leaks.
 */
export async function memoryAcrossSteps(task: Task, batches: (n: number) => Batches, steps = 2) {
  await trainEpoch(task, batches(1), 'warm-up');
  const snap = () => { const m = memory(); return { tensors: m.tensors, bytes: m.bytes }; };
  const before = snap();
  await trainEpoch(task, batches(steps), 'train');
  await evaluate(task, batches(steps), 'eval');
  return { before, after: snap() };
}

/**
 * Why `--backend <name>` cannot run here (the package's own message: for webgpu, no Dawn or no adapter), or
 * undefined when it can. Leaves 'cpu' the default device either way.
 */
export async function backendUnavailable(name = 'webgpu'): Promise<string | undefined> {
  await import('@flint/backend-cpu');
  try {
    await useBackend(name);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  } finally {
    setDefaultDevice('cpu');
  }
}

/**
 * The device the apps' first-steps tests compare with the CPU: 'webgpu', or $FLINT_COMPARE_DEVICE (e.g.
 * 'mockgpu', the testkit's queued mock GPU, to exercise the tests where no WebGPU adapter exists), and why it
 * can't run here when it can't.
 */
export async function deviceUnderTest(): Promise<{ device: string; reason?: string }> {
  const device = process.env.FLINT_COMPARE_DEVICE ?? 'webgpu';
  const reason = await backendUnavailable(device);
  return reason === undefined ? { device } : { device, reason };
}

/** What a first-steps comparison trains: the app's model (built on the CPU), its optimiser and its loss. */
export interface TrainingSetup {
  model: Module;
  /** Built after the model has moved to the device under test. */
  optimizer(model: Module): Optimizer<object>;
  loss(output: Tensor, target: Tensor): Tensor;
}

/**
 * The losses of the first `steps` training steps on `device`: the model is initialised on the CPU from `seed`
 * and moved, batch i is `batch(i)` drawn on the CPU and moved, so every device sees the same numbers; random
 * ops inside the model (dropout) draw from core's counter-based stream, the same on every backend.
 * `dtype: 'float64'` (CPU) gives the reference that shows how far float32 itself strays.
 */
export async function firstStepLosses(device: string, setup: () => TrainingSetup, batch: (i: number) => [Tensor, Tensor], steps: number, seed = 0, dtype: 'float32' | 'float64' = 'float32'): Promise<number[]> {
  setDefaultDevice('cpu');
  manualSeed(seed);
  const s = setup();
  const model = device === 'cpu' && dtype === 'float32' ? s.model : s.model.to({ device, dtype });
  const optimizer = s.optimizer(model);
  model.train();
  const losses: number[] = [];
  try {
    for (let i = 0; i < steps; i++) {
      setDefaultDevice('cpu');
      manualSeed(seed * 1000 + i + 1);
      const [xc, yc] = batch(i);
      const move = (t: Tensor) => t.to({ device, dtype: t.dtype === 'float32' ? dtype : t.dtype });
      const [x, y] = [move(xc), move(yc)];
      setDefaultDevice(device);
      losses.push(await scope(async () => {
        optimizer.zeroGrad();
        const loss = s.loss(model.call(x) as Tensor, y);
        loss.backward();
        optimizer.step();
        return Number(await loss.item());
      }));
      for (const t of new Set([xc, yc, x, y])) t.dispose();
    }
  } finally {
    setDefaultDevice('cpu');
    optimizer.dispose();
    model.dispose();
  }
  return losses;
}

/** The largest relative difference between two loss curves, step by step, and the step where it occurs. */
export function largestRelativeDifference(reference: readonly number[], other: readonly number[]): { value: number; step: number } {
  if (reference.length !== other.length) throw new RangeError(`loss curves of different lengths: ${reference.length} and ${other.length}`);
  let value = 0, step = 0;
  reference.forEach((r, i) => {
    const d = Math.abs(other[i]! - r) / Math.max(Math.abs(r), 1e-6);
    if (!(d <= value)) { value = d; step = i + 1; }
  });
  return { value, step };
}

/** Both loss curves of a first-steps comparison, their largest relative difference and a line for the log. */
export interface StepComparison { cpu: number[]; other: number[]; difference: { value: number; step: number }; summary: string }

/** {@link firstStepLosses} on the CPU and on `device`, timed, compared step by step. */
export async function compareFirstSteps(label: string, device: string, setup: () => TrainingSetup, batch: (i: number) => [Tensor, Tensor], steps: number): Promise<StepComparison> {
  let t = performance.now();
  const cpu = await firstStepLosses('cpu', setup, batch, steps);
  const cpuSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  const other = await firstStepLosses(device, setup, batch, steps);
  const difference = largestRelativeDifference(cpu, other);
  const summary = `${label}, ${steps} steps: cpu ${cpuSeconds.toFixed(1)} s, ${device} ${((performance.now() - t) / 1000).toFixed(1)} s; largest relative loss ` +
    `difference ${difference.value.toExponential(1)} (step ${difference.step}); cpu losses ${cpu[0]!.toFixed(4)} -> ${cpu[steps - 1]!.toFixed(4)}`;
  return { cpu, other, difference, summary };
}
