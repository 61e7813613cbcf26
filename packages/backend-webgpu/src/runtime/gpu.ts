// The device side of the backend: command batching (many dispatches per encoder, submitted at a read, a
// synchronize or when a batch grows large), a pipeline cache, per-dispatch uniforms packed into shared
// uniform buffers, pooled storage buffers, and device faults turned into typed Flint errors.
/// <reference types="@webgpu/types" />
import { BackendError, OutOfMemoryError } from '@flint/core';
import type { WgBuffer } from './pool.js';
import { BufferPool } from './pool.js';

/** A storage binding: a window of a buffer (bytes; the whole buffer by default). */
export interface Binding { buf: WgBuffer; offset?: number; size?: number }

/** One compute dispatch. */
export interface Dispatch {
  /** The kernel's name, for messages. */
  kernel: string;
  /** The pipeline cache key (kernel, dtype, variant). */
  key: string;
  /** The WGSL source: `@group(0) @binding(0)` is the params uniform, storage bindings follow from 1. */
  wgsl: () => string;
  /** Storage bindings 1..n. */
  bindings: readonly Binding[];
  /** The params uniform's contents (u32 words; floats as their bits). */
  params: Uint32Array;
  /** Workgroups in x, y, z. */
  groups: readonly [number, number, number];
  /** Shapes and dtypes, for error messages. */
  describe: () => string;
}

const UNIFORM_BYTES = 65536;
const MAX_BATCH = 512;

/** A data-dependent fault a kernel flags on the device (an index out of range), reported at the next read. */
export type FaultReport = (value: number) => Error;

/** Owns the GPUDevice for the backend. */
export class Gpu {
  readonly pool: BufferPool;
  readonly limits: GPUSupportedLimits;
  readonly uniformAlign: number;
  /** The largest storage binding kernels make (the adapter's limit, or less for tests of the chunked paths). */
  readonly maxBinding: number;
  private batch = 1;
  private completed = 0;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private dispatches = 0;
  private uniforms: { gpu: GPUBuffer; data: Uint8Array; used: number }[] = [];
  private spareUniforms: { gpu: GPUBuffer; batch: number }[] = [];
  private pipelines = new Map<string, { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }>();
  private scopes: Promise<void>[] = [];
  private deferred: Error | undefined;
  private lost: string | undefined;
  private scheduled = false;
  private disposed = false;
  private faults: FaultReport[] = [];
  private batchKernels: Dispatch[] = [];
  /** A small buffer kernels flag data-dependent faults in: [code, value]. */
  readonly faultBuf: WgBuffer;
  /** Dispatches encoded so far (for tests of batching). */
  dispatchCount = 0;
  /** Submissions so far. */
  submitCount = 0;

  constructor(readonly device: GPUDevice, maxBinding?: number) {
    this.limits = device.limits;
    this.maxBinding = Math.min(device.limits.maxStorageBufferBindingSize, maxBinding ?? Infinity);
    this.uniformAlign = device.limits.minUniformBufferOffsetAlignment;
    this.pool = new BufferPool(device, 512 * 2 ** 20);
    device.lost.then((info) => { if (!this.disposed) this.lost = `${info.reason}: ${info.message || 'no message'}`; }, () => {});
    device.addEventListener('uncapturederror', (ev) => {
      const e = (ev as GPUUncapturedErrorEvent).error;
      this.defer(toFlintError(e, 'a WebGPU call'));
    });
    this.faultBuf = this.pool.take(16, 0);
    device.queue.writeBuffer(this.faultBuf.gpu, 0, new Uint32Array(4));
  }

  /** Whether the device is gone. */
  get isLost(): boolean { return this.lost !== undefined; }

  /** Throws when the device is gone. */
  alive(): void {
    if (this.lost !== undefined) throw new BackendError(`webgpu: the device was lost (${this.lost}); its tensors are gone. Call initWebGPU() again to get a new device`);
  }

  /** A new pooled buffer of `bytes` (OutOfMemoryError past the adapter's maxBufferSize). */
  allocate(bytes: number, what: () => string): WgBuffer {
    this.alive();
    const size = Math.max(4, Math.ceil(bytes / 4) * 4);
    if (size > this.limits.maxBufferSize) {
      throw new OutOfMemoryError(`webgpu: ${what()} needs ${size} bytes, more than this adapter's maxBufferSize (${this.limits.maxBufferSize}); use smaller batches`);
    }
    // an out-of-memory error here is caught by the open batch's scope, or else by the uncapturederror handler
    return this.pool.take(size, this.completed);
  }

  /** Core released `b`; it returns to the pool once the queue has passed its last use. */
  release(b: WgBuffer): void {
    if (b.released) return;
    b.released = true;
    this.pool.give(b, b.lastBatch === this.batch ? this.batch : b.lastBatch, this.completed);
  }

