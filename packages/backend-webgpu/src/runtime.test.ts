// The runtime on a real WebGPU device (lavapipe in CI): dtypes refused and stored, batching, the buffer
// pool, deferred faults, and tensors past maxStorageBufferBindingSize. Skipped with the reason without WebGPU.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostArray, Tensor } from '@flint/core';
import { BackendError, DTypeError, IndexError, adamStep, arange, avgPool2d, batchNorm, batchNormBackward, conv2d, conv2dBackwardInput, conv2dBackwardWeight, crossEntropy, full, gather, gruSequence, layerNorm, lstmSequence, logSoftmax, matmul, maxPool2d, memory, ones, removeBackend, scaledDotProductAttention, sgdStep, softmax, tensor } from '@flint/core';
import '@flint/backend-cpu';
import type { WebGPUBackend } from './index.js';
import { initWebGPU } from './index.js';
import { probeWebGPU } from './testing.js';

/** A read's values as an array (bigints for int64). */
const list = (d: HostArray): (number | bigint)[] => Array.from(d as ArrayLike<number | bigint>);

/** Whether two tensors' values agree within `tol`, relative and absolute. */
async function close(a: Tensor, b: Tensor, tol: number): Promise<boolean> {
  const [x, y] = [list(await a.data()).map(Number), list(await b.data()).map(Number)];
  return x.length === y.length && x.every((v, i) => Math.abs(v - y[i]!) <= tol * (1 + Math.abs(y[i]!)));
}

const why = await probeWebGPU();
if (why) console.log(`webgpu runtime tests skipped: ${why}`);
const device = 'webgpu-rt';

