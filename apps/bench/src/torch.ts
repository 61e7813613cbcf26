// The same workloads in PyTorch (Debian's python3-torch), run in a child process on the same machine.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ModelName } from './models.js';

export interface TorchFigures { train: number; infer: number; threads: number; blas: string }
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../torch_bench.py', import.meta.url));

export function torchAvailable(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  return r.status === 0 ? null : 'python3-torch is not installed (apt-get install -y python3-torch libopenblas0-openmp)';
}

export function torchMeasure(model: ModelName, batch: number, steps: number, inferSteps: number, threads: number, imageSize: number): TorchFigures {
  const r = spawnSync(PYTHON, [SCRIPT, model, String(batch), String(steps), String(inferSteps), String(threads), String(imageSize)], { encoding: 'utf8', timeout: 30 * 60_000 });
  if (r.status !== 0) throw new Error(`PyTorch run for ${model} failed: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchFigures;
}