  /** Host → device; the data is staged at once, after the queued work that uses the buffer. */
  write(b: WgBuffer, byteOffset: number, data: ArrayBufferView): void {
    this.alive();
    if (b.lastBatch === this.batch) this.flush();
    this.device.queue.writeBuffer(b.gpu, byteOffset, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Registers a data-dependent fault; the returned code goes in the kernel's params. */
  fault(report: FaultReport): number {
    this.faults.push(report);
    return this.faults.length;
  }

  /** Encodes one dispatch into the current batch. */
  run(d: Dispatch): void {
    this.alive();
    if (d.groups[0] === 0 || d.groups[1] === 0 || d.groups[2] === 0) return;
    const device = this.device;
    this.commandEncoder(); // opens the batch's error scopes
    this.batchKernels.push(d);
    const { pipeline, layout } = this.pipeline(d);
    const u = this.uniformSlot(d.params.byteLength);
    u.data.set(new Uint8Array(d.params.buffer, d.params.byteOffset, d.params.byteLength), u.offset);
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: u.gpu, offset: u.offset, size: Math.max(16, d.params.byteLength) } }];
    d.bindings.forEach((bd, i) => {
      bd.buf.lastBatch = this.batch;
      entries.push({ binding: i + 1, resource: { buffer: bd.buf.gpu, offset: bd.offset ?? 0, size: bd.size ?? bd.buf.bytes - (bd.offset ?? 0) } });
    });
    const group = device.createBindGroup({ layout, entries, label: d.key });
    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(d.groups[0], d.groups[1], d.groups[2]);
    this.dispatchCount++;
    if (++this.dispatches >= MAX_BATCH) this.flush();
    else this.schedule();
  }

  /** Encodes a buffer-to-buffer copy (4-byte aligned). */
  copy(src: WgBuffer, srcOffset: number, dst: WgBuffer, dstOffset: number, bytes: number): void {
    this.alive();
    const enc = this.commandEncoder();
    this.endPass();
    src.lastBatch = this.batch;
    dst.lastBatch = this.batch;
    enc.copyBufferToBuffer(src.gpu, srcOffset, dst.gpu, dstOffset, bytes);
    this.schedule();
  }

  /** Reads `bytes` at `byteOffset` after the work queued so far (the copy is encoded before this returns). */
  read(b: WgBuffer, byteOffset: number, bytes: number): Promise<ArrayBuffer> {
    this.alive();
    // getMappedRange offsets are multiples of 8: the fault words go after the data at such an offset
    const size = Math.max(8, Math.ceil(bytes / 8) * 8);
    const checkFaults = this.faults.length > 0;
    const staging = this.device.createBuffer({ size: size + (checkFaults ? 16 : 0), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const enc = this.commandEncoder();
    this.endPass();
    b.lastBatch = this.batch;
    if (bytes > 0) enc.copyBufferToBuffer(b.gpu, byteOffset, staging, 0, Math.ceil(bytes / 4) * 4);
    if (checkFaults) enc.copyBufferToBuffer(this.faultBuf.gpu, 0, staging, size, 16);
    const faults = this.faults;
    this.flush();
    if (checkFaults) {
      // cleared after the copy above, in queue order
      this.faults = [];
      this.device.queue.writeBuffer(this.faultBuf.gpu, 0, new Uint32Array(4));
    }
    return staging.mapAsync(GPUMapMode.READ).then(async () => {
      let out: ArrayBuffer, flags: Uint32Array | undefined;
      try {
        out = staging.getMappedRange(0, size).slice(0, bytes);
        flags = checkFaults ? new Uint32Array(staging.getMappedRange(size, 16).slice(0)) : undefined;
      } finally {
        staging.unmap();
        staging.destroy();
      }
      await this.settleScopes();
      if (flags && flags[0]! > 0) this.defer(faults[flags[0]! - 1]!(flags[1]!));
      this.throwDeferred();
      return out;
    }, async (e: unknown) => {
      staging.destroy();
      await Promise.resolve(); // device.lost settles before a map that the loss aborted reports it
      this.alive();
      await this.settleScopes();
      this.throwDeferred();
      throw new BackendError(`webgpu: reading ${bytes} bytes back failed: ${e instanceof Error ? e.message : String(e)}`);
    });
  }

  /** Waits for the queued work; rejects with the deferred errors. */
  async synchronize(): Promise<void> {
    this.alive();
    if (this.faults.length > 0) {
      await this.read(this.faultBuf, 0, 4);
      return;
    }
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.settleScopes();
    this.throwDeferred();
  }

  /** Submits the current batch. */
  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    for (const u of this.uniforms) this.device.queue.writeBuffer(u.gpu, 0, u.data.buffer, 0, u.used);
    const id = this.batch;
    for (const u of this.uniforms) this.spareUniforms.push({ gpu: u.gpu, batch: id });
    this.uniforms = [];
    this.device.queue.submit([this.encoder.finish()]);
    // the batch's scopes (opened with its encoder) cover pipeline and bind group creation, encoding and submit;
    // an error names the kernel whose pipeline label Dawn's message quotes, else the batch
    const kernels = this.batchKernels;
    this.batchKernels = [];
    const what = (e: GPUError): string => {
      const k = kernels.find((d) => e.message.includes(`"${d.key}"`));
      return k ? `${k.kernel} (${k.describe()})` : `a batch of ${kernels.length} kernels (${[...new Set(kernels.map((d) => d.kernel))].slice(0, 8).join(', ')})`;
    };
    this.watchBatch(this.device.popErrorScope(), what);
    this.watchBatch(this.device.popErrorScope(), what);
    this.encoder = null;
    this.dispatches = 0;
    this.batch++;
    this.submitCount++;
    this.device.queue.onSubmittedWorkDone().then(() => {
      this.completed = Math.max(this.completed, id);
      this.pool.sweep(this.completed);
    }, () => {});
  }

  /** Destroys every buffer and the device (unless the caller owns it). */
  destroy(ownDevice: boolean): void {
    this.disposed = true;
    this.pool.destroy();
    for (const u of [...this.uniforms, ...this.spareUniforms]) u.gpu.destroy();
    if (ownDevice) this.device.destroy();
  }

  private pipeline(d: Dispatch): { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout } {
    let p = this.pipelines.get(d.key);
    if (!p) {
      const module = this.device.createShaderModule({ code: d.wgsl(), label: d.key });
      const pipeline = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: d.key });
      // the layout object is kept: getBindGroupLayout makes a new one at every call
      p = { pipeline, layout: pipeline.getBindGroupLayout(0) };
      this.pipelines.set(d.key, p);
    }
    return p;
  }

  private uniformSlot(bytes: number): { gpu: GPUBuffer; data: Uint8Array; offset: number } {
    const need = Math.max(16, Math.ceil(bytes / this.uniformAlign) * this.uniformAlign);
    let u = this.uniforms[this.uniforms.length - 1];
    if (!u || u.used + need > UNIFORM_BYTES) {
      const i = this.spareUniforms.findIndex((s) => s.batch <= this.completed);
      const gpu = i >= 0 ? this.spareUniforms.splice(i, 1)[0]!.gpu
        : this.device.createBuffer({ size: UNIFORM_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
      u = { gpu, data: new Uint8Array(UNIFORM_BYTES), used: 0 };
      this.uniforms.push(u);
    }
    const offset = u.used;
    u.used += need;
    return { gpu: u.gpu, data: u.data, offset };
  }

  private commandEncoder(): GPUCommandEncoder {
    if (!this.encoder) {
      this.device.pushErrorScope('validation');
      this.device.pushErrorScope('out-of-memory');
      this.encoder = this.device.createCommandEncoder();
    }
    return this.encoder;
  }

  private computePass(): GPUComputePassEncoder {
    return (this.pass ??= this.commandEncoder().beginComputePass());
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }

  // work keeps flowing to the GPU while JavaScript goes on: a batch is submitted after the current task
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => { this.scheduled = false; this.flush(); });
  }

  private watch(scope: Promise<GPUError | null>, what: () => string): void {
    this.scopes.push(scope.then((e) => { if (e) this.defer(toFlintError(e, what())); }, () => {}));
    if (this.scopes.length > 4096) this.scopes = [Promise.all(this.scopes).then(() => {})];
  }

  private watchBatch(scope: Promise<GPUError | null>, what: (e: GPUError) => string): void {
    this.scopes.push(scope.then((e) => { if (e) this.defer(toFlintError(e, what(e))); }, () => {}));
  }

  private async settleScopes(): Promise<void> {
    const s = this.scopes;
    this.scopes = [];
    await Promise.all(s);
  }

  private defer(e: Error): void { this.deferred ??= e; }

  private throwDeferred(): void {
    const e = this.deferred;
    this.deferred = undefined;
    if (e) throw e;
  }
}

function toFlintError(e: GPUError, what: string): Error {
  if (e.constructor?.name === 'GPUOutOfMemoryError' || /out of memory|OutOfMemory/i.test(e.message)) {
    return new OutOfMemoryError(`webgpu: the device ran out of memory in ${what}: ${e.message}. Use smaller batches or free tensors (dispose, scope)`);
  }
  return new BackendError(`webgpu: ${what} failed: ${e.message}`);
}
