// apps/bench: the three benchmark models for a fixed number of steps on a Flint backend, and — where
// Debian's python3-torch is installed — the same models in PyTorch in the same run, as one table.
import { intFlag, lineChartSvg, parseFlags, useBackend, writeAtomic } from '@flint/app-kit';
import { getBlas, setNumThreads } from '@flint/backend-cpu';
import { manualSeed } from '@flint/core';
import { join } from 'node:path';
import { measure, type CaptureStep, type Figures } from './measure.js';
import { workload, type ModelName } from './models.js';
import { torchAvailable, torchMeasure, type TorchFigures } from './torch.js';

const app = {
  name: 'flint-bench',
  summary: 'samples/s of the VGG CNN, DenseNet-121 and GRU benchmarks, beside PyTorch on this machine',
  flags: {
    backend: { type: 'string' as const, help: 'Flint backend', default: 'cpu' },
    models: { type: 'string' as const, help: 'comma-separated: vgg,gru,densenet', default: 'vgg,gru,densenet' },
    steps: { type: 'string' as const, help: 'timed training steps per model', default: '5' },
    'infer-steps': { type: 'string' as const, help: 'timed inference steps per model', default: '10' },
    batch: { type: 'string' as const, help: 'batch size for vgg and gru', default: '64' },
    'densenet-batch': { type: 'string' as const, help: 'batch size for densenet', default: '8' },
    'image-size': { type: 'string' as const, help: 'densenet input size', default: '224' },
    threads: { type: 'string' as const, help: 'threads for Flint\'s CPU kernels (setNumThreads) and for PyTorch', default: '1' },
    'torch-threads': { type: 'string' as const, help: 'PyTorch threads, when not --threads' },
    'no-torch': { type: 'boolean' as const, help: 'skip the PyTorch side' },
    graph: { type: 'boolean' as const, help: 'capture each training step once as a CUDA graph and replay it (--backend cuda)' },
    out: { type: 'string' as const, help: 'folder for bench.json and bench.svg', default: 'runs/bench' },
  },
};

const f = parseFlags(app);
const backend = await useBackend(String(f.backend));
let capture: CaptureStep | undefined;
if (f.graph) {
  if (backend !== 'cuda') throw new Error(`--graph captures the training step as a CUDA graph: it needs --backend cuda, not ${backend}`);
  capture = (await import(/* @vite-ignore */ '@flint/backend-cuda' as string) as { captureStep: CaptureStep }).captureStep;
}
const models = String(f.models).split(',').map((m) => m.trim()) as ModelName[];
for (const m of models) if (!['vgg', 'gru', 'densenet'].includes(m)) throw new Error(`--models: unknown model '${m}' (vgg, gru, densenet)`);
const flintThreads = intFlag(f, 'threads')!, threads = intFlag(f, 'torch-threads') ?? flintThreads;
const steps = intFlag(f, 'steps')!, inferSteps = intFlag(f, 'infer-steps')!;
setNumThreads(flintThreads);
const imageSize = intFlag(f, 'image-size')!;
const torchMissing = f['no-torch'] ? 'skipped (--no-torch)' : torchAvailable();

interface Row { model: ModelName; title: string; batch: number; flint: Figures; torch?: TorchFigures; epochSize: number }
const rows: Row[] = [];
for (const m of models) {
  manualSeed(0);
  const batch = m === 'densenet' ? intFlag(f, 'densenet-batch')! : intFlag(f, 'batch')!;
  const w = workload(m, { imageSize });
  process.stderr.write(`${w.title}: Flint (${backend}) ${steps} train + ${inferSteps} inference steps at batch ${batch}...\n`);
  const flint = await measure(w, batch, steps, inferSteps, capture);
  w.model.dispose();
  let torch: TorchFigures | undefined;
  if (!torchMissing) {
    process.stderr.write(`${w.title}: PyTorch (${threads} thread${threads > 1 ? 's' : ''})...\n`);
    torch = torchMeasure(m, batch, steps, inferSteps, threads, imageSize);
  }
  rows.push({ model: m, title: w.title, batch, flint, torch, epochSize: w.epochSize });
}

const fmt = (v: number | undefined, d = 1) => (v === undefined ? '—' : v.toFixed(d));
const ratio = (a: number, b: number | undefined) => (b === undefined ? '—' : (a / b).toFixed(2));
const epoch = (samples: number, perSec: number | undefined) => (perSec === undefined ? '—' : `${(samples / perSec / 60).toFixed(1)} min`);
const header = ['model', 'batch', `Flint train/s`, 'PyTorch train/s', 'ratio', 'Flint infer/s', 'PyTorch infer/s', 'ratio', 'Flint epoch', 'PyTorch epoch'];
const table = rows.map((r) => [r.title, String(r.batch), fmt(r.flint.trainSamplesPerSec), fmt(r.torch?.train), ratio(r.flint.trainSamplesPerSec, r.torch?.train),
  fmt(r.flint.inferSamplesPerSec), fmt(r.torch?.infer), ratio(r.flint.inferSamplesPerSec, r.torch?.infer),
  epoch(r.epochSize, r.flint.trainSamplesPerSec), epoch(r.epochSize, r.torch?.train)]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
const blas = getBlas(), gemm = blas.kind === 'native' ? `native BLAS ${blas.library}` : `WebAssembly GEMM (${blas.reason})`;
console.log(`\nFlint backend: ${backend} (${backend === 'cpu' ? `${flintThreads} thread(s), ${gemm}` : 'device'}). PyTorch: ${torchMissing ?? `${threads} thread(s), BLAS ${rows[0]?.torch?.blas ?? '?'}`}`);
console.log('samples/s (ratio = Flint / PyTorch; epoch = time per training epoch at the data set\'s size)\n');
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of table) console.log(line(row));

const out = String(f.out);
writeAtomic(join(out, 'bench.json'), `${JSON.stringify({ backend, threads: flintThreads, blas, torch: torchMissing ?? { threads }, rows }, null, 2)}\n`);
writeAtomic(join(out, 'bench.svg'), await lineChartSvg(
  [{ name: 'Flint train', points: rows.map((r, i) => [i + 1, r.flint.trainSamplesPerSec]) },
    ...(torchMissing ? [] : [{ name: 'PyTorch train', points: rows.map((r, i): [number, number] => [i + 1, r.torch!.train]) }])],
  { title: `samples/s: ${rows.map((r, i) => `${i + 1}=${r.model}`).join(', ')}`, xLabel: 'model', yLabel: 'samples/s' }));
console.log(`\nwrote ${join(out, 'bench.json')} and ${join(out, 'bench.svg')}`);
