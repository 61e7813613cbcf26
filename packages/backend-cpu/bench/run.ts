// Benchmarks Flint's CPU kernels against PyTorch at the same thread count (`pnpm bench [threads]`, default 1):
// float32 GEMM and the VGG-CIFAR conv layers, forward and both backward kernels, with each one's share of
// the WebAssembly SIMD peak (the roofline: 128-bit multiply-adds on registers, measured on this machine by
// bench/peak.ts, times the threads), and the same kernels on the optional native BLAS where one is in use.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { KernelTensor } from '@flint/core';
import { createCpuBackend } from '../src/backend.js';
import { wasmGemm } from '../src/kernels/wasm-gemm.js';
import { setNumThreads } from '../src/threads/pool.js';
import { setBlas } from '../src/blas/native.js';
import { measurePeak } from './peak.js';
import type { CpuArray } from '../src/storage.js';

interface Case { key: string; kind: 'gemm' | 'fwd' | 'bwdInput' | 'bwdWeight'; reps: number; flops: number; n?: number; N?: number; C?: number; O?: number; H?: number }

const threads = Number(process.argv[2] ?? 1);
setNumThreads(threads);
// measured before anything else runs, so no kernel thread competes with it
const probe = measurePeak(), peak = (probe?.gflops ?? NaN) * threads;
const backend = createCpuBackend();
const tensor = (shape: number[]): KernelTensor<CpuArray> => {
  const n = shape.reduce((a, b) => a * b, 1), buffer = new Float32Array(n);
  for (let i = 0; i < n; i++) buffer[i] = Math.random() - 0.5;
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  return { buffer, dtype: 'float32', shape, strides, offset: 0 };
};

const cases: Case[] = [];
for (const n of [256, 512, 1024]) cases.push({ key: `gemm ${n}`, kind: 'gemm', n, reps: n === 1024 ? 3 : 10, flops: 2 * n ** 3 });
for (const [C, O, H] of [[3, 50, 32], [50, 50, 32], [50, 100, 16], [100, 100, 16]] as const) {
  for (const kind of ['fwd', 'bwdInput', 'bwdWeight'] as const) {
    cases.push({ key: `conv ${C}->${O} ${H}x${H} ${kind}`, kind, N: 64, C, O, H, reps: 3, flops: 2 * 64 * O * C * 9 * H * H });
  }
}

function timeFlint(c: Case): number {
  let fn: () => void;
  if (c.kind === 'gemm') {
    const a = tensor([c.n!, c.n!]), b = tensor([c.n!, c.n!]), out = tensor([c.n!, c.n!]);
    fn = () => backend.kernels.matmul!([a, b], [out], {});
  } else {
    const { N, C, O, H } = c as Required<Case>;
    const x = tensor([N, C, H, H]), w = tensor([O, C, 3, 3]), y = tensor([N, O, H, H]);
    const attrs = { stride: [1, 1] as const, padding: [1, 1] as const, dilation: [1, 1] as const, groups: 1, inputShape: [N, C, H, H], weightShape: [O, C, 3, 3] };
    if (c.kind === 'fwd') fn = () => backend.kernels.conv2d!([x, w], [y], attrs);
    // outputs made once, outside the timed calls (filling them with Math.random() cost as much as a kernel)
    else if (c.kind === 'bwdInput') { const gx = tensor([N, C, H, H]); fn = () => backend.kernels.conv2dBackwardInput!([y, w], [gx], attrs); }
    else { const gw = tensor([O, C, 3, 3]); fn = () => backend.kernels.conv2dBackwardWeight!([y, x], [gw], attrs); }
  }
  // warm up the JIT and the WebAssembly tier-up
  for (let t = performance.now(), i = 0; i < 2 || performance.now() - t < 300; i++) fn();
  const t0 = performance.now();
  for (let r = 0; r < c.reps; r++) fn();
  return (performance.now() - t0) / c.reps;
}

function timeTorch(): { version: string; times: Record<string, number> } | null {
  try {
    const script = fileURLToPath(new URL('./torch_bench.py', import.meta.url));
    const out = execFileSync('/usr/bin/python3', [script, String(threads)], { input: JSON.stringify(cases), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    return JSON.parse(out.trim().split('\n').pop()!) as { version: string; times: Record<string, number> };
  } catch {
    return null;
  }
}

const torch = timeTorch();
const native = setBlas('auto');
console.log(probe
  ? `${threads} thread(s); WebAssembly SIMD peak ${peak.toFixed(0)} GFLOP/s (${probe.gflops.toFixed(1)} per thread, measured: 128-bit ${probe.fma ? 'FMA' : 'multiply + add'} on registers); GEMM FMA ${wasmGemm()?.fma ? 'on' : 'off'}`
  : `${threads} thread(s); this engine has no WebAssembly SIMD: no peak to compare with`);
console.log(native.kind === 'native' ? `native BLAS: ${native.library}${native.config ? ` (${native.config})` : ''}` : `native BLAS: none (${native.reason})`);
console.log(torch ? `PyTorch ${torch.version}, ${threads} thread(s)` : 'PyTorch was not found (/usr/bin/python3 -c "import torch" failed): Flint figures only');
const head = ['case', 'wasm ms', 'GFLOP/s', '% of peak', 'BLAS ms', 'GFLOP/s', 'PyTorch ms', 'GFLOP/s', 'PyTorch/wasm', 'PyTorch/BLAS'];
const rows: string[][] = [head];
for (const c of cases) {
  setBlas('wasm');
  const ms = timeFlint(c);
  setBlas('auto');
  const bms = native.kind === 'native' ? timeFlint(c) : undefined, tms = torch?.times[c.key];
  const gf = (m: number | undefined): string => (m === undefined ? '-' : (c.flops / m / 1e6).toFixed(1));
  const f = (m: number | undefined): string => (m === undefined ? '-' : m.toFixed(1));
  const r = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? '-' : (a / b).toFixed(2));
  rows.push([c.key, f(ms), gf(ms), ((c.flops / ms / 1e6 / peak) * 100).toFixed(0), f(bms), gf(bms), f(tms), gf(tms), r(tms, ms), r(tms, bms)]);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((s, i) => (i === 0 ? s.padEnd(widths[i]!) : s.padStart(widths[i]!))).join('  '));
