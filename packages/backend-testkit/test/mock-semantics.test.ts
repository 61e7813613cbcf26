// What makes the mock GPU GPU-shaped, and that core lives with it: queued kernels, releases while work
// is pending, copied writes, deferred index errors, int64 computed as int32, dense elementwise inputs,
// no synchronous reads, device timing.
import { afterAll, describe, expect, it } from 'vitest';
import * as F from '@flint/core';
import { createMinimalBackend } from '../src/reference/minimal.js';
import type { MockBuffer, MockGpu } from '../src/mock.js';
import { createMockGpu, registerMockGpu } from '../src/mock.js';

const device = registerMockGpu({ name: 'mockgpu-semantics' });
const gpu = (): MockGpu => F.getBackend(device) as unknown as MockGpu;
// a host-side device that reads synchronously, like the CPU
F.registerBackend('host', () => ({ ...createMinimalBackend({ syncRead: true }), name: 'host' }));
afterAll(() => { F.removeBackend(device); F.removeBackend('host'); });

describe('the mock GPU', () => {
  it('queues kernels and runs them only when a result is read', async () => {
    const ran = gpu().stats.executed;
    const x = F.tensor([1, 2, 3], { device });
    const y = x.mul(2).add(1).exp().log();
    expect(gpu().pending).toBeGreaterThanOrEqual(5);
    expect(gpu().stats.executed).toBe(ran);
    expect(Array.from(await y.data())).toEqual([3, 5, 7]);
    expect(gpu().pending).toBe(0);
    x.dispose(); y.dispose();
  });

  it('keeps a buffer released while queued work uses it until that work has run', async () => {
    const start = F.memory().devices[device]!;
    const before = gpu().stats.releasedWhilePending;
    const a = F.tensor([[1, 2], [3, 4]], { device });
    // the transpose is copied dense for add, and the copy released at once; then a goes too
    const b = F.scope(() => a.t().add(10));
    a.dispose();
    expect(gpu().stats.releasedWhilePending).toBeGreaterThan(before);
    expect(await b.tolist()).toEqual([[11, 13], [12, 14]]);
    b.dispose();
    const end = F.memory().devices[device]!;
    expect([end.tensors, end.bytes, end.backendBytes]).toEqual([start.tensors, start.bytes, start.backendBytes]);
  });

  it('copies host data at write: the caller may reuse its array at once', async () => {
    const host = new Float32Array([1, 2, 3]);
    const t = F.tensor(host, { device });
    host.fill(99);
    expect(Array.from(await t.data())).toEqual([1, 2, 3]);
    t.dispose();
  });

  it('reports an out-of-range index as an IndexError at the next read, then carries on', async () => {
    const x = F.tensor([1, 2, 3], { device });
    const bad = F.gather(x, 0, F.tensor([0n, 5n], { device }));
    await expect(bad.data()).rejects.toThrow(F.IndexError);
    const ce = F.crossEntropy(F.zeros([2, 3], { device }), F.tensor([1n, 7n], { device }));
    await expect(F.synchronize(device)).rejects.toThrow(/crossEntropy: target 7 is out of bounds for 3 classes/);
    expect(Array.from(await F.gather(x, 0, F.tensor([2n], { device })).data())).toEqual([3]);
    void ce;
  });

  it('stores int64 but computes it as int32, showing PyTorch\'s dtypes', async () => {
    const x = F.tensor([[3, 9, 1], [7, 2, 8]], { device });
    const idx = x.argmax(1);
    expect(idx.dtype).toBe('int64');
    expect(Array.from(await idx.data(), Number)).toEqual([1, 2]);
    const n = F.arange(5, { device });
    expect(n.dtype).toBe('int64');
    const s = n.add(1).sum();
    expect([s.dtype, Number(await s.item())]).toEqual(['int64', 15]);
    expect(await idx.eq(F.tensor([1n, 2n], { device })).all().item()).toBe(true);
    // the contract check refuses an int64 compute kernel call outright
    const b = createMockGpu();
    const buf = b.allocate('int64', 2);
    const view = { buffer: buf, dtype: 'int64' as const, shape: [2], strides: [1], offset: 0 };
    expect(() => b.kernels.add!([view, view], [view], {})).toThrow(/add: input 'a' is int64, which the backend does not compute in/);
  });

  it('gives elementwise kernels dense inputs only, and refuses strided ones', async () => {
    const m = F.arange(6, { device, dtype: 'float32' }).reshape([2, 3]);
    expect(await m.t().mul(m.t()).tolist()).toEqual([[0, 9], [1, 16], [4, 25]]);
    const b = createMockGpu();
    const buf: MockBuffer = b.allocate('float32', 6);
    const strided = { buffer: buf, dtype: 'float32' as const, shape: [3, 2], strides: [1, 3], offset: 0 };
    const dense = { ...strided, strides: [2, 1] };
    expect(() => b.kernels.mul!([strided, dense], [dense], {})).toThrow(/mul: input 'a' is a strided view/);
  });

  it('never reads synchronously: the sync forms say what to use instead', async () => {
    const x = F.tensor([1, 2], { device });
    expect(() => x.dataSync()).toThrow(/reads asynchronously; use 'await tensor.data\(\)'/);
    expect(() => x.to('host')).toThrow(/can't be read synchronously; use 'await x.toAsync\("host"\)'/);
    const c = await x.toAsync('host');
    expect([c.device, ...c.dataSync()]).toEqual(['host', 1, 2]);
    expect(String(x)).toMatch(/tensor\(<on mockgpu-semantics: await t\.data\(\)>, shape=\[2\]/);
  });

  it('times device work with events, without reading data back', async () => {
    const start = new F.DeviceEvent(device).record();
    const y = F.randn([64, 64], { device }).matmul(F.randn([64, 64], { device }));
    const end = new F.DeviceEvent(device).record();
    const ms = await start.elapsedTime(end);
    expect(ms).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(ms)).toBe(true);
    y.dispose();
  });

  it('runs queued work from a microtask in microtask mode', async () => {
    const name = registerMockGpu({ name: 'mockgpu-micro', flush: 'microtask' });
    const b = F.getBackend(name) as unknown as MockGpu;
    const y = F.ones([3], { device: name }).mul(2);
    expect(b.pending).toBeGreaterThan(0);
    await Promise.resolve();
    expect(b.pending).toBe(0);
    expect(Array.from(await y.data())).toEqual([2, 2, 2]);
    F.removeBackend(name);
  });

  it('updates optimizer state in place through the queue', async () => {
    const p = F.tensor([1, 2, 3], { device }), g = F.tensor([0.5, 0.5, 0.5], { device }), buf = F.zeros([3], { device });
    const v = p.storage.version;
    F.sgdStep(p, g, buf, { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0, maximize: false, firstStep: true });
    expect(p.storage.version).toBe(v + 1);
    expect(Array.from(await p.data()).map((e) => +e.toFixed(5))).toEqual([0.95, 1.95, 2.95]);
    expect(Array.from(await buf.data())).toEqual([0.5, 0.5, 0.5]);
  });
});
