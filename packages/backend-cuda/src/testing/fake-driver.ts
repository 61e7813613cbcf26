// A fake CUDA driver for tests: device memory is host memory with a capacity (so out-of-memory can be
// provoked), streams run their work at once unless held (so events stay pending and stream-ordered frees
// can be observed), launches are recorded with their argument bytes, and stream capture records work into
// a graph that replay re-runs. It implements the same Driver interface as the koffi binding.
import { OutOfMemoryError } from '@flint/core';
import type { AddressOf } from '../runtime/args.js';
import type { DevicePtr, Driver, Handle, PinnedBuffer } from '../runtime/driver.js';

/** A recorded kernel launch. */
export interface FakeLaunch { readonly fn: string; readonly grid: readonly number[]; readonly block: readonly number[]; readonly args: Uint8Array; readonly stream: number }

type Work = () => void;
interface FakeStream { readonly key: number; held: boolean; queue: Work[]; capture: Work[] | null; captureLaunches: FakeLaunch[] | null }
interface FakeEvent { readonly key: 'event'; done: boolean }
interface FakeGraph { readonly work: Work[]; readonly launches: FakeLaunch[] }

/** The fake device and its counters. */
export class FakeDriver implements Driver {
  readonly memory = new Map<bigint, Uint8Array>();
  readonly launches: FakeLaunch[] = [];
  readonly calls: string[] = [];
  #next = 0x10000000n;
  #used = 0;
  #hostBuffers = new Map<bigint, Uint8Array>();
  #nextHost = 0x7f0000000000n;
  /** Fail the next n memAlloc calls with out-of-memory, whatever the capacity. */
  failNextAllocs = 0;

  /** @param capacity - device bytes; allocations beyond it fail with CUDA_ERROR_OUT_OF_MEMORY */
  constructor(readonly capacity = 1 << 30) {}

  /** The fake's addressOf: host buffers get stable fake addresses, so launches can be decoded. */
  readonly addressOf: AddressOf = (view) => {
    const addr = this.#nextHost;
    this.#nextHost += BigInt(Math.ceil(view.byteLength / 16) * 16 + 16);
    this.#hostBuffers.set(addr, view);
    return addr;
  };

