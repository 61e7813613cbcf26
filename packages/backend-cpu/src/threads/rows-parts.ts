// A recurrent layer's input projections computed ahead of the loop that reads them: C rows = bias0 + A rows ·
// Bᵀ (+ bias1), one block of steps at a time in the order the loop visits the steps (last step first for a
// reverse layer), publishing after each block how many are done, so a kernel thread projects the next blocks
// while the calling thread runs the recurrence (rnn-sequence.ts). On a native BLAS the tensors are read and
// written by address (native-kit.ts); on the WebAssembly GEMM the caller stages A and packs B into the
// shared memory and the part packs A's panels and runs the macro-kernel there. Self-contained functions
// (workers get them as source text).
import type { KernelExports } from './conv-parts.js';

/** Argument slots of a row-block job after the job's base index; an address takes two (low, high 32 bits). */
export const ROWS_ARGS = {
  f64: 0, steps: 1, rowsPerStep: 2, stepsPerBlock: 3, reverse: 4, N: 5, K: 6, biases: 7, a: 8, b: 10, c: 12, bias0: 14, bias1: 16,
} as const;

/** The slot (after the base index) where a row-block part publishes the number of blocks done. */
export const ROWS_PROGRESS = 39;

/**
 * Blocks [lo, hi) of a row-block job: block k holds steps [k*S, (k+1)*S) in loop order, each `rowsPerStep`
 * rows of C [steps*rowsPerStep, N] (row-major) = A [.., K] · B [N, K]ᵀ, with `biases` (0 to 2) bias rows of
 * N added as the composite adds them: C = fl(bias0 + AᵀB) then C += bias1.
 */
export function nativeRowsPart(x: Pick<KernelExports, 'native'>, a: ArrayLike<number>, o: number, lo: number, hi: number): void {
  const kit = x.native?.();
  if (!kit) throw new Error('no native BLAS on this thread');
  const at = (k: number): number => a[o + k + 1]! * 4294967296 + (a[o + k]! >>> 0);
  const f64 = a[o]! === 1, steps = a[o + 1]!, R = a[o + 2]!, S = a[o + 3]!, reverse = a[o + 4]! === 1, N = a[o + 5]!, K = a[o + 6]!;
  const biases = a[o + 7]!, A = at(8), B = at(10), C = at(12), size = f64 ? 8 : 4;
  const b0 = biases > 0 ? kit.view(at(14), N, f64) : null, b1 = biases > 1 ? kit.view(at(16), N, f64) : null;
  for (let k = lo; k < hi; k++) {
    const s0 = k * S, s1 = Math.min(steps, s0 + S), r0 = (reverse ? steps - s1 : s0) * R, rows = (s1 - s0) * R;
    if (rows <= 0) continue;
    const c = C + r0 * N * size;
    if (b0) { const v = kit.view(c, rows * N, f64); for (let r = 0; r < rows; r++) v.set(b0, r * N); }
    kit.gemm(f64, false, true, rows, N, K, 1, A + r0 * K * size, K, B, K, b0 ? 1 : 0, c, N);
    if (b1) { const v = kit.view(c, rows * N, f64); for (let r = 0, e = 0; r < rows; r++) for (let j = 0; j < N; j++, e++) v[e] += b1[j]!; }
    Atomics.store(a as Int32Array, o + 39, k + 1);
    Atomics.notify(a as Int32Array, o + 39);
  }
}

/**
 * Argument slots of a WebAssembly row-block job after the job's base index. Regions are float indices into
 * the GEMM kernel's shared memory: `a` A [steps*rowsPerStep, K] row-major, `b` B's packed NR-wide panels for
 * each K block (kcB*ncPad floats apart), `c` C [.., N] row-major, `ap` and `cb` one block's A panels and C
 * block, `bias0`/`bias1` N floats each.
 */
export const WASM_ROWS_ARGS = {
  steps: 0, rowsPerStep: 1, stepsPerBlock: 2, reverse: 3, N: 4, K: 5, biases: 6, kcB: 7, ncPad: 8, MR: 9, MC: 10,
  a: 11, b: 12, c: 13, ap: 14, cb: 15, bias0: 16, bias1: 17,
} as const;

/**
 * Blocks [lo, hi) of a WebAssembly row-block job (see nativeRowsPart): per K block, A's rows packed into
 * MR-high panels (zero-padded) and the macro-kernel over the whole block, accumulating after the first K
 * block, as gemm.ts blocks the same product; then C's rows leave the block with the biases added as gemm.ts's
 * projection sink adds them (bitwise the product computed in one call).
 */
export function wasmRowsPart(x: Pick<KernelExports, 'gebp' | 'f32'>, a: ArrayLike<number>, o: number, lo: number, hi: number): void {
  const steps = a[o]!, R = a[o + 1]!, S = a[o + 2]!, reverse = a[o + 3]! === 1, N = a[o + 4]!, K = a[o + 5]!, biases = a[o + 6]!;
  const kcB = a[o + 7]!, ncPad = a[o + 8]!, MR = a[o + 9]!, MC = a[o + 10]!;
  const A = a[o + 11]!, Bp = a[o + 12]!, C = a[o + 13]!, AP = a[o + 14]!, CB = a[o + 15]!, B0 = a[o + 16]!, B1 = a[o + 17]!;
  for (let k = lo; k < hi; k++) {
    const s0 = k * S, s1 = Math.min(steps, s0 + S), r0 = (reverse ? steps - s1 : s0) * R, rows = (s1 - s0) * R;
    if (rows <= 0) continue;
    const mPad = Math.ceil(rows / MR) * MR;
    for (let pc = 0, kb = 0; pc < K; pc += kcB, kb++) {
      const kc = Math.min(kcB, K - pc), f = x.f32();
      // A panels: f[AP + (p*kc + kk)*MR + q] = A(r0 + p*MR + q, pc + kk)
      for (let p = 0; p < mPad / MR; p++) {
        const d0 = AP + p * kc * MR;
        for (let q = 0; q < MR; q++) {
          const row = p * MR + q;
          if (row >= rows) { for (let kk = 0, d = d0 + q; kk < kc; kk++, d += MR) f[d] = 0; continue; }
          for (let kk = 0, d = d0 + q, src = A + (r0 + row) * K + pc; kk < kc; kk++, d += MR) f[d] = f[src + kk]!;
        }
      }
      for (let ic = 0; ic < mPad; ic += MC) {
        x.gebp(Math.min(MC, mPad - ic), ncPad, kc, (AP + ic * kc) * 4, (Bp + kb * kcB * ncPad) * 4, (CB + ic * ncPad) * 4, ncPad * 4, pc === 0 ? 0 : 1);
      }
    }
    const f = x.f32();
    for (let r = 0; r < rows; r++) {
      const src = CB + r * ncPad, dst = C + (r0 + r) * N;
      if (biases === 0) f.copyWithin(dst, src, src + N);
      else if (biases === 1) for (let j = 0; j < N; j++) f[dst + j] = f[src + j]! + f[B0 + j]!;
      else for (let j = 0; j < N; j++) f[dst + j] = Math.fround(f[src + j]! + f[B0 + j]!) + f[B1 + j]!;
    }
    Atomics.store(a as Int32Array, o + 39, k + 1);
    Atomics.notify(a as Int32Array, o + 39);
  }
}
