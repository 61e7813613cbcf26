// A caching device allocator in the manner of PyTorch's CUDACachingAllocator: requests are rounded and
// served from cached segments (small ≤ 1 MiB from 2 MiB segments, medium from 20 MiB ones, large at their
// rounded size), blocks split on allocation and merge with free neighbours on release, and a freed block
// is reused only on the stream it was allocated for, or after events on the other streams that used it.
// On out-of-memory it frees the cache, retries once, then throws OutOfMemoryError with the figures.
import { OutOfMemoryError } from '@flint/core';
import type { DevicePtr, Driver, Handle } from './driver.js';
import { FreeList } from './free-list.js';

/** Allocation granularity (bytes). */
export const MIN_BLOCK = 512;
/** Requests up to this size are "small": served from SMALL_SEGMENT segments. */
export const SMALL_SIZE = 1 << 20;
const SMALL_SEGMENT = 2 << 20;
const MEDIUM_SEGMENT = 20 << 20;
const LARGE_THRESHOLD = 10 << 20;
const LARGE_ROUND = 2 << 20;

/** A block of device memory: the unit the backend hands out as a buffer. */
export interface Block {
  readonly ptr: DevicePtr;
  readonly size: number;
  /** The bytes asked for (size is rounded up). */
  requested: number;
  readonly segment: Segment;
  prev: Block | null;
  next: Block | null;
  allocated: boolean;
  /** Streams other than the allocating one that used it: it is reusable once they pass an event. */
  readonly uses: Set<Handle>;
  /** Events still pending after a free (block is not in a free list until they complete). */
  pending: number;
}

/** One cuMemAlloc: blocks are carved out of it. */
export interface Segment { readonly base: DevicePtr; readonly size: number; readonly stream: Handle; readonly pool: number; readonly small: boolean }

/** Current and peak of one figure. */
export interface Stat {
  /** The value now. */
  current: number;
  /** The highest value since the start or the last resetPeakMemoryStats(). */
  peak: number;
}

/** The allocator's statistics, as torch.cuda.memory_stats reports them. */
export interface MemoryStats {
  /** Bytes in blocks handed out (torch's allocated_bytes.all). */
  allocated: Stat;
  /** Bytes held from the driver, in use or cached (reserved_bytes.all). */
  reserved: Stat;
  /** Blocks handed out (allocation.all). */
  allocations: Stat;
  /** cuMemAlloc calls that are still held (segment.all). */
  segments: Stat;
  /** Times an allocation failed, the cache was freed and it was retried (num_alloc_retries). */
  numAllocRetries: number;
  /** Allocations that failed after the retry (num_ooms). */
  numOoms: number;
}

const stat = (): Stat => ({ current: 0, peak: 0 });
const bump = (s: Stat, d: number) => { s.current += d; if (s.current > s.peak) s.peak = s.current; };
const fmtMiB = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;

/** Bytes a request is rounded to. */
export const roundSize = (bytes: number): number => Math.max(MIN_BLOCK, Math.ceil(bytes / MIN_BLOCK) * MIN_BLOCK);
/** Bytes of the segment cuMemAlloc'd for a request of `size` (already rounded) that no cached block fits. */
export const segmentSize = (size: number): number =>
  size <= SMALL_SIZE ? SMALL_SEGMENT : size < LARGE_THRESHOLD ? MEDIUM_SEGMENT : Math.ceil(size / LARGE_ROUND) * LARGE_ROUND;

/** The caching allocator. Pool 0 is the general pool; CUDA graphs allocate from private pools. */
export class CachingAllocator {
  readonly #driver: Driver;
  readonly #free = new Map<string, FreeList<Block>>();
  readonly #lists = new Map<string, FreeList<Block>[]>();
  readonly #segments = new Set<Segment>();
  readonly #pendingFrees: { block: Block; event: Handle }[] = [];
  readonly #deadPools = new Set<number>();
  #pool = 0;
  readonly stats: MemoryStats = { allocated: stat(), reserved: stat(), allocations: stat(), segments: stat(), numAllocRetries: 0, numOoms: 0 };

