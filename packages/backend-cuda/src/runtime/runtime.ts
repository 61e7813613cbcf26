// The execution side of the backend: a compute stream for kernels, a copy stream for reads, the caching
// allocator, reads through pinned staging memory and events, synchronize(), the deferred-error flag that
// kernels set (out-of-range indices), and kernel launches with argument buffers packed once per kernel.
import { IndexError, ZeroDivisionError } from '@flint/core';
import { CachingAllocator, type Block } from './allocator.js';
import { ArgPack, type AddressOf, type ArgKind } from './args.js';
import type { Driver, Handle, PinnedBuffer } from './driver.js';

/** Where a kernel lives: its PTX file (without .ptx) and its entry name. */
export interface KernelRef { readonly file: string; readonly name: string }

/** Reads PTX by file name (from dist/ptx, or FLINT_CUDA_PTX_DIR). */
export type PtxSource = (file: string) => string;

const ERR_CODES = { 1: 'index', 2: 'zeroDiv' } as const;

/** One stream-ordered device runtime over a Driver (koffi's, or a fake in tests). */
export class CudaRuntime {
  readonly compute: Handle;
  readonly copy: Handle;
  readonly allocator: CachingAllocator;
  /** The deferred-error flag: int32[4] = code, site, value lo, value hi (see kernels/common.cuh). */
  readonly errFlag: Block;
  readonly #sites: string[] = ['?'];
  readonly #siteIds = new Map<string, number>();
  readonly #modules = new Map<string, Handle>();
  readonly #functions = new Map<string, { fn: Handle; pack: ArgPack }>();
  readonly #pinned: PinnedBuffer[] = [];
  #capturing = false;

  /**
   * @param driver - the driver calls
   * @param addressOf - the address of a host buffer (koffi.address)
   * @param ptx - reads a kernel file's PTX
   */
  constructor(readonly driver: Driver, readonly addressOf: AddressOf, readonly ptx: PtxSource) {
    this.compute = driver.streamCreate();
    this.copy = driver.streamCreate();
    this.allocator = new CachingAllocator(driver);
    this.errFlag = this.allocator.malloc(16, this.compute);
    driver.memsetD8(this.errFlag.ptr, 0, 16, this.compute);
  }

  /** A block of at least `bytes` for work on the compute stream. */
  alloc(bytes: number): Block { return this.allocator.malloc(Math.max(bytes, 1), this.compute); }
  /** Returns a block; queued work on the compute stream still finishes first (streams run in order). */
  free(block: Block): void { this.allocator.free(block); }

  /** The id kernels write into the error flag for `site` (an op name), made once per name. */
  site(name: string): number {
    let id = this.#siteIds.get(name);
    if (id === undefined) { id = this.#sites.push(name) - 1; this.#siteIds.set(name, id); }
    return id;
  }

  /** Host → device, ordered on the compute stream. The driver stages pageable memory before returning, so `data` may be reused at once. */
  write(block: Block, byteOffset: number, data: ArrayBufferView): void {
    this.driver.memcpyHtoD(block.ptr + BigInt(byteOffset), data, data.byteLength, this.compute);
  }

  #stage(bytes: number): PinnedBuffer {
    // best fit among cached pinned buffers, else a new one rounded to 64 KiB
    let best = -1;
    this.#pinned.forEach((p, i) => { if (p.bytes.byteLength >= bytes && (best < 0 || p.bytes.byteLength < this.#pinned[best]!.bytes.byteLength)) best = i; });
    if (best >= 0) return this.#pinned.splice(best, 1)[0]!;
    return this.driver.memAllocHost(Math.ceil(Math.max(bytes, 1) / 65536) * 65536);
  }

