// The optional native GEMM: matmul and convolution on a system BLAS equal the WebAssembly kernels within
// float32 reordering, and every way of not having one falls back to them silently.
import { afterAll, describe, expect, it } from 'vitest';
import { ValueError, conv2d, conv2dBackwardInput, conv2dBackwardWeight, gruSequence, gruSequenceBackward, lstmSequence, lstmSequenceBackward, manualSeed, matmul, rand, randn, runKernel, type Tensor } from '@flint/core';
import { getBlas, setBlas, setNumThreads, getNumThreads } from '../index.js';
import { asyncParts, liveWorkers } from '../threads/pool.js';
import { setBlasConvMinimum, setNativeConvThreads } from '../kernels/conv-blas.js';

// the convolutions here are small: run them on the native path anyway (it normally starts at 4M multiply-adds per image)
const convMinimum = setBlasConvMinimum(0);
// these cases test the batch split across kernel threads (conv-blas.ts), whatever FLINT_NATIVE_CONV_THREADS says
const splitBefore = setNativeConvThreads(true);
afterAll(() => { setBlas('auto'); setBlasConvMinimum(convMinimum); setNativeConvThreads(splitBefore); });

// CI installs OpenBLAS (libopenblas0); elsewhere these cases say why they did not run
const LIB = process.platform === 'linux' ? 'libopenblas.so.0' : process.platform === 'darwin' ? '/System/Library/Frameworks/Accelerate.framework/Accelerate' : 'libopenblas.dll';
const available = setBlas({ path: LIB });
setBlas('auto');
const withLib = available.kind === 'native' ? it : it.skip;
if (available.kind !== 'native') console.log(`native BLAS cases skipped: ${available.reason}`);

const values = (t: Tensor): number[] => Array.from(t.dataSync() as ArrayLike<number>);

/** Runs `make` on the native GEMM and on the WebAssembly one (same random inputs) and compares the results. */
function compare(make: () => Tensor[], tol: number): void {
  setBlas({ path: LIB });
  expect(getBlas().kind).toBe('native');
  manualSeed(3);
  const native = make().map(values);
  setBlas('wasm');
  manualSeed(3);
  const wasm = make().map(values);
  expect(native.map((v) => v.length)).toEqual(wasm.map((v) => v.length));
  native.forEach((v, i) => v.forEach((x, j) => {
    const y = wasm[i]![j]!;
    if (Math.abs(x - y) > tol * (1 + Math.abs(y))) throw new Error(`output ${i}[${j}]: native ${x} vs wasm ${y}`);
  }));
}

