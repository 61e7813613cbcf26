// Batched matmul: a [...batch, M, K] x b [...batch, K, N] with identical batch shapes (batch strides
// may be 0 from broadcasting; the matrix dims may be transposed or otherwise strided).
import type { Kernel } from '@flint/core';
import { stridedOffsets } from '@flint/core';
import type { CpuArray, NumArray } from '../storage.js';
import { nativeGemm } from '../blas/native.js';
import { gemm } from './gemm.js';
import * as int64 from './int64.js';
import { finish } from './util.js';
import type { T } from './util.js';

// module-local copies: V8 inlines and folds through these, not through imported bindings (see elementwise.gen.ts)
const { R, TWO32, TWO53, mul64, words, wordsToNumber } = int64;

interface Batch { M: number; K: number; N: number; aBase: Int32Array; bBase: Int32Array; ars: number; acs: number; brs: number; bcs: number }

function batchOf(A: T, B: T): Batch {
  const nd = A.shape.length, batch = A.shape.slice(0, nd - 2);
  return {
    M: A.shape[nd - 2]!, K: A.shape[nd - 1]!, N: B.shape[nd - 1]!,
    aBase: stridedOffsets(batch, A.strides.slice(0, nd - 2), A.offset), bBase: stridedOffsets(batch, B.strides.slice(0, nd - 2), B.offset),
    ars: A.strides[nd - 2]!, acs: A.strides[nd - 1]!, brs: B.strides[nd - 2]!, bcs: B.strides[nd - 1]!,
  };
}

/** One int64 operand matrix as doubles (exact when every |value| < 2^53), and its largest |value|. */
function asDoubles(w: Int32Array, base: number, rows: number, cols: number, rs: number, cs: number): { m: Float64Array; max: number } {
  const m = new Float64Array(rows * cols);
  let max = 0;
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
    const k = 2 * (base + i * rs + j * cs), v = wordsToNumber(w[k]!, w[k + 1]!);
    m[i * cols + j] = v;
    if (Math.abs(v) > max) max = v < 0 ? -v : v;
  }
  return { m, max };
}

/**
 * int64 matmul, exact with wrap: when K * max|a| * max|b| < 2^53 no partial sum can round, so the double
 * GEMM runs; otherwise each dot product is multiplied and added on the words.
 */
function matmul64(A: T, B: T, C: T): void {
  const g = batchOf(A, B), aw = words(A.buffer), bw = words(B.buffer), cw = words(C.buffer);
  const c = new Float64Array(g.M * g.N);
  for (let i = 0; i < g.aBase.length; i++) {
    const cOff = C.offset + i * g.M * g.N;
    const a = asDoubles(aw, g.aBase[i]!, g.M, g.K, g.ars, g.acs), b = asDoubles(bw, g.bBase[i]!, g.K, g.N, g.brs, g.bcs);
    if (g.K * a.max * b.max < TWO53) {
      gemm(g.M, g.N, g.K, { data: a.m, off: 0, rs: g.K, cs: 1 }, { data: b.m, off: 0, rs: g.N, cs: 1 }, c, 0, g.N);
      for (let k = 0; k < g.M * g.N; k++) { const v = c[k]!; cw[2 * (cOff + k)] = v | 0; cw[2 * (cOff + k) + 1] = Math.floor(v / TWO32); }
      continue;
    }
    for (let r = 0; r < g.M; r++) for (let q = 0; q < g.N; q++) {
      let sl = 0, sh = 0;
      for (let p = 0; p < g.K; p++) {
        const ka = 2 * (g.aBase[i]! + r * g.ars + p * g.acs), kb = 2 * (g.bBase[i]! + p * g.brs + q * g.bcs);
        mul64(aw[ka]!, aw[ka + 1]!, bw[kb]!, bw[kb + 1]!);
        const lo = (sl >>> 0) + (R[0]! >>> 0);
        sh = (sh + R[1]! + (lo >= TWO32 ? 1 : 0)) | 0;
        sl = lo | 0;
      }
      cw[2 * (cOff + r * g.N + q)] = sl; cw[2 * (cOff + r * g.N + q) + 1] = sh;
    }
  }
}

/** A rows x cols operand with strides (rs, cs) as BLAS reads it: row-major, or transposed; null if neither. */
function lead(rows: number, cols: number, rs: number, cs: number): { t: boolean; ld: number } | null {
  if ((cs === 1 || cols === 1) && (rows === 1 || rs >= Math.max(1, cols))) return { t: false, ld: rows === 1 ? Math.max(1, cols) : rs };
  if ((rs === 1 || rows === 1) && (cols === 1 || cs >= Math.max(1, rows))) return { t: true, ld: cols === 1 ? Math.max(1, rows) : cs };
  return null;
}

export const matmul: Kernel<CpuArray> = ([a, b], [out]) => {
  const A = a!, B = b!, C = out!;
  if (C.dtype === 'int64') { matmul64(A, B, C); return; }
  const bt = batchOf(A, B), { K, N, ars, acs, brs, bcs } = bt;
  let { M, aBase, bBase } = bt;
  // one right operand for the whole batch (a broadcast weight) and the left's rows evenly spaced across
  // it: one GEMM of batch*M rows, not a GEMM (and a packing of the weight) per batch entry
  if (aBase.length > 1 && bBase.every((o) => o === bBase[0]) && aBase.every((o, i) => o === aBase[0]! + i * M * ars)) {
    M *= aBase.length; aBase = aBase.subarray(0, 1); bBase = bBase.subarray(0, 1);
  }
  const cb = C.buffer as NumArray, blas = K > 0 && M > 0 && N > 0 ? nativeGemm(cb) : null;
  // a system BLAS takes operands whose rows or columns are contiguous (a transpose is its flag)
  const la = blas && lead(M, K, ars, acs), lb = blas && lead(K, N, brs, bcs);
  for (let i = 0; i < aBase.length; i++) {
    const cOff = C.offset + i * M * N;
    if (K === 0) { cb.fill(0, cOff, cOff + M * N); continue; }
    if (blas && la && lb) {
      blas(la.t, lb.t, M, N, K, 1, A.buffer as NumArray, aBase[i]!, la.ld, B.buffer as NumArray, bBase[i]!, lb.ld, 0, cb, cOff, N);
      continue;
    }
    gemm(M, N, K, { data: A.buffer as NumArray, off: aBase[i]!, rs: ars, cs: acs }, { data: B.buffer as NumArray, off: bBase[i]!, rs: brs, cs: bcs },
      cb, cOff, N);
  }
  finish(C);
};
