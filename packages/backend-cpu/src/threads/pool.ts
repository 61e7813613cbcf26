// Kernel threads: setNumThreads/getNumThreads (as torch.set_num_threads) and a pool of workers that share
// the GEMM kernel's WebAssembly memory. The calling thread packs panels, then it and the workers each run a
// fixed slice of the macro-kernel and it blocks (Atomics.wait) until all are done, so kernels stay synchronous.
import { BackendError, ValueError } from '@flint/core';
import { setBlasThreads } from '../blas/native.js';
import type { WasmGemm } from '../kernels/wasm-gemm.js';
import type { WorkerHandle } from './env.js';
import { threadEnv } from './env.js';
import type { KernelExports } from './conv-parts.js';
import { convImagePart } from './conv-parts.js';
import type { Part } from './gebp-part.js';
import { ARGS, CTRL_INTS, JOBS_RUN, NARGS, gebpPart, workerLoop } from './gebp-part.js';
import type { NativeKit } from './native-kit.js';
import { makeNativeKit } from './native-kit.js';
import { nativeConvPart } from './native-conv-part.js';
import { ROWS_PROGRESS, nativeRowsPart, wasmRowsPart } from './rows-parts.js';

/** Where a kernel thread finds the native BLAS: koffi's file and the library's (Node only). */
export interface NativeWorkers { koffi: string; library: string }

/**
 * Multiply-adds below which one more thread costs more than it saves: measured on 2 cores, a 64x100x300
 * product (a GRU step's, 2M) ran slower on two threads (the serial packing and the hand-over), 256^3 faster.
 */
const MIN_MACS_PER_THREAD = 1 << 21;

interface Slot { worker: WorkerHandle; ctrl: Int32Array; seq: number; born: number }

/** How long a new worker may take to start before its parts run here instead (and threads are turned off). */
const STARTUP_LIMIT_MS = 20_000;

let wanted: number | undefined;
let slots: Slot[] = [];
let owner: WasmGemm | null = null;
/** The native BLAS the running workers were started with (workers bind it on their first native job). */
let ownerNative: NativeWorkers | null = null;
const args = new Int32Array(ARGS + NARGS);

/** Whether this engine can run kernel threads (Node, or a cross-origin isolated Web Worker). */
export const threadsSupported = (): boolean => threadEnv() !== null;

/** The number of threads the CPU kernels use (the calling thread included); the available cores by default. */
export function getNumThreads(): number {
  const env = threadEnv();
  if (!env) return 1;
  return wanted ?? Math.max(1, env.cores);
}

/**
 * Sets the number of threads the CPU kernels use, the calling thread included (like `torch.set_num_threads`).
 * Results are the same for every count. Where threads are unavailable (a browser page that is not
 * cross-origin isolated, or its main thread) kernels run on one thread whatever is set.
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new ValueError(`setNumThreads: expected a positive integer, got ${String(n)}`);
  wanted = n;
  setBlasThreads(n);
  if (slots.length > n - 1) closeSlots(slots.splice(n - 1));
}

/** How many kernel workers are running (tests check that a split really ran on them). */
export const liveWorkers = (): number => slots.length;

/** How many jobs the running kernel workers have run, all together (tests check that each post runs once). */
export const workerJobs = (): number => slots.reduce((n, s) => n + Atomics.load(s.ctrl, JOBS_RUN), 0);

/**
 * Wakes every kernel worker without posting a job, as the notify of a caller preempted between storing a job
 * and waking its worker can arrive after that job is done (tests check that nothing runs).
 */
export function wakeWorkers(): void {
  for (const s of slots) Atomics.notify(s.ctrl, 0);
}

/** Ends every kernel worker now (they are started again on demand); kernels keep working meanwhile. */
export function disposeThreads(): void {
  closeSlots(slots);
  slots = [];
}

function closeSlots(list: Slot[]): void {
  for (const s of list) {
    Atomics.store(s.ctrl, 3, 1);
    Atomics.add(s.ctrl, 0, 1);
    Atomics.notify(s.ctrl, 0);
    void s.worker.terminate();
  }
}

/**
 * Workers for `w`'s module and memory, `count` of them, started as needed; null where that fails. A job
 * that needs the native BLAS (`native`) restarts workers that were started without it.
 */
