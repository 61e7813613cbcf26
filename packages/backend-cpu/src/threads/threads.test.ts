import { availableParallelism } from 'node:os';
import { ValueError } from '@flint/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectClose, randn, run, t } from '../testing.js';
import { runBundled } from '../testing-bundle.js';
import { wasmGemm } from '../kernels/wasm-gemm.js';
import { NATIVE_ROWS, disposeThreads, getNumThreads, liveWorkers, setNumThreads, startPart, threadsSupported, wakeWorkers, workerJobs } from './pool.js';
import { ARGS, NARGS } from './gebp-part.js';
import { setBlas } from '../blas/native.js';

const defaultThreads = getNumThreads();
// these tests are about the WebAssembly kernels' own threads; a native BLAS (blas/native.test.ts) splits its own way
beforeAll(() => setBlas('wasm'));
afterAll(() => { setNumThreads(defaultThreads); setBlas('auto'); });

/** Runs `fn` at each thread count and returns its results. */
const atThreads = (counts: number[], fn: () => number[][]): number[][][] => counts.map((n) => { setNumThreads(n); return fn(); });

// shapes that split by column panels, by row panels (fewer panels than threads), and one too small to split
const matmulShapes: [number, number, number][] = [[200, 300, 260], [1500, 5, 600], [97, 33, 700], [4, 4, 4]];
const convCases = [
  { N: 3, C: 16, H: 20, W: 20, O: 24, k: 3, s: 1, p: 1 },
  { N: 2, C: 8, H: 17, W: 15, O: 40, k: 3, s: 2, p: 0 },
  // one image: the forward splits its columns across threads
  { N: 1, C: 8, H: 70, W: 66, O: 12, k: 3, s: 1, p: 1 },
];

// kernel threads need process.getBuiltinModule (Node >= 20.16 / 22.3) to reach worker_threads synchronously
const supported = threadsSupported();
if (!supported) console.log('[backend-cpu] kernel-thread tests skipped: this Node has no process.getBuiltinModule (Node >= 20.16 needed); kernels run on one thread');

