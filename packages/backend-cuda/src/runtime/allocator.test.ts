// The caching allocator against the fake driver: rounding, segment sizes, splitting and merging, reuse
// only on the owning stream or after other streams' events, OOM → free the cache → retry once → typed
// error with the figures, emptyCache, peaks, and private pools for graph capture.
import { OutOfMemoryError } from '@flint/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeDriver } from '../testing/fake-driver.js';
import { CachingAllocator, roundSize, segmentSize } from './allocator.js';

const MiB = 2 ** 20;
let drv: FakeDriver, alloc: CachingAllocator, s1: ReturnType<FakeDriver['streamCreate']>, s2: ReturnType<FakeDriver['streamCreate']>;
const allocs = () => drv.calls.filter((c) => c.startsWith('memAlloc')).length;

beforeEach(() => {
  drv = new FakeDriver(64 * MiB);
  alloc = new CachingAllocator(drv);
  s1 = drv.streamCreate();
  s2 = drv.streamCreate();
});

describe('sizes', () => {
  it('rounds requests to 512 bytes, at least 512', () => {
    expect([0, 1, 512, 513, 1000].map(roundSize)).toEqual([512, 512, 512, 1024, 1024]);
  });
  it('small requests take 2 MiB segments, medium 20 MiB, large their size rounded to 2 MiB', () => {
    expect(segmentSize(512)).toBe(2 * MiB);
    expect(segmentSize(MiB)).toBe(2 * MiB);
    expect(segmentSize(MiB + 512)).toBe(20 * MiB);
    expect(segmentSize(10 * MiB)).toBe(10 * MiB);
    expect(segmentSize(11 * MiB)).toBe(12 * MiB);
  });
});

describe('splitting, reuse and merging', () => {
  it('serves many small blocks from one 2 MiB segment, split in address order', () => {
    const a = alloc.malloc(100, s1), b = alloc.malloc(700, s1), c = alloc.malloc(4096, s1);
    expect(allocs()).toBe(1);
    expect([a.size, b.size, c.size]).toEqual([512, 1024, 4096]);
    expect(b.ptr - a.ptr).toBe(512n);
    expect(c.ptr - b.ptr).toBe(1024n);
    expect(alloc.stats.allocated).toEqual({ current: 5632, peak: 5632 });
    expect(alloc.stats.reserved).toEqual({ current: 2 * MiB, peak: 2 * MiB });
    expect(alloc.stats.allocations.current).toBe(3);
  });
  it('a freed block is reused for the next request that fits, without a new cuMemAlloc', () => {
    const a = alloc.malloc(1000, s1);
    alloc.malloc(1000, s1);
    alloc.free(a);
    expect(alloc.malloc(900, s1).ptr).toBe(a.ptr);
    expect(allocs()).toBe(1);
  });
  it('merges a freed block with its free neighbours, so a larger request fits where they were', () => {
    const a = alloc.malloc(512, s1), b = alloc.malloc(512, s1), c = alloc.malloc(512, s1);
    alloc.malloc(512, s1); // keeps the segment's tail apart from c
    alloc.free(a);
    alloc.free(c);
    alloc.free(b); // a + b + c become one 1536-byte block
    const big = alloc.malloc(1536, s1);
    expect(big.ptr).toBe(a.ptr);
    expect(big.size).toBe(1536);
    expect(allocs()).toBe(1);
  });
  it('after everything is freed the segment is whole again and emptyCache returns it', () => {
    const bs = [1, 2, 3, 4].map((k) => alloc.malloc(k * 512, s1));
    for (const b of [bs[2]!, bs[0]!, bs[3]!, bs[1]!]) alloc.free(b);
    expect(alloc.stats.allocated.current).toBe(0);
    expect(alloc.stats.allocated.peak).toBe(5120);
    alloc.emptyCache();
    expect(drv.used).toBe(0);
    expect(alloc.stats.reserved.current).toBe(0);
    expect(alloc.stats.segments.current).toBe(0);
  });
  it('large blocks are not split for a remainder of 1 MiB or less', () => {
    const a = alloc.malloc(10 * MiB - 100, s1);
    expect(a.size).toBe(10 * MiB);
    alloc.free(a);
    const b = alloc.malloc(9.5 * MiB, s1); // fits the cached 10 MiB block; the 0.5 MiB tail stays attached
    expect(b.ptr).toBe(a.ptr);
    expect(b.size).toBe(10 * MiB);
  });
  it('double free is an error', () => {
    const a = alloc.malloc(10, s1);
    alloc.free(a);
    expect(() => alloc.free(a)).toThrow(/not allocated/);
  });
});