function workers(w: WasmGemm, count: number, native: NativeWorkers | null): Slot[] | null {
  const env = threadEnv();
  if (!env || !w.module || !(w.memory.buffer instanceof SharedArrayBuffer)) return null;
  const sameNative = !native || (ownerNative?.koffi === native.koffi && ownerNative.library === native.library);
  if (owner !== w || !sameNative) { disposeThreads(); owner = w; ownerNative = native; }
  while (slots.length < count) {
    const ctrl = new SharedArrayBuffer(4 * CTRL_INTS);
    try {
      slots.push({ worker: env.start(SOURCE, w.module, w.memory, ctrl, ownerNative ?? undefined), ctrl: new Int32Array(ctrl), seq: 0, born: performance.now() });
    } catch {
      return slots.length > 0 ? slots : null;
    }
  }
  return slots.slice(0, count);
}

/** Job kinds: the index of each part in the workers' list. */
export const GEBP = 0, CONV_IMAGE = 1, NATIVE_CONV = 2, NATIVE_ROWS = 3, WASM_ROWS = 4;
const PARTS: Part[] = [gebpPart, convImagePart, nativeConvPart, nativeRowsPart, wasmRowsPart];
// __name: esbuild's keepNames (tsx, vitest) wraps inner functions in calls to a helper of that name
const SOURCE = `(m, mem, c, native) => { const __name = (f) => f;
  (${workerLoop.toString()})(m, mem, c, [${PARTS.map((f) => f.toString()).join(', ')}], ${makeNativeKit.toString()}, native); }`;

/** The calling thread's view of the kernel, as parts see it. */
const exportsOf = (w: WasmGemm): KernelExports => ({
  gebp: w.gebp, padRows: w.padRows, gather1: w.gather1, gather4: w.gather4, scatter1: w.scatter1, scatter4: w.scatter4, gatherT4: w.gatherT4, f32: () => w.f32,
});
let mainExports: { w: WasmGemm; x: KernelExports } | null = null;

/** A job's use of the native BLAS: the calling thread's binding, and where workers find it (null: none may). */
export interface NativeJob { kit: NativeKit; workers: NativeWorkers | null }

/** The first worker running a job started by {@link startPart}; no other job may use it meanwhile. */
let lent: Slot | null = null;
let started = 0;
/** How many parts {@link startPart} has handed to a kernel thread (tests check that one really ran). */
export const asyncParts = (): number => started;

/**
 * Runs parts `ranges` of a job (kind, arguments `a` from index ARGS): the first ones on workers, the last
 * on the calling thread, and returns when all are done. One range runs here alone, as do all where `native`
 * gives workers no way to the native BLAS (or a job started by startPart holds the workers).
 */
export function runParts(w: WasmGemm, kind: number, a: Int32Array, ranges: readonly (readonly [number, number])[], native?: NativeJob): void {
  const x = callerExports(w, native), part = PARTS[kind]!;
  const pool = ranges.length > 1 && !lent && (!native || native.workers) ? workers(w, ranges.length - 1, native?.workers ?? null) : null;
  if (!pool) { for (const [lo, hi] of ranges) part(x, a, ARGS, lo, hi); return; }
  const mine = ranges.slice(pool.length);
  pool.forEach((s, i) => post(s, kind, a, ranges[i]!));
  for (const [lo, hi] of mine) part(x, a, ARGS, lo, hi);
  const failed: number[] = [];
  pool.forEach((s, i) => { if (!finished(s)) failed.push(i); });
  if (failed.length === 0) return;
  threadFailed();
  try {
    for (const i of failed) part(x, a, ARGS, ranges[i]![0], ranges[i]![1]);
  } catch (e) {
    throw new BackendError(`cpu kernel: a kernel thread failed and its part failed again on the calling thread (${String(e)})`);
  }
}

/** The calling thread's view of the kernel for a job (with the native BLAS where the job has one). */
function callerExports(w: WasmGemm, native?: NativeJob): KernelExports {
  if (mainExports?.w !== w) mainExports = { w, x: exportsOf(w) };
  return native ? { ...mainExports.x, native: () => native.kit } : mainExports.x;
}

/** Hands range `r` of a job to worker `s`. */
function post(s: Slot, kind: number, a: Int32Array, r: readonly [number, number]): void {
  s.ctrl.set(a.subarray(ARGS), ARGS);
  s.ctrl[4] = r[0]; s.ctrl[5] = r[1]; s.ctrl[6] = kind;
  s.seq = (s.seq + 1) | 0;
  Atomics.store(s.ctrl, 0, s.seq);
  Atomics.notify(s.ctrl, 0);
}

