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
import { ARGS, NARGS, gebpPart, workerLoop } from './gebp-part.js';
import type { NativeKit } from './native-kit.js';
import { makeNativeKit } from './native-kit.js';
import { nativeConvPart } from './native-conv-part.js';

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
    const ctrl = new SharedArrayBuffer(4 * (ARGS + NARGS));
    try {
      slots.push({ worker: env.start(SOURCE, w.module, w.memory, ctrl, ownerNative ?? undefined), ctrl: new Int32Array(ctrl), seq: 0, born: performance.now() });
    } catch {
      return slots.length > 0 ? slots : null;
    }
  }
  return slots.slice(0, count);
}

/** Job kinds: the index of each part in the workers' list. */
export const GEBP = 0, CONV_IMAGE = 1, NATIVE_CONV = 2;
const PARTS: Part[] = [gebpPart, convImagePart, nativeConvPart];
// __name: esbuild's keepNames (tsx, vitest) wraps inner functions in calls to a helper of that name
const SOURCE = `(m, mem, c, native) => { const __name = (f) => f;
  (${workerLoop.toString()})(m, mem, c, [${PARTS.map((f) => f.toString()).join(', ')}], ${makeNativeKit.toString()}, native); }`;

/** The calling thread's view of the kernel, as parts see it. */
const exportsOf = (w: WasmGemm): KernelExports => ({
  gebp: w.gebp, padRows: w.padRows, gather1: w.gather1, gather4: w.gather4, scatter1: w.scatter1, scatter4: w.scatter4, f32: () => w.f32,
});
let mainExports: { w: WasmGemm; x: KernelExports } | null = null;

/** A job's use of the native BLAS: the calling thread's binding, and where workers find it (null: none may). */
export interface NativeJob { kit: NativeKit; workers: NativeWorkers | null }

/**
 * Runs parts `ranges` of a job (kind, arguments `a` from index ARGS): the first ones on workers, the last
 * on the calling thread, and returns when all are done. One range runs here alone, as do all where `native`
 * gives workers no way to the native BLAS.
 */
export function runParts(w: WasmGemm, kind: number, a: Int32Array, ranges: readonly (readonly [number, number])[], native?: NativeJob): void {
  if (mainExports?.w !== w) mainExports = { w, x: exportsOf(w) };
  const x = native ? { ...mainExports.x, native: () => native.kit } : mainExports.x, part = PARTS[kind]!;
  const pool = ranges.length > 1 && (!native || native.workers) ? workers(w, ranges.length - 1, native?.workers ?? null) : null;
  if (!pool) { for (const [lo, hi] of ranges) part(x, a, ARGS, lo, hi); return; }
  const mine = ranges.slice(pool.length);
  for (let i = 0; i < pool.length; i++) {
    const s = pool[i]!;
    s.ctrl.set(a.subarray(ARGS), ARGS);
    s.ctrl[4] = ranges[i]![0]; s.ctrl[5] = ranges[i]![1]; s.ctrl[6] = kind;
    s.seq = (s.seq + 1) | 0;
    Atomics.store(s.ctrl, 0, s.seq);
    Atomics.notify(s.ctrl, 0);
  }
  for (const [lo, hi] of mine) part(x, a, ARGS, lo, hi);
  const failed: number[] = [];
  for (let i = 0; i < pool.length; i++) {
    const s = pool[i]!;
    let lost = false;
    // the worker's part usually ends about when ours does: spin briefly before sleeping
    for (let k = 0; k < 20000 && Atomics.load(s.ctrl, 1) !== s.seq; k++);
    for (let v = Atomics.load(s.ctrl, 1); v !== s.seq; v = Atomics.load(s.ctrl, 1)) {
      Atomics.wait(s.ctrl, 1, v, 200);
      // a worker that never started (it could not load its code) would be waited on forever
      if (Atomics.load(s.ctrl, 7) === 0 && performance.now() - s.born > STARTUP_LIMIT_MS) { lost = true; break; }
    }
    if (lost || s.ctrl[2] !== 0) failed.push(i);
  }
  if (failed.length === 0) return;
  // a worker that could not run its part (it failed to instantiate the kernel): stay on one thread from now on
  // and redo those parts here
  disposeThreads();
  wanted = 1;
  console.warn('@flint/backend-cpu: a kernel thread could not run its part; continuing on one thread');
  try {
    for (const i of failed) part(x, a, ARGS, ranges[i]![0], ranges[i]![1]);
  } catch (e) {
    throw new BackendError(`cpu kernel: a kernel thread failed and its part failed again on the calling thread (${String(e)})`);
  }
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