describe('stream ordering', () => {
  it("a block is not reused on another stream (that stream's work is not ordered after the free)", () => {
    const a = alloc.malloc(512, s1);
    alloc.free(a);
    const b = alloc.malloc(512, s2);
    expect(b.ptr).not.toBe(a.ptr);
    expect(allocs()).toBe(2);
  });
  it('a block used by another stream is reusable only once that stream passes the free', () => {
    const a = alloc.malloc(512, s1);
    alloc.recordStream(a, s2);
    drv.hold(s2); // s2's work (a read of a) is still queued
    alloc.free(a);
    const b = alloc.malloc(512, s1);
    expect(b.ptr).not.toBe(a.ptr);
    drv.release(s2); // the event recorded at the free passes
    const c = alloc.malloc(512, s1);
    expect(c.ptr).toBe(a.ptr);
  });
});

describe('out of memory', () => {
  it('frees the cache and retries once, then succeeds', () => {
    drv = new FakeDriver(40 * MiB);
    alloc = new CachingAllocator(drv);
    const a = alloc.malloc(4 * MiB, s1); // a 20 MiB segment
    alloc.free(a);
    const b = alloc.malloc(21 * MiB, s1); // 22 MiB more doesn't fit until the cached segment goes
    expect(b.size).toBe(22 * MiB);
    expect(alloc.stats.numAllocRetries).toBe(1);
    expect(alloc.stats.numOoms).toBe(0);
    expect(alloc.stats.reserved.current).toBe(22 * MiB);
    expect(alloc.stats.reserved.peak).toBe(22 * MiB);
  });
  it('throws OutOfMemoryError with the request, the device and the cache figures when the retry fails', () => {
    drv = new FakeDriver(40 * MiB);
    alloc = new CachingAllocator(drv);
    alloc.malloc(4 * MiB, s1);
    let err: unknown;
    try { alloc.malloc(21 * MiB, s1); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(OutOfMemoryError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/CUDA out of memory: tried to allocate 21\.00 MiB \(a 22\.00 MiB segment\)/);
    expect(msg).toMatch(/40\.00 MiB in total, of which 20\.00 MiB is free/);
    expect(msg).toMatch(/Flint holds 4\.00 MiB in tensors and 20\.00 MiB reserved \(16\.00 MiB cached/);
    expect(alloc.stats.numOoms).toBe(1);
    expect(alloc.stats.numAllocRetries).toBe(1);
  });
  it('other driver errors pass through untouched', () => {
    drv.memAlloc = () => { throw new TypeError('boom'); };
    expect(() => alloc.malloc(10, s1)).toThrow(TypeError);
  });
});

describe('peaks and pools', () => {
  it('resetPeaks sets peaks to the current values', () => {
    const a = alloc.malloc(4096, s1);
    alloc.free(a);
    alloc.resetPeaks();
    expect(alloc.stats.allocated).toEqual({ current: 0, peak: 0 });
    expect(alloc.stats.reserved.peak).toBe(2 * MiB);
  });
  it('a private pool keeps its blocks apart, and its cache until the pool is released', () => {
    const end = alloc.usePool(7);
    const p = alloc.malloc(512, s1);
    alloc.free(p);
    end();
    const q = alloc.malloc(512, s1);
    expect(q.segment.pool).toBe(0);
    expect(q.segment).not.toBe(p.segment);
    alloc.free(q);
    alloc.emptyCache();
    expect(alloc.stats.segments.current).toBe(1); // the pool's segment stays for its graph
    alloc.releasePool(7);
    alloc.emptyCache();
    expect(alloc.stats.segments.current).toBe(0);
    expect(drv.used).toBe(0);
  });
});