describe.skipIf(why !== undefined)('webgpu runtime', () => {
  let b: WebGPUBackend;
  beforeAll(async () => { b = await initWebGPU({ name: device }); });
  afterAll(() => removeBackend(device));

  it('initWebGPU again returns the backend already registered under the name', async () => {
    expect(await initWebGPU({ name: device })).toBe(b);
  });

  it('refuses float64 with a DTypeError that points to the CPU backend', () => {
    expect(() => tensor([1, 2], { dtype: 'float64', device })).toThrow(DTypeError);
    expect(() => tensor([1, 2], { dtype: 'float64', device })).toThrow(/float64.*CPU backend/);
  });

  it('stores float16, bfloat16, int64, uint8 and bool, and computes them through their compute dtypes', async () => {
    const h = tensor([1.5, -2.25, 65504, 1e-3], { dtype: 'float16', device });
    expect(list(await h.add(1).data())).toEqual([2.5, -1.25, 65504, 1.0009765625]);
    const big = tensor([2n ** 40n, -3n], { dtype: 'int64', device });
    expect(list(await big.data())).toEqual([2n ** 40n, -3n]);
    const u = tensor([250, 3], { dtype: 'uint8', device });
    expect(list(await u.add(10).data())).toEqual([4, 13]);
    expect(list(await tensor([1, 0, 2], { device }).gt(0.5).data())).toEqual([1, 0, 1]);
    for (const t of [h, big, u]) t.dispose();
  });

  it('encodes many dispatches per submission and reuses pooled buffers once the queue has passed them', async () => {
    let x = ones([64], { device });
    await x.data();
    const before = b.stats;
    for (let i = 0; i < 200; i++) { const y = x.add(1); x.dispose(); x = y; }
    expect(list(await x.data()).every((v) => v === 201)).toBe(true);
    const after = b.stats;
    expect(after.dispatches - before.dispatches).toBeGreaterThanOrEqual(200);
    expect(after.submits - before.submits).toBeLessThan(20);
    // the chain frees each step's input: after the first few, buffers come from the pool
    const created = after.buffersCreated;
    for (let i = 0; i < 200; i++) { const y = x.add(1); x.dispose(); x = y; }
    await x.data();
    expect(b.stats.buffersCreated - created).toBeLessThan(10);
    x.dispose();
  });

  it('reports an index out of range found on the device at the next read, as an IndexError naming the op', async () => {
    const src = arange(0, 4, 1, { device, dtype: 'float32' });
    const idx = tensor([0, 7], { dtype: 'int64', device });
    const out = gather(src, 0, idx);
    const e = await out.data().then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(IndexError);
    expect(String(e)).toMatch(/gather: index 7 is out of range/);
    for (const t of [src, idx, out]) t.dispose();
    // the fault is reported once; the device goes on
    expect(list(await full([2], 3, { device }).data())).toEqual([3, 3]);
  });

  it('works on tensors larger than maxStorageBufferBindingSize (elementwise, creation, contiguous copy)', async () => {
    const n = Math.floor(b.device.limits.maxStorageBufferBindingSize / 4) + 4096 * 3 + 5; // just past one binding
    const x = arange(0, n, 1, { device, dtype: 'int32' });
    const y = x.add(1);
    const tail = y.narrow(0, n - 3, 3);
    expect(list(await tail.data())).toEqual([n - 2, n - 1, n]);
    // a kernel that still binds whole buffers fails with a BackendError naming it, its shapes and the limit
    const src = x.narrow(0, 0, 4).to('float32'), idx = full([n], 1, { device, dtype: 'int32' });
    const g = gather(src, 0, idx);
    const e = await g.data().then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(BackendError);
    expect(String(e)).toMatch(/webgpu: gather \(float32\[4\], int32\[\d+\] -> float32\[\d+\]\) failed: .*binding size/i);
    for (const v of [x, y, tail, src, idx, g]) v.dispose();
  }, 60_000);

  it('splits matmul, strided copies, casts, convolutions, pooling, reductions, norms, attention and optimizer steps into windows when operands pass the binding limit', async () => {
    // a 4 KiB limit makes these small operands take the chunked paths that large tensors take
    const small = await initWebGPU({ name: `${device}-small`, maxBindingBytes: 4096 });
    try {
      const cases: [number[], number[]][] = [[[3, 100, 40], [40, 30]], [[1, 300, 50], [50, 20]], [[2, 70, 9], [2, 9, 70]]];
      for (const [sa, sb] of cases) {
        const a = arange(0, sa.reduce((p, q) => p * q), 1, { device: 'cpu', dtype: 'float32' }).remainder(7).reshape(sa);
        const bb = arange(0, sb.reduce((p, q) => p * q), 1, { device: 'cpu', dtype: 'float32' }).remainder(5).reshape(sb);
        const want = matmul(a, bb);
        const ga = a.to(small.name), gb = bb.to(small.name);
        const got = matmul(ga, gb);
        expect(list(await got.data())).toEqual(list(await want.data()));
        const tr = ga.transpose(-1, -2).contiguous(); // strided copy in windows
        expect(list(await tr.data())).toEqual(list(await a.transpose(-1, -2).contiguous().data()));
        const asInt = ga.to('int32'); // cast in windows
        expect(list(await asInt.data())).toEqual(list(await a.to('int32').data()));
        for (const t of [a, bb, want, ga, gb, got, tr, asInt]) t.dispose();
      }
      // convolutions in chunks of images (1.7 KiB of y per image: chunks of 2): forward with bias, both backward kernels
      const opts = { stride: [2, 1] as [number, number], padding: [1, 1] as [number, number], groups: 2 };
      const host = (shape: number[], m: number) => arange(0, shape.reduce((p, q) => p * q), 1, { device: 'cpu', dtype: 'float32' }).remainder(m).sub(m / 2).reshape(shape);
      const x = host([5, 2, 12, 12], 7), w = host([6, 1, 3, 3], 5), bias = host([6], 3);
      const y = conv2d(x, w, bias, opts);
      const gy = host(y.shape as number[], 4);
      const gx = conv2dBackwardInput(gy, w, x.shape, opts), gw = conv2dBackwardWeight(gy, x, w.shape, opts);
      const on = [x, w, bias, gy].map((t) => t.to(small.name));
      const yS = conv2d(on[0]!, on[1]!, on[2]!, opts);
      const gxS = conv2dBackwardInput(on[3]!, on[1]!, x.shape, opts), gwS = conv2dBackwardWeight(on[3]!, on[0]!, w.shape, opts);
      for (const [s, c] of [[yS, y], [gxS, gx], [gwS, gw]] as const) {
        expect(await close(s, c, 1e-4)).toBe(true);
      }
      for (const t of [x, w, bias, y, gy, gx, gw, ...on, yS, gxS, gwS]) t.dispose();
      // pooling in chunks of planes, reductions in chunks of rows and, for rows past the limit, in segments
      const img = host([3, 4, 20, 20], 9), gImg = img.to(small.name);
      const cls = arange(0, 240, 1, { device: 'cpu', dtype: 'int64' }).remainder(20), gCls = cls.to(small.name);
      const pairs: [Tensor, Tensor][] = [
        [maxPool2d(gImg, 3, { stride: 2, padding: 1 }), maxPool2d(img, 3, { stride: 2, padding: 1 })],
        [avgPool2d(gImg, 3, { stride: 2, padding: 1 }), avgPool2d(img, 3, { stride: 2, padding: 1 })],
        [gImg.sum([2, 3]), img.sum([2, 3])], [gImg.cumsum(-1), img.cumsum(-1)], [softmax(gImg, -1), softmax(img, -1)], [logSoftmax(gImg.reshape([12, 400]), 1), logSoftmax(img.reshape([12, 400]), 1)],
        [layerNorm(gImg, [20]), layerNorm(img, [20])],
        [crossEntropy(gImg.reshape([240, 20]), gCls), crossEntropy(img.reshape([240, 20]), cls)],
        // attention: scores [3, 80, 20] pass the limit (rows in chunks; causal by the global query row)
        [scaledDotProductAttention(gImg.reshape([3, 80, 20]), gImg.reshape([3, 80, 20]).narrow(1, 0, 20), gImg.reshape([3, 80, 20]).narrow(1, 20, 20), { isCausal: true }),
          scaledDotProductAttention(img.reshape([3, 80, 20]), img.reshape([3, 80, 20]).narrow(1, 0, 20), img.reshape([3, 80, 20]).narrow(1, 20, 20), { isCausal: true })],
        [crossEntropy(gImg.reshape([240, 20]), gCls, { reduction: 'none' }), crossEntropy(img.reshape([240, 20]), cls, { reduction: 'none' })], [gImg.amax(-1), img.amax(-1)], [gImg.sum(), img.sum()], [gImg.argmax(-1), img.argmax(-1)],
      ];
      for (const [s, c] of pairs) {
        expect(await close(s, c, 1e-4)).toBe(true);
        s.dispose(); c.dispose();
      }
      // batch norm in chunks of images: training statistics, eval, and the backward kernel
      const bn = host([6, 4, 8, 8], 11), gBn = bn.to(small.name); // 1 KiB per image: chunks of 3
      const bw = host([4], 3), bb = host([4], 2), rmean = host([4], 2), rvar = host([4], 3).abs().add(0.5);
      const gArgs = [bw, bb, rmean, rvar].map((t) => t.to(small.name));
      for (const training of [true, false]) {
        const c = batchNorm(bn, rmean.clone(), rvar.clone(), { weight: bw, bias: bb, training });
        const gpuRm = gArgs[2]!.clone(), gpuRv = gArgs[3]!.clone();
        const s = batchNorm(gBn, gpuRm, gpuRv, { weight: gArgs[0]!, bias: gArgs[1]!, training });
        expect(await close(s, c, 1e-4)).toBe(true);
        for (const t of [c, s, gpuRm, gpuRv]) t.dispose();
      }
      const [xr, gyr] = [bn.reshape([6, 4, 64]), host([6, 4, 64], 5)];
      const mean = xr.mean([0, 2]), invstd = xr.var([0, 2], false, { correction: 0 }).add(1e-5).rsqrt();
      const want = batchNormBackward(gyr, xr, bw, mean, invstd);
      const onS = [gyr, xr, bw, mean, invstd].map((t) => t.to(small.name));
      const got = batchNormBackward(onS[0]!, onS[1]!, onS[2]!, onS[3]!, onS[4]!);
      for (const k of ['gradInput', 'gradWeight', 'gradBias'] as const) {
        expect(await close(got[k], want[k], 1e-3)).toBe(true);
      }
      // the fused optimizer steps in element chunks, against the same steps on the CPU
      const p0 = host([3000], 13), g0 = host([3000], 7);
      const cpuState = [p0.clone(), p0.mul(0), p0.mul(0)], gpuState = cpuState.map((t) => t.to(small.name)), gG = g0.to(small.name);
      const adamOpts = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step: 1, amsgrad: false, maximize: false, decoupled: true };
      adamStep(cpuState[0]!, g0, cpuState[1]!, cpuState[2]!, null, adamOpts);
      adamStep(gpuState[0]!, gG, gpuState[1]!, gpuState[2]!, null, adamOpts);
      const sgdOpts = { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0, maximize: false, firstStep: false };
      sgdStep(cpuState[0]!, g0, cpuState[1]!, sgdOpts);
      sgdStep(gpuState[0]!, gG, gpuState[1]!, sgdOpts);
      for (let k = 0; k < 3; k++) {
        expect(await close(gpuState[k]!, cpuState[k]!, 1e-5)).toBe(true);
      }
      for (const t of [p0, g0, gG, ...cpuState, ...gpuState]) t.dispose();
      for (const t of [img, gImg, cls, gCls, bn, gBn, bw, bb, rmean, rvar, ...gArgs, xr, gyr, mean, invstd, ...onS, ...Object.values(want), ...Object.values(got)]) t.dispose();
    } finally {
      removeBackend(small.name);
    }
  });

  it('runs whole GRU and LSTM layers (gruSequence, lstmSequence) as the CPU does, forward and reverse', async () => {
    const host = (shape: number[], m: number) => arange(0, shape.reduce((p, q) => p * q), 1, { device: 'cpu', dtype: 'float32' }).remainder(m).sub(m / 2).mul(0.1).reshape(shape);
    const [T, B, I, H] = [5, 3, 4, 6];
    for (const lstm of [false, true]) {
      for (const reverse of [false, true]) {
        for (const bias of [true, false]) {
          const G = (lstm ? 4 : 3) * H;
          const cpu = { x: host([T, B, I], 7), h0: host([B, H], 5), c0: host([B, H], 3), wIh: host([G, I], 11), wHh: host([G, H], 13), bIh: host([G], 3), bHh: host([G], 4) };
          const gpu = Object.fromEntries(Object.entries(cpu).map(([k, t]) => [k, t.to(device)])) as typeof cpu;
          const layer = (a: typeof cpu) => {
            const w = { wIh: a.wIh, wHh: a.wHh, bIh: bias ? a.bIh : null, bHh: bias ? a.bHh : null, reverse };
            return lstm ? lstmSequence(a.x, a.h0, a.c0, w) : gruSequence(a.x, a.h0, w);
          };
          const [want, got] = [layer(cpu), layer(gpu)];
          for (const k of Object.keys(want) as (keyof typeof want)[]) expect(await close(got[k], want[k], 1e-5), `${lstm ? 'lstm' : 'gru'} ${k}`).toBe(true);
          for (const t of [...Object.values(cpu), ...Object.values(gpu), ...Object.values(want), ...Object.values(got)]) t.dispose();
        }
      }
    }
    expect(b.kernels.gruSequence).toBeTypeOf('function');
  });

  it('gives back every buffer: memory() returns to where it started', () => {
    const d = memory().devices[device];
    expect(d?.tensors ?? 0).toBe(0);
  });

  it('turns a lost device into a BackendError on every later call', async () => {
    const lost = await initWebGPU({ name: `${device}-lost` });
    try {
      const x = full([4], 2, { device: lost.name });
      expect(list(await x.data())).toEqual([2, 2, 2, 2]);
      lost.device.destroy(); // as a driver reset or a browser tab in the background would
      await lost.device.lost;
      expect(() => full([4], 1, { device: lost.name })).toThrow(/device was lost/);
      await expect(x.data()).rejects.toThrow(BackendError);
      expect(lost.lost).toBe(true);
      // a lost device is replaced by the next initWebGPU under its name
      const again = await initWebGPU({ name: lost.name });
      expect(again).not.toBe(lost);
      const five = full([2], 5, { device: lost.name });
      expect(list(await five.data())).toEqual([5, 5]);
      five.dispose();
    } finally {
      removeBackend(lost.name);
    }
  });
});
