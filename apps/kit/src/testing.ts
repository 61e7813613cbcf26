// Test helpers the benchmark apps share: run an app's CLI through tsx and read back what it wrote.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { memory } from '@flint/core';
import { evaluate, trainEpoch, type Batches, type EpochRecord, type Task } from './index.js';

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
