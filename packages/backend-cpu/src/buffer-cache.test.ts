import { afterEach, describe, expect, it } from 'vitest';
import { fromBlob, tensor, zeros } from '@flint/core';
import { totalmem } from 'node:os';
import { cachedBufferBytes, emptyCache, getCacheLimit, setCacheLimit } from './index.js';
import { createCpuBackend } from './backend.js';
import type { CpuArray } from './storage.js';

const N = 1 << 17; // 512 KiB of float32: over the cache's minimum size

describe('CPU buffer cache', () => {
  const initial = getCacheLimit();
  afterEach(() => { setCacheLimit(initial); emptyCache(); });

  it('keeps up to an eighth of the machine memory by default, from 1 to 2 GiB', () => {
    expect(initial).toBe(Math.min(2 ** 31, Math.max(2 ** 30, Math.floor(totalmem() / 8))));
    setCacheLimit(5);
    expect(getCacheLimit()).toBe(5);
  });

  it('hands a released buffer of the same size and class out again as it is (contents undefined, no clearing pass)', () => {
    emptyCache();
    const b = createCpuBackend();
    const a = b.allocate('float32', N) as Float32Array;
    a.fill(3);
    b.release(a);
    expect(cachedBufferBytes()).toBe(4 * N);
    expect(b.allocate('int32', N)).not.toBe(a); // another class
    const again = b.allocate('float32', N) as Float32Array;
    expect(again).toBe(a);
    // FLINT_CPU_POISON=1 (storage.ts) fills every new buffer with NaN instead
    expect(again.every((v) => (process.env.FLINT_CPU_POISON === '1' ? Number.isNaN(v) : v === 3))).toBe(true);
    expect(cachedBufferBytes()).toBe(0);
    expect(b.memory()).toEqual({ bytes: 8 * N, buffers: 2 });
  });

  it('never caches small buffers or an array the caller lent (fromBlob), and keeps to its limit', () => {
    emptyCache();
    const b = createCpuBackend();
    const small = b.allocate('float32', 16);
    b.release(small);
    expect(cachedBufferBytes()).toBe(0);
    const user = new Float32Array(N).fill(5);
    const t = fromBlob(user);
    t.dispose();
    expect(cachedBufferBytes()).toBe(0);
    expect(zeros([N]).dataSync()[0]).toBe(0);
    expect(user[0]).toBe(5); // still the caller's
    setCacheLimit(4 * N);
    const bufs = [0, 1, 2].map(() => b.allocate('float32', N) as CpuArray);
    for (const x of bufs) b.release(x);
    expect(cachedBufferBytes()).toBe(4 * N); // the oldest two dropped
    expect(b.allocate('float32', N)).toBe(bufs[2]);
    expect(() => setCacheLimit(-1)).toThrow(/setCacheLimit/);
  });

  it('tensors made through core reuse the memory of disposed ones and read as their own values', () => {
    emptyCache();
    const a = tensor(new Float32Array(N).fill(2));
    const s = a.add(1);
    a.dispose();
    const c = zeros([N]).add(7);
    expect(s.dataSync()[N - 1]).toBe(3);
    expect(c.dataSync()[0]).toBe(7);
    s.dispose(); c.dispose();
  });
});
