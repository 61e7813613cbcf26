// The unit of parallel GEMM work and the worker's main loop. Both are self-contained functions (no
// imports, no module constants): workers get them as source text, so one copy runs on every thread.
import type { KernelExports } from './conv-parts.js';
import type { KoffiLike, NativeKit } from './native-kit.js';

/** A unit of work a thread runs: part [lo, hi) of the job whose arguments start at a[o]. */
export type Part = (x: KernelExports, a: ArrayLike<number>, o: number, lo: number, hi: number) => void;

/** Where a job's arguments start in a control array, and the most a job has. */
export const ARGS = 8, NARGS = 40;
/**
 * The control word where a worker counts the jobs it ran (after the arguments), and a control array's length.
 * workerLoop writes it as c[48]: workers get it as source text, without this module's constants.
 */
export const JOBS_RUN = ARGS + NARGS, CTRL_INTS = JOBS_RUN + 1;

/**
 * Runs part [lo, hi) of one packed GEMM block; a = [mode, mPad, MC, kc, ap, bp, cp, ncPad, load, MR, NR]
 * from a[o] (addresses in bytes). mode 0 splits C by NR-wide column panels, mode 1 by MR-high row panels.
 * Every C tile is computed by one micro-kernel call over the same K steps whatever the split, so results
 * are bitwise those of one thread.
 */
export function gebpPart(x: Pick<KernelExports, 'gebp'>, a: ArrayLike<number>, o: number, lo: number, hi: number): void {
  const gebp = x.gebp;
  const mode = a[o]!, mPad = a[o + 1]!, MC = a[o + 2]!, kc = a[o + 3]!, ap = a[o + 4]!, bp = a[o + 5]!, cp = a[o + 6]!;
  const ncPad = a[o + 7]!, load = a[o + 8]!, MR = a[o + 9]!, NR = a[o + 10]!, ldc = ncPad * 4;
  if (mode === 0) {
    const nc = (hi - lo) * NR, b = bp + lo * NR * kc * 4, c = cp + lo * NR * 4;
    for (let ic = 0; ic < mPad; ic += MC) gebp(Math.min(MC, mPad - ic), nc, kc, ap + ic * kc * 4, b, c + ic * ldc, ldc, load);
  } else {
    const end = hi * MR;
    for (let ic = lo * MR; ic < end; ic += MC) gebp(Math.min(MC, end - ic), ncPad, kc, ap + ic * kc * 4, bp, cp + ic * ldc, ldc, load);
  }
}

/**
 * A worker's life: instantiate the kernel over the shared memory, then for each job (control word 0
 * bumped) run part [c[4], c[5]) of kind parts[c[6]] on the arguments at c[8...], set c[2] to 0 (done)
 * or 1 (failed), count it in c[48] and publish the job's number in c[1]. c[3] != 0 asks it to end; c[7] = 1
 * once it runs. `native` (Node only) names koffi's file and the BLAS library, bound on the first job that
 * asks for them.
 */
export function workerLoop(module: WebAssembly.Module, memory: WebAssembly.Memory, ctrl: SharedArrayBuffer, parts: Part[],
  makeKit: (koffi: KoffiLike, library: string) => NativeKit, native?: { koffi: string; library: string }): void {
  const c = new Int32Array(ctrl);
  let x: KernelExports | null = null, kit: NativeKit | null | undefined;
  const bindNative = (): NativeKit | null => {
    if (kit !== undefined) return kit;
    const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
    const mod = get?.('node:module') as { createRequire(from: string): (id: string) => unknown } | undefined;
    kit = native && mod ? makeKit(mod.createRequire(native.koffi)(native.koffi) as KoffiLike, native.library) : null;
    // one library thread per kernel thread. OpenBLAS's OpenMP build reads each calling thread's own OpenMP
    // thread count and resets its global count to it: a worker left at the default would turn every
    // caller's products multi-threaded again
    kit?.setThreads?.(1);
    return kit;
  };
  try {
    const e = new WebAssembly.Instance(module, { e: { m: memory } }).exports as unknown as Omit<KernelExports, 'f32'>;
    let view = new Float32Array(memory.buffer);
    x = {
      gebp: e.gebp, padRows: e.padRows, gather1: e.gather1, gather4: e.gather4, scatter1: e.scatter1, scatter4: e.scatter4, gatherT4: e.gatherT4,
      f32: () => (view.length * 4 === memory.buffer.byteLength ? view : (view = new Float32Array(memory.buffer))),
      native: bindNative,
    };
  } catch {
    x = null;
  }
  // started: the caller gives up on a worker that never gets here (see pool.ts)
  Atomics.store(c, 7, 1);
  let seq = 0;
  for (;;) {
    // spin a little before sleeping: small GEMMs (a recurrent step's) come back to back, and waking a
    // sleeping thread costs more than their work
    for (let i = 0; i < 20000 && Atomics.load(c, 0) === seq; i++);
    // a wake-up is not a job: a caller preempted between posting a job and its notify can wake this thread
    // after the job is done, and running the job again would race the caller over the job's memory
    while (Atomics.load(c, 0) === seq) Atomics.wait(c, 0, seq);
    seq = Atomics.load(c, 0);
    if (c[3] !== 0) return;
    try {
      if (!x) throw new Error('no kernel');
      parts[c[6]!]!(x, c, 8, c[4]!, c[5]!);
      c[2] = 0;
    } catch {
      c[2] = 1;
    }
    c[48] = c[48]! + 1;
    Atomics.store(c, 1, seq);
    Atomics.notify(c, 1);
    // a caller waiting on a running part's progress (slot 8 + 39, rows-parts.ts) learns it ended
    Atomics.notify(c, 47);
  }
}