  /** @param driver - the driver (or a fake) to allocate from */
  constructor(driver: Driver) { this.#driver = driver; }

  #list(pool: number, small: boolean, stream: Handle): FreeList<Block> {
    // one map lookup by stream, then an array by pool and size class: no key strings on the hot path
    const sk = streamKey(stream);
    let byPool = this.#lists.get(sk);
    if (!byPool) this.#lists.set(sk, (byPool = []));
    const i = pool * 2 + (small ? 1 : 0);
    let l = byPool[i];
    if (!l) {
      byPool[i] = l = new FreeList<Block>();
      this.#free.set(`${pool}/${small ? 's' : 'l'}/${sk}`, l);
    }
    return l;
  }

  /** The private pool allocations come from now (0: the general pool). */
  get pool(): number { return this.#pool; }
  /** Allocate from pool `id` until the returned function is called (graph capture's private pool). */
  usePool(id: number): () => void {
    const prev = this.#pool;
    this.#pool = id;
    return () => { this.#pool = prev; };
  }
  /** The pool's graph is gone: its cached blocks may be returned to the driver by emptyCache. */
  releasePool(id: number): void { if (id !== 0) this.#deadPools.add(id); }

  /** A block of at least `bytes` bytes for work on `stream`. */
  malloc(bytes: number, stream: Handle): Block {
    this.#processEvents();
    const size = roundSize(bytes), small = size <= SMALL_SIZE;
    const list = this.#list(this.#pool, small, stream);
    let block = list.takeBestFit(size);
    if (!block) block = this.#newSegment(size, small, stream);
    block = this.#split(block, size, small, list);
    block.allocated = true;
    block.requested = bytes;
    bump(this.stats.allocated, block.size);
    bump(this.stats.allocations, 1);
    return block;
  }

  #newSegment(size: number, small: boolean, stream: Handle): Block {
    const segBytes = segmentSize(size);
    let base: DevicePtr;
    try {
      base = this.#driver.memAlloc(segBytes);
    } catch (e) {
      if (!(e instanceof OutOfMemoryError)) throw e;
      // free every cached segment and retry once, as PyTorch does
      this.stats.numAllocRetries++;
      this.emptyCache();
      try {
        base = this.#driver.memAlloc(segBytes);
      } catch (e2) {
        if (!(e2 instanceof OutOfMemoryError)) throw e2;
        this.stats.numOoms++;
        throw this.#oom(size, segBytes);
      }
    }
    const segment: Segment = { base, size: segBytes, stream, pool: this.#pool, small };
    this.#segments.add(segment);
    bump(this.stats.reserved, segBytes);
    bump(this.stats.segments, 1);
    return { ptr: base, size: segBytes, requested: 0, segment, prev: null, next: null, allocated: false, uses: new Set(), pending: 0 };
  }

  #oom(size: number, segBytes: number): OutOfMemoryError {
    let info = '';
    try {
      const { free, total } = this.#driver.memGetInfo();
      info = ` The device has ${fmtMiB(total)} in total, of which ${fmtMiB(free)} is free;`;
    } catch { /* the figures are a courtesy */ }
    const { allocated, reserved } = this.stats;
    return new OutOfMemoryError(
      `CUDA out of memory: tried to allocate ${fmtMiB(size)} (a ${fmtMiB(segBytes)} segment).${info} Flint holds ${fmtMiB(allocated.current)} in tensors ` +
      `and ${fmtMiB(reserved.current)} reserved (${fmtMiB(reserved.current - allocated.current)} cached, freed and retried once). ` +
      'Free tensors you no longer need (dispose, scope), use a smaller batch, or check other processes on the GPU (nvidia-smi).',
    );
  }

  /** Splits the tail off `block` when the remainder is worth keeping (any remainder for small blocks, > 1 MiB for large). */
  #split(block: Block, size: number, small: boolean, list: FreeList<Block>): Block {
    const rest = block.size - size;
    if (small ? rest < MIN_BLOCK : rest <= SMALL_SIZE) return block;
    const head: Block = { ...block, size, uses: new Set(), prev: block.prev, next: null };
    const tail: Block = { ptr: block.ptr + BigInt(size), size: rest, requested: 0, segment: block.segment, prev: head, next: block.next, allocated: false, uses: new Set(), pending: 0 };
    head.next = tail;
    if (head.prev) head.prev.next = head;
    if (tail.next) tail.next.prev = tail;
    list.insert(tail);
    return head;
  }

  /** Work on `stream` (other than the block's own) uses the block: freeing it waits for that work. */
  recordStream(block: Block, stream: Handle): void {
    if (streamKey(stream) !== streamKey(block.segment.stream)) block.uses.add(stream);
  }

  /** Returns a block to the cache (reusable at once on its own stream, which runs in order). */
  free(block: Block): void {
    if (!block.allocated) throw new Error('CachingAllocator.free: the block is not allocated (freed twice?)');
    block.allocated = false;
    bump(this.stats.allocated, -block.size);
    bump(this.stats.allocations, -1);
    if (block.uses.size) {
      for (const s of block.uses) {
        const event = this.#driver.eventCreate(false);
        this.#driver.eventRecord(event, s);
        this.#pendingFrees.push({ block, event });
        block.pending++;
      }
      block.uses.clear();
      return;
    }
    this.#release(block);
  }

  #release(block: Block): void {
    const list = this.#list(block.segment.pool, block.segment.small, block.segment.stream);
    let b = block;
    // merge with free neighbours of the same segment
    const prev = b.prev;
    if (prev && !prev.allocated && prev.pending === 0) {
      list.remove(prev);
      b = { ...prev, size: prev.size + b.size, next: b.next, uses: new Set() };
      if (b.prev) b.prev.next = b;
      if (b.next) b.next.prev = b;
    }
    const next = b.next;
    if (next && !next.allocated && next.pending === 0) {
      list.remove(next);
      b = { ...b, size: b.size + next.size, next: next.next, uses: new Set() };
      if (b.prev) b.prev.next = b;
      if (b.next) b.next.prev = b;
    }
    list.insert(b);
  }