  /**
   * Device → host after every kernel queued so far: the copy stream waits for an event on the compute
   * stream, copies into pinned memory, and the promise resolves when its own event has passed (polled, so
   * the event loop keeps running). Also reads the error flag and rejects with the device's deferred error.
   */
  async read(block: Block, byteOffset: number, bytes: number): Promise<Uint8Array> {
    if (this.#capturing) throw new Error('read: a tensor cannot be read during CUDA graph capture; read it after the capture or replay');
    const d = this.driver, ready = d.eventCreate(false), done = d.eventCreate(false);
    const staging = this.#stage(bytes + 16);
    try {
      d.eventRecord(ready, this.compute);
      d.streamWaitEvent(this.copy, ready);
      this.allocator.recordStream(block, this.copy);
      if (bytes > 0) d.memcpyDtoH(staging, 0, block.ptr + BigInt(byteOffset), bytes, this.copy);
      d.memcpyDtoH(staging, bytes, this.errFlag.ptr, 16, this.copy);
      d.eventRecord(done, this.copy);
      await this.#wait(done);
      const out = staging.bytes.slice(0, bytes);
      this.#raise(staging.bytes.subarray(bytes, bytes + 16));
      return out;
    } finally {
      this.#pinned.push(staging);
      d.eventDestroy(ready);
      d.eventDestroy(done);
    }
  }

  /** Resolves when the device has passed every kernel queued so far; rejects with deferred errors. */
  async synchronize(): Promise<void> {
    await this.read(this.errFlag, 0, 0);
  }

  async #wait(e: Handle): Promise<void> {
    // yield to the event loop between polls: setImmediate first, then 1 ms sleeps for long work
    for (let spins = 0; !this.driver.eventQuery(e); spins++) {
      await new Promise<void>((r) => (spins < 64 ? setImmediate(r) : setTimeout(r, 1)));
    }
  }

  /** Throws the error recorded in a copy of the flag, after clearing the device's flag. */
  #raise(flag: Uint8Array): void {
    const v = new DataView(flag.buffer, flag.byteOffset, 16), code = v.getInt32(0, true);
    if (code === 0) return;
    this.driver.memsetD8(this.errFlag.ptr, 0, 16, this.compute);
    const site = this.#sites[v.getInt32(4, true)] ?? '?', value = v.getBigInt64(8, true);
    const kind = ERR_CODES[code as 1 | 2];
    if (kind === 'zeroDiv') throw new ZeroDivisionError(`${site}: integer division by zero (reported by the GPU at this read; the op ran earlier)`);
    throw new IndexError(`${site}: index ${value} is out of range (reported by the GPU at this read; the op ran earlier); check the indices or targets you passed`);
  }

  /** A kernel's function and argument buffer, made on first launch (kernel names are unique across files, and each has one signature). */
  #kernel(k: KernelRef, kinds: readonly ArgKind[]): { fn: Handle; pack: ArgPack } {
    let f = this.#functions.get(k.name);
    if (!f) {
      let mod = this.#modules.get(k.file);
      if (!mod) this.#modules.set(k.file, (mod = this.driver.moduleLoad(this.ptx(k.file))));
      this.#functions.set(k.name, (f = { fn: this.driver.moduleFunction(mod, k.name), pack: new ArgPack(kinds, this.addressOf) }));
    }
    return f;
  }

  /**
   * Launches `k` on the compute stream over `n` threads (grid-stride kernels) or an explicit grid. The
   * kernel's ArgPack is made on first use and rewritten by `set` at each launch.
   */
  launch(k: KernelRef, kinds: readonly ArgKind[], set: (p: ArgPack) => void, n: number, opts: { grid?: number; block?: number } = {}): void {
    const { fn, pack } = this.#kernel(k, kinds);
    set(pack);
    const block = opts.block ?? 256;
    const grid = opts.grid ?? Math.max(1, Math.min(Math.ceil(n / block), 65535));
    this.driver.launch(fn, [grid, 1, 1], [block, 1, 1], 0, this.compute, pack.params);
  }

  /** Marks graph capture, during which reads are refused (they would break the capture). */
  set capturing(on: boolean) { this.#capturing = on; }
  get capturing(): boolean { return this.#capturing; }

  /** Frees the runtime's pinned buffers and the cache (after the device finishes). */
  dispose(): void {
    this.driver.synchronize();
    for (const p of this.#pinned.splice(0)) this.driver.memFreeHost(p);
    this.allocator.free(this.errFlag);
    this.allocator.emptyCache();
    this.driver.streamDestroy(this.compute);
    this.driver.streamDestroy(this.copy);
  }
}
