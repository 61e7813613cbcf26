// Freed buffers kept for reuse, like the heap PyTorch's CPU allocator (malloc) keeps. A fresh large
// ArrayBuffer is mapped zero pages: its first write faults in every 4 KiB page and the OS clears it, ~2 ns
// per float here, more than a memory-bound kernel's own work. A training step frees and allocates the same
// sizes every step, so a released buffer of an exact size is handed out again as it is: the contract leaves
// a new buffer's contents undefined, every kernel writes all of its outputs (CI runs a pass with
// FLINT_CPU_POISON=1, storage.ts, to hold them to it), and a clearing pass cost ~0.2 ns per float, a tenth
// of a DenseNet-121 inference step at batch 8.
// Buffers the caller lent us (backend.wrap of a user's array) are never cached.
import type { CpuArray } from './storage.js';

/** Buffers under this size come from V8's own fast paths; only larger ones are cached. */
const MIN_BYTES = 1 << 18;
/**
 * The default limit: an eighth of the machine's memory in Node, from 1 to 2 GiB (1 GiB elsewhere). A
 * DenseNet-121 training step at batch 8 frees and allocates ~1.9 GB of buffers again every step: under a 1 GiB
 * cap the step ran 3.3-3.8 s (2 threads), with 2 GiB 2.9 s, as the evicted ones came back as fresh pages.
 */
function defaultLimit(): number {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  const total = (get?.('node:os') as { totalmem?: () => number } | undefined)?.totalmem?.() ?? 0;
  return Math.min(2 ** 31, Math.max(2 ** 30, Math.floor(total / 8)));
}
const DEFAULT_LIMIT = defaultLimit();

const CLASSES = [Float32Array, Float64Array, Int32Array, Uint8Array, BigInt64Array] as const;
const keyOf = (b: CpuArray): number => b.byteLength * 8 + CLASSES.findIndex((c) => b instanceof c);

let limit = DEFAULT_LIMIT;
let cachedBytes = 0;
/** Free buffers by size and class, and all of them oldest first (a Map keeps insertion order). */
const bySize = new Map<number, CpuArray[]>();
const order = new Map<CpuArray, number>();
const lent = new WeakSet<CpuArray>();

function evict(target: number): void {
  for (const [b, key] of order) {
    if (cachedBytes <= target) break;
    order.delete(b);
    const stack = bySize.get(key)!;
    stack.splice(stack.indexOf(b), 1);
    if (stack.length === 0) bySize.delete(key);
    cachedBytes -= b.byteLength;
  }
}

/** A cached buffer of exactly this class and length (its old contents kept), or undefined. */
export function takeCached(ctor: (typeof CLASSES)[number], length: number): CpuArray | undefined {
  const bytes = length * ctor.BYTES_PER_ELEMENT;
  if (bytes < MIN_BYTES) return undefined;
  const stack = bySize.get(bytes * 8 + CLASSES.indexOf(ctor));
  const b = stack?.pop();
  if (!b) return undefined;
  order.delete(b);
  cachedBytes -= b.byteLength;
  return b;
}

/** Keeps a released buffer for reuse (unless it is small, lent by the caller, or over the limit). */
export function offerCached(b: CpuArray): void {
  if (b.byteLength < MIN_BYTES || b.byteLength > limit || lent.has(b) || b.byteOffset !== 0 || b.byteLength !== b.buffer.byteLength) return;
  const key = keyOf(b);
  let stack = bySize.get(key);
  if (!stack) bySize.set(key, (stack = []));
  stack.push(b);
  order.set(b, key);
  cachedBytes += b.byteLength;
  evict(limit);
}

/** Marks a buffer as the caller's (backend.wrap): it is never cached. */
export function markLent(b: CpuArray): void { lent.add(b); }

/**
 * Sets how many bytes of freed CPU buffers Flint keeps for reuse (default: an eighth of the machine's memory
 * in Node, from 1 to 2 GiB; 1 GiB elsewhere; 0 keeps none), dropping the oldest past it. Reuse saves the page
 * faults of fresh allocations; the cost is that much resident memory.
 */
export function setCacheLimit(bytes: number): void {
  if (!(bytes >= 0)) throw new RangeError(`setCacheLimit: expected a byte count >= 0, got ${bytes}`);
  limit = bytes;
  evict(limit);
}

/** How many bytes of freed CPU buffers Flint keeps for reuse (see {@link setCacheLimit}). */
export const getCacheLimit = (): number => limit;

/** Frees every cached CPU buffer (like torch.cuda.empty_cache for this device). */
export function emptyCache(): void { evict(0); }

/** Bytes held in the cache (not counted as live by backend.memory()). */
export const cachedBufferBytes = (): number => cachedBytes;