  #resolve(ptr: DevicePtr): [Uint8Array, number] {
    for (const [base, mem] of this.memory) if (ptr >= base && ptr < base + BigInt(mem.byteLength)) return [mem, Number(ptr - base)];
    throw new Error(`fake driver: address 0x${ptr.toString(16)} is not allocated`);
  }
  /** Device bytes at `ptr`. */
  bytes(ptr: DevicePtr, n: number): Uint8Array { const [m, o] = this.#resolve(ptr); return m.subarray(o, o + n); }
  /** Bytes cuMemAlloc'd and not freed. */
  get used(): number { return this.#used; }

  #enqueue(s: Handle, w: Work): void {
    const st = s as FakeStream;
    if (st.capture) st.capture.push(w);
    else if (st.held) st.queue.push(w);
    else w();
  }
  /** Keep the stream's work (and events) pending until release. */
  hold(s: Handle): void { (s as FakeStream).held = true; }
  /** Run the stream's pending work. */
  release(s: Handle): void { const st = s as FakeStream; st.held = false; for (const w of st.queue.splice(0)) w(); }

  memAlloc(bytes: number): DevicePtr {
    this.calls.push(`memAlloc ${bytes}`);
    if (this.failNextAllocs > 0 || this.#used + bytes > this.capacity) {
      if (this.failNextAllocs > 0) this.failNextAllocs--;
      throw new OutOfMemoryError('fake: cuMemAlloc failed with CUDA_ERROR_OUT_OF_MEMORY');
    }
    const ptr = this.#next;
    this.#next += BigInt(Math.ceil(bytes / 256) * 256 + 256);
    this.memory.set(ptr, new Uint8Array(bytes));
    this.#used += bytes;
    return ptr;
  }
  memFree(ptr: DevicePtr): void {
    this.calls.push(`memFree 0x${ptr.toString(16)}`);
    const m = this.memory.get(ptr);
    if (!m) throw new Error(`fake driver: cuMemFree of 0x${ptr.toString(16)}, which cuMemAlloc did not return`);
    this.#used -= m.byteLength;
    this.memory.delete(ptr);
  }
  memGetInfo() { return { free: this.capacity - this.#used, total: this.capacity }; }
  memAllocHost(bytes: number): PinnedBuffer { return { ptr: { pinned: bytes }, bytes: new Uint8Array(bytes) }; }
  memFreeHost(): void { /* host memory is garbage-collected */ }
  memcpyHtoD(dst: DevicePtr, src: ArrayBufferView, bytes: number, s: Handle): void {
    const copy = new Uint8Array(src.buffer, src.byteOffset, bytes).slice();
    this.#enqueue(s, () => this.bytes(dst, bytes).set(copy));
  }
  memcpyDtoH(dst: PinnedBuffer, off: number, src: DevicePtr, bytes: number, s: Handle): void {
    this.#enqueue(s, () => dst.bytes.set(this.bytes(src, bytes), off));
  }
  memcpyDtoD(dst: DevicePtr, src: DevicePtr, bytes: number, s: Handle): void {
    this.#enqueue(s, () => this.bytes(dst, bytes).set(this.bytes(src, bytes).slice()));
  }
  memsetD8(dst: DevicePtr, v: number, bytes: number, s: Handle): void { this.#enqueue(s, () => this.bytes(dst, bytes).fill(v)); }
  #streams = 0;
  streamCreate(): Handle { return { key: ++this.#streams, held: false, queue: [], capture: null, captureLaunches: null } satisfies FakeStream; }
  streamDestroy(): void { /* nothing to free */ }
  streamSynchronize(s: Handle): void { this.release(s); }
  streamWaitEvent(s: Handle, e: Handle): void {
    // a held producer makes the consumer wait too: its work queues behind the event
    if (!(e as FakeEvent).done && !(s as FakeStream).capture) this.hold(s);
    const st = s as FakeStream, ev = e as FakeEvent;
    if (!ev.done) waiters.set(ev, [...(waiters.get(ev) ?? []), st]);
  }
  eventCreate(): Handle { return { key: 'event', done: true } satisfies FakeEvent; }
  eventRecord(e: Handle, s: Handle): void {
    const ev = e as FakeEvent;
    ev.done = false;
    this.#enqueue(s, () => { ev.done = true; for (const w of waiters.get(ev) ?? []) this.release(w); waiters.delete(ev); });
  }
  eventQuery(e: Handle): boolean { return (e as FakeEvent).done; }
  eventSynchronize(e: Handle): void { if (!(e as FakeEvent).done) throw new Error('fake driver: eventSynchronize on an event whose stream is held would hang'); }
  eventElapsed(): number { return 0; }
  eventDestroy(): void { /* nothing to free */ }
  readonly modules: string[] = [];
  moduleLoad(ptx: string): Handle { this.modules.push(ptx); return { module: ptx }; }
  moduleFunction(_m: Handle, name: string): Handle { return { fn: name }; }
  launch(f: Handle, grid: readonly [number, number, number], block: readonly [number, number, number], _shared: number, s: Handle, params: BigUint64Array): void {
    // the argument bytes as they are at launch time (cuLaunchKernel copies them)
    const base = params.length ? params[0]! : 0n;
    const host = [...this.#hostBuffers].find(([a, v]) => base >= a && base < a + BigInt(v.byteLength));
    const args = host ? host[1].slice() : new Uint8Array(0);
    const l: FakeLaunch = { fn: (f as { fn: string }).fn, grid: [...grid], block: [...block], args, stream: (s as FakeStream).key };
    const st = s as FakeStream;
    if (st.captureLaunches) st.captureLaunches.push(l);
    this.#enqueue(s, () => this.launches.push(l));
  }
  beginCapture(s: Handle): void { const st = s as FakeStream; st.capture = []; st.captureLaunches = []; }
  endCapture(s: Handle): Handle {
    const st = s as FakeStream, g: FakeGraph = { work: st.capture ?? [], launches: st.captureLaunches ?? [] };
    st.capture = null; st.captureLaunches = null;
    return g;
  }
  graphInstantiate(g: Handle): Handle { return { exec: g }; }
  graphLaunch(exec: Handle, s: Handle): void {
    for (const w of ((exec as { exec: FakeGraph }).exec).work) this.#enqueue(s, w);
  }
  graphDestroy(): void { /* nothing to free */ }
  synchronize(): void { /* work runs at once unless held */ }
}

const waiters = new WeakMap<FakeEvent, FakeStream[]>();
