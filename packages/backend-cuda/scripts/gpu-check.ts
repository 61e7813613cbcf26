// The GPU check of @flint/backend-cuda, for a lent GPU machine (it has never run yet: no GPU was lent when
// it was written). Bundle it and the PTX, then run it from the repository root:
//   node packages/backend-cuda/scripts/build-ptx.mjs --out .gpu/ptx
//   bash ../shared/tools/gpu-pack.sh packages/backend-cuda/scripts/gpu-check.ts
//   device run: carry [".gpu"], command "bash .gpu/start.sh gpu-check.mjs [--quick]"
// It writes $OUT/gpu-check.json and prints: the testkit on 'cuda' (no skips), the first 20 training losses of
// the three bench models on cpu and cuda, the host cost per small op (Flint vs PyTorch), and the bench table
// (train/infer samples/s, Flint eager vs PyTorch eager on the same card).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import '@flint/autograd';
import '@flint/backend-cpu';
import { fixturesDir, runConformance } from '@flint/backend-testkit';
import { manualSeed, scope, setDefaultDevice, synchronize, tensor } from '@flint/core';
import { measure } from '../../../apps/bench/src/measure.js';
import { workload, type ModelName } from '../../../apps/bench/src/models.js';
import { initCuda, memory } from '../src/index.js';

const quick = process.argv.includes('--quick');
const OUT = process.env.OUT ?? '/tmp/out';
mkdirSync(OUT, { recursive: true });
const result: Record<string, unknown> = {};
const save = () => writeFileSync(join(OUT, 'gpu-check.json'), `${JSON.stringify(result, null, 2)}\n`);
const log = (s: string) => process.stdout.write(`${s}\n`);

// the bundle resolves the testkit's fixtures next to itself; bring them there from the repository
if (!existsSync(fixturesDir())) cpSync('packages/backend-testkit/fixtures', fixturesDir(), { recursive: true });

const backend = await initCuda({ allowTf32: { matmul: false, cudnn: false } });
result.vendor = backend.vendor;
log(`cuda: ${JSON.stringify(backend.vendor)}`);

// 1. the conformance suite, values and gradients
const t0 = Date.now();
// the runner removes (disposes) what it registered: hand it the backend without dispose, so 'cuda' lives on
const { dispose: _dispose, ...shared } = backend;
const report = await runConformance(() => shared, { log: (l) => { if (!l.startsWith('ok')) log(l); } });
result.testkit = { passed: report.passed, failed: report.failed, skipped: report.skipped, seconds: (Date.now() - t0) / 1000,
  failures: report.results.filter((r) => r.status === 'fail').map((r) => ({ id: r.id, message: r.message })) };
log(`testkit on cuda: ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`);
save();

// 2. the first 20 training losses on cpu and cuda (same seed: the RNG stream is the same on every backend)
async function losses(device: string, name: ModelName, batch: number): Promise<number[]> {
  setDefaultDevice(device);
  manualSeed(0);
  const w = workload(name, { imageSize: 64 }), out: number[] = [];
  for (let s = 0; s < 20; s++) {
    const l = await scope(async () => {
      const [x, y] = w.batch(batch);
      w.optimizer.zeroGrad();
      const loss = w.loss(w.model.forward(x), y);
      loss.backward();
      w.optimizer.step();
      return loss.item();
    });
    out.push(l);
  }
  return out;
}
const parity: Record<string, unknown> = {};
for (const [name, batch] of [['vgg', 8], ['gru', 8], ['densenet', 2]] as const) {
  if (quick && name === 'densenet') continue;
  const [cpu, cuda] = [await losses('cpu', name, batch), await losses('cuda', name, batch)];
  const worst = Math.max(...cpu.map((c, i) => Math.abs(c - cuda[i]!) / Math.max(1e-6, Math.abs(c))));
  parity[name] = { cpu, cuda, worstRelative: worst, ok: worst < 1e-3 };
  log(`${name}: 20 steps, worst relative loss difference cpu vs cuda ${worst.toExponential(2)}`);
  save();
}
result.parity = parity;

// 3. host cost per op: a loop of small adds, timed to completion
setDefaultDevice('cuda');
const a = tensor(new Float32Array(16).fill(1)), b = tensor(new Float32Array(16).fill(2));
const N = 20000;
for (let i = 0; i < 100; i++) a.add(b).dispose();
await synchronize('cuda');
let t = performance.now();
for (let i = 0; i < N; i++) a.add(b).dispose();
const hostUs = ((performance.now() - t) * 1000) / N;
await synchronize('cuda');
const deviceUs = ((performance.now() - t) * 1000) / N;
const python = ['/opt/torch/.venv/bin/python', '/usr/bin/python3'].find((p) => existsSync(p));
const torchAdd = python ? spawnSync(python, ['-c', [
  'import time, torch', 'a = torch.ones(16, device="cuda"); b = torch.full((16,), 2.0, device="cuda")',
  'for _ in range(100): a + b', 'torch.cuda.synchronize(); t = time.perf_counter()',
  `for _ in range(${N}): a + b`, `print((time.perf_counter() - t) * 1e6 / ${N})`].join('\n')], { encoding: 'utf8' }) : null;
result.perOp = { flintHostUs: hostUs, flintWithDeviceUs: deviceUs, torchUs: torchAdd?.status === 0 ? Number(torchAdd.stdout.trim()) : torchAdd?.stderr ?? 'no python' };
log(`per small add: Flint ${hostUs.toFixed(2)} µs host (${deviceUs.toFixed(2)} µs to completion), PyTorch ${JSON.stringify((result.perOp as { torchUs: unknown }).torchUs)} µs`);
save();

// 4. the bench models, Flint eager on cuda beside PyTorch eager on the same card (apps/bench/torch_bench.py run on the GPU)
const bench: Record<string, unknown> = {};
for (const [name, batch] of [['vgg', 64], ['gru', 64], ['densenet', 64]] as const) {
  if (quick && name === 'densenet') continue;
  setDefaultDevice('cuda');
  manualSeed(0);
  const flint = await measure(workload(name, { imageSize: 224 }), batch, quick ? 5 : 20, quick ? 5 : 20);
  const torch = python ? spawnSync(python, ['packages/backend-cuda/scripts/torch_cuda_bench.py', name, String(batch), quick ? '5' : '20', quick ? '5' : '20', '1', '224'], { encoding: 'utf8' }) : null;
  const tf = torch?.status === 0 ? JSON.parse(torch.stdout.trim().split('\n').at(-1)!) as { train: number; infer: number } : null;
  bench[name] = { batch, flint, torch: tf ?? torch?.stderr?.slice(-2000) ?? 'no python', trainRatio: tf ? flint.trainSamplesPerSec / tf.train : null, peak: memory().allocated.peak };
  log(`${name} b${batch}: Flint ${flint.trainSamplesPerSec.toFixed(0)} train/s, PyTorch ${tf ? tf.train.toFixed(0) : '?'} train/s`);
  save();
}
result.bench = bench;
result.memory = memory();
save();
log(`wrote ${join(OUT, 'gpu-check.json')}`);