  #processEvents(): void {
    for (let i = 0; i < this.#pendingFrees.length;) {
      const p = this.#pendingFrees[i]!;
      if (!this.#driver.eventQuery(p.event)) { i++; continue; }
      this.#driver.eventDestroy(p.event);
      this.#pendingFrees.splice(i, 1);
      if (--p.block.pending === 0) this.#release(p.block);
    }
  }

  /** Returns every cached segment that is wholly free to the driver (torch.cuda.empty_cache); live pools' blocks stay. */
  emptyCache(): void {
    for (const p of this.#pendingFrees) this.#driver.eventSynchronize(p.event);
    this.#processEvents();
    for (const [key, list] of this.#free) {
      const pool = Number(key.split('/')[0]);
      if (pool !== 0 && !this.#deadPools.has(pool)) continue;
      for (const b of list.items()) {
        if (b.prev || b.next) continue;
        list.remove(b);
        this.#driver.memFree(b.ptr);
        this.#segments.delete(b.segment);
        bump(this.stats.reserved, -b.size);
        bump(this.stats.segments, -1);
      }
    }
  }

  /** Resets the peaks to the current values (torch.cuda.reset_peak_memory_stats). */
  resetPeaks(): void {
    for (const s of [this.stats.allocated, this.stats.reserved, this.stats.allocations, this.stats.segments]) s.peak = s.current;
  }

  /** Bytes cached: reserved but not handed out. */
  get cachedBytes(): number { return this.stats.reserved.current - this.stats.allocated.current; }
}

const keys = new WeakMap<object, string>();
let nextKey = 1;
/** A stable key for a stream handle: its address (koffi), or an id per object (the fake driver). */
export function streamKey(s: Handle): string {
  if (typeof s === 'bigint') return `0x${s.toString(16)}`;
  let k = keys.get(s);
  if (k === undefined) keys.set(s, (k = `#${nextKey++}`));
  return k;
}