/** Whether worker `s` is done with its job (waiting for it); false when it failed or never started. */
function isDone(s: Slot): boolean { return Atomics.load(s.ctrl, 1) === s.seq; }
const neverStarted = (s: Slot): boolean => Atomics.load(s.ctrl, 7) === 0 && performance.now() - s.born > STARTUP_LIMIT_MS;
function finished(s: Slot): boolean {
  // the worker's part usually ends about when ours does: spin briefly before sleeping
  for (let k = 0; k < 20000 && !isDone(s); k++);
  for (let v = Atomics.load(s.ctrl, 1); v !== s.seq; v = Atomics.load(s.ctrl, 1)) {
    Atomics.wait(s.ctrl, 1, v, 200);
    // a worker that never started (it could not load its code) would be waited on forever
    if (neverStarted(s)) return false;
  }
  return s.ctrl[2] === 0;
}

/**
 * A worker could not run its part (it failed to instantiate the kernel, or its part threw): stay on one
 * thread from now on; the caller redoes the part.
 */
function threadFailed(): void {
  disposeThreads();
  wanted = 1;
  console.warn('@flint/backend-cpu: a kernel thread could not run its part; continuing on one thread');
}

/** A part running on a kernel thread while the calling thread goes on (see {@link startPart}). */
export interface AsyncPart {
  /**
   * Waits until the part has published progress of at least `n` (its units done, counted from 0) or ended,
   * and returns the progress then: less than `n` only when the worker failed, whose remaining units are then
   * the caller's to run.
   */
  until(n: number): number;
  /** Waits for the part to end (always call it before the part's memory may go); false when it failed. */
  join(): boolean;
}

/**
 * Starts units [lo, hi) of a job on one kernel thread and returns at once; the part publishes its progress
 * (units done) in argument slot ROWS_PROGRESS as it goes, and the caller waits for what it needs with
 * `until`. Null where no worker can run it (one thread, no threads here, or a job already holds one): the
 * caller then runs the units itself.
 */
export function startPart(w: WasmGemm, kind: number, a: Int32Array, lo: number, hi: number, native?: NativeJob): AsyncPart | null {
  if (lent || getNumThreads() < 2 || (native && !native.workers)) return null;
  const s = workers(w, 1, native?.workers ?? null)?.[0];
  if (!s) return null;
  lent = s;
  started++;
  const at = ARGS + ROWS_PROGRESS;
  a[at] = lo;
  post(s, kind, a, [lo, hi]);
  let ended: boolean | null = null;
  const join = (): boolean => {
    if (ended !== null) return ended;
    ended = finished(s);
    lent = null;
    if (!ended) threadFailed();
    return ended;
  };
  return {
    until(n) {
      for (let k = 0; ended === null; k++) {
        const p = Atomics.load(s.ctrl, at);
        if (p >= n) return p;
        if (isDone(s) || neverStarted(s)) break;
        // spin first (a block is usually due soon), then sleep until the part publishes more
        if (k > 20000) Atomics.wait(s.ctrl, at, p, 50);
      }
      join();
      return Atomics.load(s.ctrl, at);
    },
    join,
  };
}

/** Splits [0, units) into n contiguous near-equal ranges. */
const split = (units: number, n: number): [number, number][] =>
  Array.from({ length: n }, (_, i) => [Math.floor((i * units) / n), Math.floor(((i + 1) * units) / n)]);

/**
 * C block (+)= packed A block x packed B block: the loop over MC-high A blocks of gemm.ts, split across
 * threads by column panels (or by row panels when there are fewer panels than threads). Addresses in bytes.
 */
export function runGebp(w: WasmGemm, mPad: number, MC: number, kc: number, ap: number, bp: number, cp: number, ncPad: number, load: number): void {
  const panels = ncPad / w.nr, rows = mPad / w.mr;
  const byCols = panels >= Math.min(rows, getNumThreads()), units = byCols ? panels : rows;
  args.set([byCols ? 0 : 1, mPad, MC, kc, ap, bp, cp, ncPad, load, w.mr, w.nr], ARGS);
  const t = Math.min(getNumThreads(), units, Math.max(1, Math.floor((mPad * ncPad * kc) / MIN_MACS_PER_THREAD)));
  runParts(w, GEBP, args, split(units, t));
}
