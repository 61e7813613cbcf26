// DDP's gradient reducer: parameters are laid out in buckets (reverse registration order, about the order
// backward produces their gradients, at most bucketCapMb each); as each gradient lands (a post-accumulate
// hook) it is copied into its bucket, and a full bucket starts an MPI_Iallreduce at once, overlapping the
// rest of backward. Buckets start in index order on every rank, so the ranks' MPI calls always match. When
// the last bucket started, the reducer waits for all of them and writes the averaged gradients back.
import { fromBlob, type DType, type Tensor } from '@flint/core';
import { DistributedError } from '../errors.js';
import type { GroupState } from '../group/process-group.js';
import { mpiType, NativeBuffer, elementBytes, type RequestSlot } from '../mpi/native.js';
import { divideInPlace, writeBack } from '../collectives/host.js';

interface Slot { param: Tensor; name: string; bucket: number; offset: number; numel: number }
interface Bucket { dtype: DType; buf: NativeBuffer; slots: Slot[]; pending: number; request?: RequestSlot }

/** Groups parameters into buckets of at most `capBytes` (a parameter larger than the cap gets its own). */
export function planBuckets(params: readonly [string, Tensor][], capBytes: number): [string, Tensor][][] {
  const out: [string, Tensor][][] = [];
  const open = new Map<DType, { list: [string, Tensor][]; bytes: number }>();
  for (const [name, p] of [...params].reverse()) {
    const bytes = p.numel() * elementBytes('DistributedDataParallel', p.dtype);
    let cur = open.get(p.dtype);
    if (cur && cur.bytes + bytes > capBytes && cur.list.length > 0) { out.push(cur.list); cur = undefined; }
    if (!cur) { cur = { list: [], bytes: 0 }; open.set(p.dtype, cur); }
    cur.list.push([name, p]);
    cur.bytes += bytes;
  }
  for (const c of open.values()) if (c.list.length) out.push(c.list);
  return out;
}

/** The buckets of one DistributedDataParallel and their state in the current backward pass. */
export class Reducer {
  readonly buckets: Bucket[];
  readonly #bySlot = new Map<Tensor, Slot>();
  #next = 0; // the next bucket to start
  #ready = new Set<Tensor>();
  /** Whether this iteration's gradients are synchronised (false inside noSync). */
  active = false;

  constructor(private readonly s: GroupState, params: readonly [string, Tensor][], capBytes: number) {
    this.buckets = planBuckets(params, capBytes).map((list, b) => {
      let offset = 0;
      const slots = list.map(([name, param]) => { const sl = { param, name, bucket: b, offset, numel: param.numel() }; offset += sl.numel; return sl; });
      for (const sl of slots) this.#bySlot.set(sl.param, sl);
      return { dtype: list[0]![1].dtype, buf: new NativeBuffer(s.mpi, list[0]![1].dtype, offset), slots, pending: slots.length };
    });
  }

  /** Starts an iteration: parameters in `unused` count as ready with zero gradients (findUnusedParameters). */
  prepare(active: boolean, unused: readonly Tensor[] = []): void {
    if (this.#next > 0 || this.#ready.size > 0) {
      const missing = [...this.#bySlot.values()].filter((sl) => !this.#ready.has(sl.param)).map((sl) => sl.name);
      this.#reset();
      throw new DistributedError(`the previous backward pass did not produce gradients for ${missing.length} parameter(s) (${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', ...' : ''}), so their buckets were never reduced; pass { findUnusedParameters: true } if some parameters don't take part in the loss`);
    }
    this.active = active;
    if (!active) return;
    for (const p of unused) {
      const sl = this.#bySlot.get(p);
      if (sl && !this.#ready.has(p)) { this.#fill(sl, null); this.#markReady(sl); }
    }
  }

  /** The post-accumulate hook of parameter `p`. */
  onGradient(p: Tensor): void {
    if (!this.active) return;
    const sl = this.#bySlot.get(p);
    if (!sl) return;
    if (this.#ready.has(p)) throw new DistributedError(`DistributedDataParallel: parameter '${sl.name}' received a gradient twice in one backward pass (a second backward through a reused graph); call backward once per forward or use noSync() for accumulation`);
    this.#fill(sl, p.grad);
    this.#markReady(sl);
  }

  #fill(sl: Slot, grad: Tensor | null): void {
    const arr = this.buckets[sl.bucket]!.buf.array;
    if (!grad) { (arr as Float32Array).fill(0, sl.offset, sl.offset + sl.numel); return; }
    (arr as Float32Array).set(grad.dataSync() as Float32Array, sl.offset);
  }

  #markReady(sl: Slot): void {
    this.#ready.add(sl.param);
    const b = this.buckets[sl.bucket]!;
    b.pending--;
    // start every bucket that is full, in index order; drive the ones already in flight
    while (this.#next < this.buckets.length && this.buckets[this.#next]!.pending === 0) this.#start(this.buckets[this.#next++]!);
    this.s.engine.progress(this.buckets.flatMap((x) => (x.request ? [x.request] : [])));
    if (this.#next === this.buckets.length) this.#finish();
  }

  #start(b: Bucket): void {
    const { mpi } = this.s, h = mpi.handles;
    b.request = this.s.engine.start('DistributedDataParallel gradient allReduce', (req) => mpi.Iallreduce(h.inPlace, b.buf.ptr, b.buf.count, mpiType(mpi, b.dtype), h.sum, h.commWorld, req));
  }

  /** Waits for every bucket, averages, and writes the gradients back into each parameter's .grad. */
  #finish(): void {
    this.s.engine.waitSync('DistributedDataParallel gradient allReduce', this.buckets.map((b) => b.request!));
    for (const b of this.buckets) {
      divideInPlace(b.buf.array, this.s.size);
      for (const sl of b.slots) {
        if (sl.param.grad) writeBack(sl.param.grad, b.buf, sl.offset, sl.numel);
        else sl.param.grad = fromBlob(b.buf.array.slice(sl.offset, sl.offset + sl.numel) as Float32Array, sl.param.shape, { dtype: sl.param.dtype });
      }
    }
    this.#reset();
  }

  #reset(): void {
    this.#next = 0;
    this.#ready.clear();
    for (const b of this.buckets) { b.pending = b.slots.length; b.request = undefined; }
  }

  /** Frees the native buckets. */
  dispose(): void { for (const b of this.buckets) b.buf.free(); }
}
