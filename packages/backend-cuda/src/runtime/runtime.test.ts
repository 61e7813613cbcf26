// The runtime against the fake driver: reads through the copy stream after an event on the compute
// stream, deferred errors raised at the next read, argument buffers made once per kernel and rewritten,
// modules loaded once, and CUDA graph capture/replay with a private pool.
import { IndexError, ZeroDivisionError } from '@flint/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeDriver } from '../testing/fake-driver.js';
import { CudaGraph, captureStepOn } from './graph.js';
import { CudaRuntime } from './runtime.js';

let drv: FakeDriver, rt: CudaRuntime;
const ptxRead: string[] = [];
beforeEach(() => {
  drv = new FakeDriver(256 << 20);
  ptxRead.length = 0;
  rt = new CudaRuntime(drv, drv.addressOf, (f) => { ptxRead.push(f); return `// ptx of ${f}`; });
});

describe('reads and writes', () => {
  it('writes then reads back bytes at an offset', async () => {
    const b = rt.alloc(16);
    rt.write(b, 4, new Uint8Array([1, 2, 3, 4]));
    expect(Array.from(await rt.read(b, 4, 4))).toEqual([1, 2, 3, 4]);
  });
  it('a read waits for the compute stream: held work is not read until it runs', async () => {
    const b = rt.alloc(4);
    drv.hold(rt.compute);
    rt.write(b, 0, new Uint8Array([9, 9, 9, 9]));
    let resolved = false;
    const p = rt.read(b, 0, 4).then((v) => { resolved = true; return v; });
    await new Promise((r) => setTimeout(r, 5));
    expect(resolved).toBe(false);
    drv.release(rt.compute);
    expect(Array.from(await p)).toEqual([9, 9, 9, 9]);
  });
  it('the caller may reuse its array right after write', async () => {
    const b = rt.alloc(4), data = new Uint8Array([1, 1, 1, 1]);
    drv.hold(rt.compute);
    rt.write(b, 0, data);
    data.fill(7);
    drv.release(rt.compute);
    expect(Array.from(await rt.read(b, 0, 4))).toEqual([1, 1, 1, 1]);
  });
});

describe('deferred errors', () => {
  it('an index error a kernel recorded rejects the next read, names the op and value, then clears', async () => {
    const site = rt.site('gather');
    const flag = new DataView(new ArrayBuffer(16));
    flag.setInt32(0, 1, true); flag.setInt32(4, site, true); flag.setBigInt64(8, 12n, true);
    rt.write(rt.errFlag, 0, new Uint8Array(flag.buffer));
    const b = rt.alloc(4);
    await expect(rt.read(b, 0, 4)).rejects.toThrow(new IndexError('gather: index 12 is out of range (reported by the GPU at this read; the op ran earlier); check the indices or targets you passed'));
    await expect(rt.read(b, 0, 4)).resolves.toBeInstanceOf(Uint8Array);
  });
  it('integer division by zero is a ZeroDivisionError at synchronize', async () => {
    const flag = new Int32Array([2, rt.site('remainder'), 0, 0]);
    rt.write(rt.errFlag, 0, flag);
    await expect(rt.synchronize()).rejects.toThrow(ZeroDivisionError);
  });
});

describe('launches', () => {
  it('loads a module once, packs arguments once per kernel and rewrites them per launch', () => {
    const k = { file: 'reduce', name: 'sum_f32' };
    for (const n of [10, 20]) rt.launch(k, ['ptr', 'i64'], (p) => p.ptr(0, 0xabcn).i64(1, n), n);
    expect(ptxRead).toEqual(['reduce']);
    expect(drv.launches.map((l) => [l.fn, new DataView(l.args.buffer).getBigInt64(8, true)])).toEqual([['sum_f32', 10n], ['sum_f32', 20n]]);
    expect(drv.launches[0]!.grid).toEqual([1, 1, 1]);
  });
  it('sizes grid-stride grids by n, capped', () => {
    rt.launch({ file: 'e', name: 'k' }, [], () => {}, 1e9);
    expect(drv.launches[0]!.grid[0]).toBe(65535);
    expect(drv.launches[0]!.block[0]).toBe(256);
  });
});

describe('CUDA graphs', () => {
  const k = { file: 'optim', name: 'adam_step_f32' };
  it('captures without running, replays the captured launches, allocates in a private pool', () => {
    const g = new CudaGraph(rt);
    const out = g.capture(() => {
      const b = rt.alloc(64);
      rt.launch(k, ['ptr'], (p) => p.ptr(0, b.ptr), 64);
      return b;
    });
    expect(drv.launches).toHaveLength(0);
    expect(out.segment.pool).toBe(g.pool);
    g.replay();
    g.replay();
    expect(drv.launches.map((l) => l.fn)).toEqual(['adam_step_f32', 'adam_step_f32']);
    expect(new DataView(drv.launches[1]!.args.buffer).getBigUint64(0, true)).toBe(out.ptr);
    g.dispose();
  });
  it('refuses reads, nesting, async steps and a second capture', async () => {
    const b = rt.alloc(4);
    const g = new CudaGraph(rt);
    let inner: unknown;
    g.capture(() => {
      expect(() => new CudaGraph(rt).capture(() => 0)).toThrow(/captures cannot nest/);
      inner = rt.read(b, 0, 4);
    });
    await expect(inner).rejects.toThrow(/during CUDA graph capture/);
    expect(() => g.capture(() => 0)).toThrow(/already captured/);
    expect(() => new CudaGraph(rt).capture(async () => 0)).toThrow(/returned a Promise/);
    expect(rt.capturing).toBe(false);
  });
  it('captureStep warms the step up eagerly, then captures it', () => {
    let calls = 0;
    const step = captureStepOn(rt, () => { calls++; rt.launch(k, [], () => {}, 1); return calls; }, { warmup: 2 });
    expect(calls).toBe(3);
    expect(step.outputs).toBe(3);
    expect(drv.launches).toHaveLength(2);
    step.replay();
    expect(drv.launches).toHaveLength(3);
    expect(() => captureStepOn(rt, () => 0, { warmup: -1 })).toThrow(/warmup/);
  });
  it("a disposed graph's pool memory goes back at emptyCache", () => {
    const g = new CudaGraph(rt);
    g.capture(() => { rt.free(rt.alloc(1 << 20)); });
    const before = rt.allocator.stats.segments.current;
    rt.allocator.emptyCache();
    expect(rt.allocator.stats.segments.current).toBe(before);
    g.dispose();
    rt.allocator.emptyCache();
    expect(rt.allocator.stats.segments.current).toBe(before - 1);
    expect(() => g.replay()).toThrow(/capture the graph first/);
  });
});