describe.skipIf(!supported)('kernel threads', () => {
  it('defaults to the available cores and checks the count it is given', () => {
    expect(defaultThreads).toBe(availableParallelism());
    expect(() => setNumThreads(0)).toThrow(ValueError);
    expect(() => setNumThreads(1.5)).toThrow(/setNumThreads: expected a positive integer, got 1.5/);
    setNumThreads(3);
    expect(getNumThreads()).toBe(3);
  });

  it('runs each job once: a wake-up with no new job (a preempted caller\'s late notify) runs nothing', async () => {
    // a worker that took any wake-up for a job ran the last one again, over memory its caller had moved on
    // with: the cause of rare run-to-run differences in training on an oversubscribed machine
    setNumThreads(2);
    const a = t('float32', [200, 300], randn(200 * 300, 3)), b = t('float32', [300, 260], randn(300 * 260, 4));
    const mm = (): number[][] => run('matmul', [a, b], [['float32', [200, 260]]]);
    const first = mm(), jobs = workerJobs();
    expect(liveWorkers()).toBe(1);
    expect(jobs).toBeGreaterThan(0);
    const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
    for (let i = 0; i < 3; i++) {
      await pause(30); // the worker stops spinning and sleeps
      wakeWorkers();
    }
    await pause(100);
    expect(workerJobs()).toBe(jobs);
    expect(mm()).toEqual(first);
    expect(workerJobs()).toBeGreaterThan(jobs);
  });

  it('gives the GEMM kernel a shared memory', () => {
    expect(wasmGemm()?.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('matmul at 2, 3 and 4 threads equals the single-threaded result exactly, run after run', () => {
    for (const [M, N, K] of matmulShapes) {
      const a = t('float32', [M, K], randn(M * K, M)), b = t('float32', [K, N], randn(K * N, N));
      const mm = (): number[][] => run('matmul', [a, b], [['float32', [M, N]]]);
      const [one, ...rest] = atThreads([1, 2, 3, 4, 2], mm);
      // a sanity check on values: one entry against a float64 dot product
      const dot = Array.from({ length: K }, (_, k) => Number(a.buffer[k]!) * Number(b.buffer[k * N]!)).reduce((x, y) => x + y, 0);
      expect(one![0]![0]).toBeCloseTo(dot, 3);
      for (const r of rest) expect(r).toEqual(one);
    }
    setNumThreads(4);
    run('matmul', [t('float32', [128, 512], randn(128 * 512)), t('float32', [512, 256], randn(512 * 256))], [['float32', [128, 256]]]);
    expect(liveWorkers()).toBe(3);
    // fewer threads end the extra workers at once
    setNumThreads(2);
    expect(liveWorkers()).toBe(1);
    setNumThreads(1);
    expect(liveWorkers()).toBe(0);
  });

  it('conv2d and gradInput at 2 and 3 threads equal one thread exactly, gradWeight within float32 reordering; each the same run to run', () => {
    for (const c of convCases) {
      const Ho = Math.floor((c.H + 2 * c.p - c.k) / c.s) + 1, Wo = Math.floor((c.W + 2 * c.p - c.k) / c.s) + 1;
      const xs = [c.N, c.C, c.H, c.W], ws = [c.O, c.C, c.k, c.k], ys = [c.N, c.O, Ho, Wo];
      const x = t('float32', xs, randn(c.N * c.C * c.H * c.W, 1)), w = t('float32', ws, randn(c.O * c.C * c.k * c.k, 2));
      const gy = t('float32', ys, randn(c.N * c.O * Ho * Wo, 3)), bias = t('float32', [c.O], randn(c.O, 4));
      const attrs = { stride: [c.s, c.s], padding: [c.p, c.p], dilation: [1, 1], groups: 1, inputShape: xs, weightShape: ws };
      const all = (): number[][] => [
        ...run('conv2d', [x, w, bias], [['float32', ys]], attrs),
        ...run('conv2dBackwardInput', [gy, w], [['float32', xs]], attrs),
        ...run('conv2dBackwardWeight', [gy, x], [['float32', ws]], attrs),
      ];
      const [one, two, again, three] = atThreads([1, 2, 2, 3], all);
      expect(three!.slice(0, 2)).toEqual(one!.slice(0, 2));
      expectClose(three![2]!, one![2]!, 1e-4);
      expect(one!.every((r) => r.some((v) => v !== 0))).toBe(true);
      // forward and gradInput: each image is computed whole by one thread, the same way at any count
      expect(two!.slice(0, 2)).toEqual(one!.slice(0, 2));
      // gradWeight: each thread sums its own images, then the sums are added: float32 reordering only
      // (sums of ~1200 products of size ~0.3 that cancel to ~0.1: float32 error ~1e-5 of the terms)
      expectClose(two![2]!, one![2]!, 1e-4);
      expect(again).toEqual(two);
    }
  });

  it('conv2d and both gradients in float32 (per-image wasm path, threaded) match the float64 JS path past one K and one N block', () => {
    setNumThreads(2);
    // the last two pack the weight gradient's im2col four rows and four positions at a time (output rows a
    // multiple of 4 wide), over three K blocks and with a row stride of 2
    for (const c of [{ N: 3, C: 32, H: 65, W: 65, O: 5, g: 1 }, { N: 3, C: 4, H: 9, W: 7, O: 300, g: 1 }, { N: 2, C: 6, H: 8, W: 8, O: 4, g: 2 },
      { N: 2, C: 7, H: 32, W: 24, O: 6, g: 1 }, { N: 2, C: 5, H: 17, W: 20, O: 3, g: 1, sh: 2 }]) {
      const sh = c.sh ?? 1, Ho = Math.floor((c.H - 1) / sh) + 1;
      const xs = [c.N, c.C, c.H, c.W], ws = [c.O, c.C / c.g, 3, 3], ys = [c.N, c.O, Ho, c.W];
      const attrs = { stride: [sh, 1], padding: [1, 1], dilation: [1, 1], groups: c.g, inputShape: xs, weightShape: ws };
      const xv = randn(c.N * c.C * c.H * c.W, 7), wv = randn(ws.reduce((p, q) => p * q, 1), 8), gv = randn(c.N * c.O * Ho * c.W, 9), bv = randn(c.O, 10);
      const both = (dtype: 'float32' | 'float64'): number[][] => [
        ...run('conv2d', [t(dtype, xs, xv), t(dtype, ws, wv), t(dtype, [c.O], bv)], [[dtype, ys]], attrs),
        ...run('conv2dBackwardInput', [t(dtype, ys, gv), t(dtype, ws, wv)], [[dtype, xs]], attrs),
        ...run('conv2dBackwardWeight', [t(dtype, ys, gv), t(dtype, xs, xv)], [[dtype, ws]], attrs),
      ];
      const f32 = both('float32'), f64 = both('float64');
      for (let i = 0; i < 3; i++) {
        const worst = f32[i]!.reduce((m, v, k) => Math.max(m, Math.abs(v - f64[i]![k]!) / (1 + Math.abs(f64[i]![k]!))), 0);
        expect(worst).toBeLessThan(1e-4);
      }
    }
  });

  it('a part started on a kernel thread that fails leaves its units to the caller and turns threads off, with a warning', () => {
    setNumThreads(2);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      // a native row-block job given no native BLAS: the worker's part throws at once
      const job = startPart(wasmGemm()!, NATIVE_ROWS, new Int32Array(ARGS + NARGS), 0, 4);
      expect(job).not.toBeNull();
      expect(job!.until(1)).toBe(0);
      expect(job!.join()).toBe(false);
      expect(warn).toHaveBeenCalledWith('@flint/backend-cpu: a kernel thread could not run its part; continuing on one thread');
      expect(getNumThreads()).toBe(1);
      expect(liveWorkers()).toBe(0);
      expect(startPart(wasmGemm()!, NATIVE_ROWS, new Int32Array(ARGS + NARGS), 0, 4)).toBeNull();
    } finally {
      warn.mockRestore();
      setNumThreads(2);
    }
  });

  it('keeps working after its workers are disposed (they start again on demand)', () => {
    setNumThreads(2);
    const a = t('float32', [128, 256], randn(128 * 256, 5)), b = t('float32', [256, 128], randn(256 * 128, 6));
    const before = run('matmul', [a, b], [['float32', [128, 128]]]);
    disposeThreads();
    expect(liveWorkers()).toBe(0);
    expect(run('matmul', [a, b], [['float32', [128, 128]]])).toEqual(before);
  });

  it('lets a process that used kernel threads exit on its own, also when it ends with an error', () => {
    const code = `import { createCpuBackend, setNumThreads, getNumThreads } from '$src/index.ts';
setNumThreads(3);
const b = createCpuBackend(), n = 256, mk = () => ({ buffer: new Float32Array(n * n).fill(1), dtype: 'float32' as const, shape: [n, n], strides: [n, 1], offset: 0 });
const out = mk();
b.kernels.matmul!([mk(), mk()], [out], {});
const img = { buffer: new Float32Array(4 * 8 * 20 * 20).fill(1), dtype: 'float32' as const, shape: [4, 8, 20, 20], strides: [3200, 400, 20, 1], offset: 0 };
const wt = { buffer: new Float32Array(16 * 8 * 9).fill(1), dtype: 'float32' as const, shape: [16, 8, 3, 3], strides: [72, 9, 3, 1], offset: 0 };
const y = { ...img, buffer: new Float32Array(4 * 16 * 20 * 20), shape: [4, 16, 20, 20], strides: [6400, 400, 20, 1] };
b.kernels.conv2d!([img, wt], [y], { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 });
console.log('threads', getNumThreads(), 'c00', out.buffer[0], 'y', y.buffer[21]);
if (process.argv.includes('fail')) throw new Error('ended early');
`;
    // keepNames as tsx and vitest compile: the workers' source must survive esbuild's name helper
    const ok = runBundled(code);
    expect(ok).toEqual({ stdout: 'threads 3 c00 256 y 72\n', status: 0 });
    expect(runBundled(code, [], ['fail']).status).toBe(1);
    // from `node --input-type=module -e`: the workers must not inherit that flag (their code is a script)
    expect(runBundled(code, [], [], { evalModule: true })).toEqual({ stdout: 'threads 3 c00 256 y 72\n', status: 0 });
  });
});