describe('native BLAS', () => {
  withLib(`reports the library it uses (${LIB})`, () => {
    const info = setBlas({ path: LIB });
    expect(info).toMatchObject({ kind: 'native', library: LIB });
  });

  withLib('auto always picks an installed optimised library: no timing decides it, so a run keeps its GEMM (and its bits)', () => {
    // the choice once raced a 160³ product against the WebAssembly GEMM, and a busy machine could flip it
    const env = process.env.FLINT_BLAS;
    delete process.env.FLINT_BLAS; // CI's second pass sets FLINT_BLAS=off, which 'auto' honours
    try {
      for (let k = 0; k < 20; k++) expect(setBlas('auto')).toMatchObject({ kind: 'native', library: LIB });
    } finally { if (env !== undefined) process.env.FLINT_BLAS = env; setBlas('auto'); }
  });

  for (const dtype of ['float32', 'float64'] as const) {
    withLib(`matmul (${dtype}): plain, transposed either side, strided rows, batched with broadcast, vectors`, () => {
      const tol = dtype === 'float32' ? 2e-5 : 1e-12, o = { dtype };
      compare(() => [
        matmul(randn([37, 53], o), randn([53, 29], o)),
        matmul(randn([53, 37], o).t(), randn([29, 53], o).t()),
        matmul(randn([37, 80], o).narrow(1, 5, 53), randn([53, 40], o).narrow(1, 3, 29)),
        matmul(randn([4, 1, 6, 7], o), randn([3, 7, 5], o)),
        matmul(randn([1, 7], o), randn([7, 1], o)),
        matmul(randn([5, 0], o), randn([0, 3], o)),
      ], tol);
    });

    withLib(`conv2d and both backward kernels (${dtype}): padding, stride, dilation, groups, 1x1`, () => {
      const tol = dtype === 'float32' ? 5e-5 : 1e-12, o = { dtype };
      const cases: [number[], number[], { stride?: number[]; padding?: number[]; dilation?: number[]; groups?: number }][] = [
        [[3, 4, 9, 8], [6, 2, 3, 2], { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 }],
        [[2, 5, 7, 7], [8, 5, 3, 3], { padding: [1, 1] }],
        [[2, 6, 5, 6], [4, 6, 1, 1], {}],
        [[2, 6, 6, 6], [4, 6, 1, 1], { stride: [2, 2] }],
        [[1, 3, 4, 4], [2, 3, 5, 5], { padding: [2, 2] }],
        [[2, 3, 6, 5], [4, 3, 3, 3], { padding: [2, 2], dilation: [2, 2] }],
        // at most half as many output channels as input ones: the forward without im2col
        [[3, 8, 7, 6], [4, 8, 3, 3], { padding: [1, 2], dilation: [2, 1] }],
        [[2, 12, 6, 7], [4, 6, 3, 2], { groups: 2 }],
        [[2, 6, 5, 5], [3, 6, 2, 2], {}],
      ];
      compare(() => cases.flatMap(([xs, ws, opts]) => {
        const x = randn(xs, o), w = randn(ws, o), b = randn([ws[0]!], o);
        const y = conv2d(x, w, b, opts as never), gy = randn(y.shape, o);
        return [y, conv2d(x, w, null, opts as never), conv2dBackwardInput(gy, w, x.shape, opts as never), conv2dBackwardWeight(gy, x, w.shape, opts as never)];
      }), tol);
    });
  }

  for (const dtype of ['float32', 'float64'] as const) {
    withLib(`the GRU sequence kernels (${dtype}): forward, training forward and backward through time`, () => {
      const tol = dtype === 'float32' ? 2e-5 : 1e-12, o = { dtype }, T = 6, B = 3, I = 5, H = 4;
      compare(() => {
        const x = randn([T, B, I], o), h0 = randn([B, H], o), wIh = randn([3 * H, I], o), wHh = randn([3 * H, H], o), bIh = randn([3 * H], o), bHh = randn([3 * H], o);
        const inf = gruSequence(x, h0, { wIh, wHh, bIh, bHh, reverse: true });
        const spec = (shape: number[]) => ({ shape, dtype });
        const [out, hN, ws] = runKernel('gruSequenceTrain', 'cpu', [x, h0, wIh, wHh, bIh, bHh], [spec([T, B, H]), spec([B, H]), spec([T, 4, B, H])], { reverse: false });
        const ws2 = rand([T, 4, B, H], o), r = gruSequenceBackward(randn([T, B, H], o), randn([T, B, H], o), wHh, ws2, { reverse: true });
        return [inf.output, inf.h, out!, hN!, ws!, r.gradXGates, r.gradHGates, r.gradH0];
      }, tol);
    });
    withLib(`the LSTM sequence kernels (${dtype}): forward, training forward and backward through time`, () => {
      const tol = dtype === 'float32' ? 2e-5 : 1e-12, o = { dtype }, T = 6, B = 3, I = 5, H = 4;
      compare(() => {
        const x = randn([T, B, I], o), h0 = randn([B, H], o), c0 = randn([B, H], o), wIh = randn([4 * H, I], o), wHh = randn([4 * H, H], o), bIh = randn([4 * H], o), bHh = randn([4 * H], o);
        const inf = lstmSequence(x, h0, c0, { wIh, wHh, bIh, bHh, reverse: true });
        const spec = (shape: number[]) => ({ shape, dtype });
        const outs = runKernel('lstmSequenceTrain', 'cpu', [x, h0, c0, wIh, wHh, bIh, bHh], [spec([T, B, H]), spec([B, H]), spec([B, H]), spec([T, 6, B, H])], { reverse: false });
        const r = lstmSequenceBackward(randn([T, B, H], o), randn([B, H], o), c0, wHh, rand([T, 6, B, H], o), { reverse: true });
        return [inf.output, inf.h, inf.c, ...outs, r.gradGates, r.gradH0, r.gradC0];
      }, tol);
    });
  }

  withLib('at 2 threads gives the same bits run after run', () => {
    const before = getNumThreads();
    try {
      setNumThreads(2);
      setBlas({ path: LIB });
      manualSeed(9);
      const a = randn([300, 400]), b = randn([400, 300]);
      expect(values(matmul(a, b))).toEqual(values(matmul(a, b)));
    } finally { setNumThreads(before); }
  });

  for (const dtype of ['float32', 'float64'] as const) {
    withLib(`GRU and LSTM layers (${dtype}) at 2 threads project their inputs on a kernel thread during the loop: 1 thread's results within reordering, the same bits run to run`, () => {
      // float32: 37 recurrent steps carry the projections' reordering forward (1.2e-5 at worst, on a Haswell-kernel
      // OpenBLAS 0.3.21 on an AMD EPYC), so the bound is a few times that
      const before = getNumThreads(), o = { dtype }, tol = dtype === 'float32' ? 5e-5 : 1e-13, T = 37, B = 16, I = 300, H = 40;
      const spec = (shape: number[]) => ({ shape, dtype });
      try {
        setBlas({ path: LIB });
        const at = (n: number): number[][] => {
          setNumThreads(n);
          manualSeed(6);
          const x = randn([T, B, I], o), h0 = randn([B, H], o), c0 = randn([B, H], o);
          const w3 = { wIh: randn([3 * H, I], o), wHh: randn([3 * H, H], o), bIh: randn([3 * H], o), bHh: randn([3 * H], o) };
          const w4 = { wIh: randn([4 * H, I], o), wHh: randn([4 * H, H], o), bIh: randn([4 * H], o), bHh: randn([4 * H], o) };
          return [false, true].flatMap((reverse) => {
            const g = gruSequence(x, h0, { ...w3, reverse }), l = lstmSequence(x, h0, c0, { ...w4, bIh: null, bHh: null, reverse });
            const gt = runKernel('gruSequenceTrain', 'cpu', [x, h0, w3.wIh, w3.wHh], [spec([T, B, H]), spec([B, H]), spec([T, 4, B, H])], { reverse });
            const lt = runKernel('lstmSequenceTrain', 'cpu', [x, h0, c0, w4.wIh, w4.wHh, w4.bIh, w4.bHh], [spec([T, B, H]), spec([B, H]), spec([B, H]), spec([T, 6, B, H])], { reverse });
            return [g.output, g.h, l.output, l.h, l.c, ...gt, ...lt].map(values);
          });
        };
        const one = at(1), jobs = asyncParts(), two = at(2);
        // 2 directions x (2 inference layers + 2 training ones)
        expect(asyncParts() - jobs).toBe(8);
        expect(at(2)).toEqual(two);
        one.forEach((v, i) => v.forEach((y, j) => {
          const x = two[i]![j]!;
          if (Math.abs(x - y) > tol * (1 + Math.abs(y))) throw new Error(`output ${i}[${j}]: 2 threads ${x} vs 1 thread ${y}`);
        }));
      } finally { setNumThreads(before); }
    });

    withLib(`convolutions (${dtype}) split across 2 and 3 kernel threads by image: the same as 1 thread, and run to run`, () => {
      const before = getNumThreads(), o = { dtype }, tol = dtype === 'float32' ? 1e-5 : 1e-13;
      const cases: [number[], number[], { stride?: number[]; padding?: number[]; groups?: number }][] = [
        [[5, 4, 9, 8], [6, 2, 3, 3], { padding: [1, 1], groups: 2 }],
        [[4, 6, 7, 7], [4, 6, 1, 1], {}],
        [[3, 3, 9, 9], [5, 3, 3, 3], { stride: [2, 2], padding: [1, 0] }],
        [[5, 8, 6, 7], [4, 8, 3, 3], { padding: [1, 1] }],
      ];
      try {
        setBlas({ path: LIB });
        const at = (n: number): number[][] => {
          setNumThreads(n);
          manualSeed(5);
          return cases.flatMap(([xs, ws, opts]) => {
            const x = randn(xs, o), w = randn(ws, o), b = randn([ws[0]!], o), y = conv2d(x, w, b, opts as never), gy = randn(y.shape, o);
            return [y, conv2dBackwardInput(gy, w, x.shape, opts as never), conv2dBackwardWeight(gy, x, w.shape, opts as never)].map(values);
          });
        };
        const one = at(1), two = at(2);
        expect(liveWorkers()).toBeGreaterThan(0);
        const three = at(3);
        expect(at(3)).toEqual(three);
        for (const other of [two, three]) {
          other.forEach((v, i) => {
            // forward and input gradient: each image's products are the same calls whatever the split;
            // weight gradient: the parts' sums are added at the end, a float reordering
            if (i % 3 !== 2) expect(v).toEqual(one[i]);
            else v.forEach((x, j) => expect(Math.abs(x - one[i]![j]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(x))));
          });
        }
      } finally { setNumThreads(before); }
    });
  }

  it('falls back to the WebAssembly GEMM when the library is missing, saying why in getBlas()', () => {
    const info = setBlas({ path: '/nonexistent/libnoblas.so' });
    expect(info.kind).toBe('wasm');
    expect(info.reason).toContain('/nonexistent/libnoblas.so');
    manualSeed(1);
    const a = randn([3, 4]), b = randn([4, 2]);
    const A = a.dataSync() as Float32Array, B = b.dataSync() as Float32Array;
    const want = [0, 1, 2].map((i) => [0, 1].map((j) => [0, 1, 2, 3].reduce((s, k) => s + A[i * 4 + k]! * B[k * 2 + j]!, 0)));
    values(matmul(a, b)).forEach((v, k) => expect(v).toBeCloseTo(want[Math.floor(k / 2)]![k % 2]!, 5));
  });

  it("FLINT_BLAS=off and setBlas('wasm') keep the WebAssembly GEMM; a bad choice is a ValueError", () => {
    const env = process.env.FLINT_BLAS;
    try {
      process.env.FLINT_BLAS = 'off';
      expect(setBlas('auto')).toEqual({ kind: 'wasm', reason: 'FLINT_BLAS=off' });
    } finally {
      if (env === undefined) delete process.env.FLINT_BLAS; else process.env.FLINT_BLAS = env;
    }
    expect(setBlas('wasm')).toEqual({ kind: 'wasm', reason: "setBlas('wasm')" });
    expect(() => setBlas('mkl' as never)).toThrow(ValueError);
    expect(() => setBlas('mkl' as never)).toThrow(/setBlas: expected 'auto', 'wasm' or \{ path: string \}/);
  });
});
