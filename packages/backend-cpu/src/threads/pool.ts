// Kernel threads: setNumThreads/getNumThreads (as torch.set_num_threads) and a pool of workers that share
// the GEMM kernel's WebAssembly memory. The calling thread packs panels, then it and the workers each run a
// fixed slice of the macro-kernel and it blocks (Atomics.wait) until all are done, so kernels stay synchronous.
import { BackendError, ValueError } from '@flint/core';
import type { WasmGemm } from '../kernels/wasm-gemm.js';
import type { WorkerHandle } from './env.js';
import { threadEnv } from './env.js';
import { ARGS, NARGS, gebpPart, workerLoop } from './gebp-part.js';

/** Multiply-adds below which one more thread costs more in hand-over than it saves. */
const MIN_MACS_PER_THREAD = 1 << 18;

interface Slot { worker: WorkerHandle; ctrl: Int32Array; seq: number }

let wanted: number | undefined;
let slots: Slot[] = [];
let owner: WasmGemm | null = null;
const args = new Int32Array(ARGS + NARGS);
const SOURCE = `(m, mem, c) => (${workerLoop.toString()})(m, mem, c, ${gebpPart.toString()})`;

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

/** Workers for `w`'s module and memory, `count` of them, started as needed; null where that fails. */
function workers(w: WasmGemm, count: number): Slot[] | null {
  const env = threadEnv();
  if (!env || !w.module || !(w.memory.buffer instanceof SharedArrayBuffer)) return null;
  if (owner !== w) { disposeThreads(); owner = w; }
  while (slots.length < count) {
    const ctrl = new SharedArrayBuffer(4 * (ARGS + NARGS));
    try {
      slots.push({ worker: env.start(SOURCE, w.module, w.memory, ctrl), ctrl: new Int32Array(ctrl), seq: 0 });
    } catch {
      return slots.length > 0 ? slots : null;
    }
  }
  return slots.slice(0, count);
}

/**
 * C block (+)= packed A block x packed B block: the loop over MC-high A blocks of gemm.ts, split across
 * threads by column panels (or by row panels when there are fewer panels than threads). Addresses in bytes.
 */
export function runGebp(w: WasmGemm, mPad: number, MC: number, kc: number, ap: number, bp: number, cp: number, ncPad: number, load: number): void {
  const panels = ncPad / w.nr, rows = mPad / w.mr;
  const byCols = panels >= Math.min(rows, getNumThreads()), units = byCols ? panels : rows;
  args.set([byCols ? 0 : 1, mPad, MC, kc, ap, bp, cp, ncPad, load, w.mr, w.nr], ARGS);
  const t = Math.min(getNumThreads(), units, Math.max(1, Math.floor((mPad * ncPad * kc) / MIN_MACS_PER_THREAD)));
  const pool = t > 1 ? workers(w, t - 1) : null;
  if (!pool) { gebpPart(w.gebp, args, ARGS, 0, units); return; }
  const n = pool.length + 1, cut = (i: number): number => Math.floor((i * units) / n);
  for (let i = 0; i < pool.length; i++) {
    const s = pool[i]!;
    s.ctrl.set(args.subarray(ARGS), ARGS);
    s.ctrl[4] = cut(i); s.ctrl[5] = cut(i + 1);
    s.seq = (s.seq + 1) | 0;
    Atomics.store(s.ctrl, 0, s.seq);
    Atomics.notify(s.ctrl, 0);
  }
  gebpPart(w.gebp, args, ARGS, cut(n - 1), units);
  let failed = -1;
  for (let i = 0; i < pool.length; i++) {
    const s = pool[i]!;
    for (let v = Atomics.load(s.ctrl, 1); v !== s.seq; v = Atomics.load(s.ctrl, 1)) Atomics.wait(s.ctrl, 1, v, 1000);
    if (s.ctrl[2] !== 0 && failed < 0) failed = i;
  }
  if (failed >= 0) {
    // a worker that could not run its part (it failed to instantiate the kernel): redo that part here
    disposeThreads();
    wanted = 1;
    const s = pool[failed]!;
    try { gebpPart(w.gebp, args, ARGS, s.ctrl[4]!, s.ctrl[5]!); } catch (e) {
      throw new BackendError(`matmul: a kernel thread failed and the part failed again on the calling thread (${String(e)})`);
    }
    for (let i = failed + 1; i < pool.length; i++) if (pool[i]!.ctrl[2] !== 0) gebpPart(w.gebp, args, ARGS, pool[i]!.ctrl[4]!, pool[i]!.ctrl[5]!);
  }
}
