// Device buffers in size classes, reused once the queue has passed the last submission that used them,
// so a training step allocates nothing new after its first iteration.
/// <reference types="@webgpu/types" />

/** A Flint buffer on the device: a pooled GPUBuffer and the submission that last used it. */
export interface WgBuffer {
  /** The GPU buffer (its size is the size class, at least `bytes`). */
  gpu: GPUBuffer;
  /** Bytes the tensor storage needs. */
  readonly bytes: number;
  /** The batch (submission number) that last used the buffer. */
  lastBatch: number;
  /** Core has released it. */
  released: boolean;
}

/** Size classes: 256 B, then 2^k and 1.5 * 2^k, so at most a third is wasted. */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return 256;
  const p = 2 ** Math.ceil(Math.log2(bytes));
  return bytes <= p * 0.75 ? p * 0.75 : p;
}

const USAGE = 0x80 /* STORAGE */ | 0x4 /* COPY_SRC */ | 0x8; /* COPY_DST */

/** Free GPU buffers by size class, plus released ones waiting for the queue to pass their last use. */
export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  private retiring: { gpu: GPUBuffer; batch: number }[] = [];
  private freeBytes = 0;
  /** Bytes held by buffers core has not released. */
  liveBytes = 0;
  /** Buffers core has not released. */
  liveBuffers = 0;
  /** GPU buffers created so far (the rest of the allocations were served from the pool). */
  created = 0;

  constructor(private readonly device: GPUDevice, private readonly maxFreeBytes: number) {}

  /** A buffer of at least `bytes` (from the pool when one of its class has been passed by the queue). */
  take(bytes: number, completed: number): WgBuffer {
    this.sweep(completed);
    const cls = sizeClass(bytes);
    const list = this.free.get(cls);
    let gpu = list?.pop();
    if (gpu) this.freeBytes -= cls;
    else { gpu = this.device.createBuffer({ size: cls, usage: USAGE }); this.created++; }
    this.liveBytes += bytes;
    this.liveBuffers++;
    return { gpu, bytes, lastBatch: -1, released: false };
  }

  /** Core released `b`; it is reused after the submission `batch` has completed. */
  give(b: WgBuffer, batch: number, completed: number): void {
    this.liveBytes -= b.bytes;
    this.liveBuffers--;
    if (batch <= completed) this.keep(b.gpu);
    else this.retiring.push({ gpu: b.gpu, batch });
  }

  /** Moves retired buffers the queue has passed to the free lists. */
  sweep(completed: number): void {
    if (this.retiring.length === 0 || this.retiring[0]!.batch > completed) return;
    const still: { gpu: GPUBuffer; batch: number }[] = [];
    for (const r of this.retiring) (r.batch <= completed ? this.keep(r.gpu) : still.push(r));
    this.retiring = still;
  }

  private keep(gpu: GPUBuffer): void {
    const cls = gpu.size;
    if (this.freeBytes + cls > this.maxFreeBytes) { gpu.destroy(); return; }
    const list = this.free.get(cls) ?? [];
    list.push(gpu);
    this.free.set(cls, list);
    this.freeBytes += cls;
  }

  /** Destroys every pooled buffer (device teardown). */
  destroy(): void {
    for (const l of this.free.values()) for (const g of l) g.destroy();
    for (const r of this.retiring) r.gpu.destroy();
    this.free.clear();
    this.retiring = [];
    this.freeBytes = 0;
  }
}
