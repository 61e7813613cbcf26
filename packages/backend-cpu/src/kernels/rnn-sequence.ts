// Whole-sequence GRU and LSTM layers (optional tier; core's contract in ops/nn/rnn-sequence.ts): as PyTorch
// does, one GEMM projects every step's input, then each step is one GEMM against the recurrent weights
// (packed once for the whole sequence) and one pass of gate math, with no per-step dispatch or allocation.
// The arithmetic is the composite's (gruCell/lstmCell after matmul), in the same order, so results match it.
import type { Kernel, KernelTensor } from '@flint/core';
import type { NumArray } from '../storage.js';
import type { Sink } from './gemm.js';
import { KC, MC0, NC0, gemmCore, packCols, packRows, storeRows } from './gemm.js';
import { activate } from './rnn.js';
import { SMALL_GEMM, nativeConv, nativeGemm } from '../blas/native.js';
import { ARGS, NARGS } from '../threads/gebp-part.js';
import { ROWS_ARGS, WASM_ROWS_ARGS, nativeRowsPart, wasmRowsPart } from '../threads/rows-parts.js';
import type { AsyncPart } from '../threads/pool.js';
import { NATIVE_ROWS, WASM_ROWS, getNumThreads, startPart } from '../threads/pool.js';
import { putAddress } from '../threads/native-kit.js';
import { finish } from './util.js';
import { allocArray } from '../storage.js';
import { offerCached } from '../buffer-cache.js';
import { ensureWasmFloats, wasmGemm } from './wasm-gemm.js';
import type { HGates } from './wasm-gru.js';
import { gruBackSimd, gruLoopSimd, gruSimdReady, gruStepSimd } from './wasm-gru.js';

type T = KernelTensor<NumArray>;
const like = (a: NumArray, n: number): NumArray => (a instanceof Float32Array ? new Float32Array(n) : new Float64Array(n));
/**
 * A scratch array like `a` of n elements from the buffer cache (offer it back when done): the input
 * projections of a layer are megabytes, and a fresh array's first writes fault in and clear every page, which
 * cost GRU-IMDB's layer 21 ms where its projection GEMM takes 15.
 */
const scratchLike = (a: NumArray, n: number): NumArray => allocArray(a instanceof Float32Array ? 'float32' : 'float64', n) as NumArray;

/** xp [rows, G] += each bias in turn, rounded after each add as the composite's separate adds are. */
function addBiases(xp: NumArray, rows: number, G: number, bs: T[], round: (v: number) => number): void {
  if (bs.length === 0) return;
  const b0 = bs[0]!.buffer, o0 = bs[0]!.offset, b1 = bs[1]?.buffer, o1 = bs[1]?.offset ?? 0;
  for (let r = 0, d = 0; r < rows; r++, d += G) {
    if (b1) for (let j = 0; j < G; j++) xp[d + j] = round(xp[d + j]! + b0[o0 + j]!) + b1[o1 + j]!;
    else for (let j = 0; j < G; j++) xp[d + j] = xp[d + j]! + b0[o0 + j]!;
  }
}

/** The input projections' rows, computed ahead of the loop: ready(s) returns once step s's rows are in xp. */
interface Ahead { ready(s: number): void; end(): void }
const ALL_READY: Ahead = { ready: () => {}, end: () => {} };

/** Projections of fewer multiply-adds than this run before the loop: a kernel thread's hand-over costs more. */
const AHEAD_MIN = 1 << 21;
/** Multiply-adds of the smallest block of steps a kernel thread projects at a time (the library's per-call cost). */
const AHEAD_BLOCK = 1 << 19;
/** The arguments of the running row-block job (one at a time; the worker copies them when it starts). */
const aheadArgs = new Int32Array(ARGS + NARGS);

/**
 * Steps per block for projecting x [Tn, B, I] by G weight rows ahead of a loop whose recurrent product is
 * B*G*H, or null where that cannot help: one thread, a small projection, fewer than two blocks, or a
 * recurrent product big enough to use the library's own threads.
 */
function aheadBlock(Tn: number, B: number, G: number, I: number, H: number): number | null {
  if (getNumThreads() < 2 || Tn < 2 || Tn * B * G * I < AHEAD_MIN || B * G * H >= SMALL_GEMM) return null;
  const S = Math.max(Math.ceil(Tn / 16), Math.ceil(AHEAD_BLOCK / (B * G * I)));
  return Math.ceil(Tn / S) < 2 ? null : S;
}

/**
 * The loop's view of a running row-block job of `blocks` blocks of S steps, the first `done` of them
 * already in place; `here(lo, hi)` runs blocks on the calling thread (where the kernel thread failed).
 */
function aheadOf(job: AsyncPart, S: number, blocks: number, done: number, here: (lo: number, hi: number) => void): Ahead {
  return {
    ready(s) {
      const k = Math.floor(s / S);
      if (k < done) return;
      done = job.until(k + 1);
      if (done <= k) { here(done, blocks); done = blocks; }
    },
    end: () => { job.join(); },
  };
}

/**
 * On a native BLAS with kernel threads: starts xp = x wIhᵀ + biases (as `projections` computes it) on a
 * kernel thread, a block of steps at a time in loop order, after computing the first block here, so the
 * calling thread's recurrence over each block overlaps the projection of the next ones (PyTorch's CPU GRU
 * runs them one after the other). Null where that cannot help (aheadBlock) or workers lack the library.
 */
function projectAhead(x: T, wIh: T, bs: T[], xp: NumArray, B: number, G: number, H: number, reverse: boolean): Ahead | null {
  const [Tn, , I] = x.shape as [number, number, number], nc = nativeConv(), w = wasmGemm();
  const f64 = xp instanceof Float64Array, size = f64 ? 8 : 4, Arr = f64 ? Float64Array : Float32Array;
  if (!nc?.workers || !w || ![x, wIh, ...bs].every((t) => t.buffer instanceof Arr)) return null;
  const S = aheadBlock(Tn, B, G, I, H);
  if (!S) return null;
  const blocks = Math.ceil(Tn / S), A = ROWS_ARGS, addr = (t: T): number => nc.kit.address(t.buffer as Float32Array) + t.offset * size;
  aheadArgs.fill(0);
  for (const [k, v] of [[A.f64, f64 ? 1 : 0], [A.steps, Tn], [A.rowsPerStep, B], [A.stepsPerBlock, S], [A.reverse, reverse ? 1 : 0],
    [A.N, G], [A.K, I], [A.biases, bs.length]] as const) aheadArgs[ARGS + k] = v;
  putAddress(aheadArgs, ARGS + A.a, addr(x)); putAddress(aheadArgs, ARGS + A.b, addr(wIh)); putAddress(aheadArgs, ARGS + A.c, nc.kit.address(xp as Float32Array));
  if (bs[0]) putAddress(aheadArgs, ARGS + A.bias0, addr(bs[0]));
  if (bs[1]) putAddress(aheadArgs, ARGS + A.bias1, addr(bs[1]));
  // the calling thread's products (this first block, then the recurrent ones) on one library thread meanwhile
  nc.threadsFor(0);
  const job = startPart(w, NATIVE_ROWS, aheadArgs, 1, blocks, nc);
  if (!job) return null;
  const here = (lo: number, hi: number): void => nativeRowsPart({ native: () => nc.kit }, aheadArgs, ARGS, lo, hi);
  try { here(0, 1); } catch (e) { job.join(); throw e; }
  return aheadOf(job, S, blocks, 1, here);
}

/** A float index rounded up to a 64-byte boundary. */
const align16 = (n: number): number => Math.ceil(n / 16) * 16;
/** The most floats of the GEMM kernel's shared memory a layer's staged projections may take (256 MiB). */
const AHEAD_MAX_FLOATS = 1 << 26;

/**
 * projectAhead on the WebAssembly GEMM: x is staged and wIhᵀ packed into the kernel's shared memory, above
 * the scratch the loop's own products use, and a kernel thread projects every block there (the calling
 * thread waits for the first); xp is then a view of that memory. The same blocking as gemmCore's, so the
 * same bits as the projection computed in one call.
 */
function wasmAhead(x: T, wIh: T, bs: T[], B: number, G: number, H: number, reverse: boolean): (Ahead & { xp: Float32Array }) | null {
  const [Tn, , I] = x.shape as [number, number, number], w = wasmGemm();
  if (!w?.module || G > NC0 || ![x, wIh, ...bs].every((t) => t.buffer instanceof Float32Array)) return null;
  const S = aheadBlock(Tn, B, G, I, H);
  if (!S) return null;
  const blocks = Math.ceil(Tn / S), MR = w.mr, NR = w.nr, MC = Math.floor(MC0 / MR) * MR, kcB = Math.ceil(I / Math.ceil(I / KC)), nK = Math.ceil(I / kcB);
  const ncPad = Math.ceil(G / NR) * NR, mPad = Math.ceil((S * B) / MR) * MR;
  // the step's product (M = G, N = B, K = H, A kept packed) keeps its scratch below this (gemmCore's layout)
  const base = align16((G + MR) * H + KC * (B + NR) + (G + MR) * (B + NR));
  const XP = base, X = XP + align16(Tn * B * G), BP = X + align16(Tn * B * I), AP = BP + align16(nK * kcB * ncPad);
  const CB = AP + align16(mPad * kcB), B0 = CB + align16(mPad * ncPad), B1 = B0 + align16(G), end = B1 + align16(G);
  // the shared memory never shrinks: a layer whose staging would hold more than AHEAD_MAX_FLOATS projects
  // before the loop instead, as does one the memory has no room for
  if (end > AHEAD_MAX_FLOATS) return null;
  try { ensureWasmFloats(w, end); } catch { return null; }
  const f = w.f32;
  f.set(x.buffer.subarray(x.offset, x.offset + Tn * B * I), X);
  for (let kb = 0; kb < nK; kb++) {
    const pc = kb * kcB;
    packCols({ data: wIh.buffer, off: wIh.offset, rs: 1, cs: I })(pc, Math.min(kcB, I - pc), 0, G, NR, f, BP + kb * kcB * ncPad);
  }
  bs.forEach((b, i) => f.set(b.buffer.subarray(b.offset, b.offset + G), i === 0 ? B0 : B1));
  const A = WASM_ROWS_ARGS;
  aheadArgs.fill(0);
  for (const [k, v] of [[A.steps, Tn], [A.rowsPerStep, B], [A.stepsPerBlock, S], [A.reverse, reverse ? 1 : 0], [A.N, G], [A.K, I],
    [A.biases, bs.length], [A.kcB, kcB], [A.ncPad, ncPad], [A.MR, MR], [A.MC, MC],
    [A.a, X], [A.b, BP], [A.c, XP], [A.ap, AP], [A.cb, CB], [A.bias0, B0], [A.bias1, B1]] as const) aheadArgs[ARGS + k] = v;
  const job = startPart(w, WASM_ROWS, aheadArgs, 0, blocks);
  if (!job) return null;
  const here = (lo: number, hi: number): void => wasmRowsPart({ gebp: w.gebp, f32: () => w.f32 }, aheadArgs, ARGS, lo, hi);
  return { xp: new Float32Array(w.memory.buffer, XP * 4, Tn * B * G), ...aheadOf(job, S, blocks, 0, here) };
}

/**
 * xp [T*B, G] = x wIhᵀ + biases (each added in turn, rounded as the composite's adds), and a stepper whose
 * step(h, hOff) leaves hg [B, G] = h wHhᵀ in `hg`, computed as wHh hᵀ so the weights are GEMM's A, packed on
 * the first step and reused by every later one. With kernel threads xp may be filled while the loop runs
 * (projectAhead, wasmAhead): read step s's rows only after ready(s), and call end() before returning,
 * thrown or not.
 */
function projections(x: T, wIh: T, wHh: T, biases: (T | undefined)[], out: NumArray, reverse: boolean, transposedHg = false) {
  const [Tn, B, I] = x.shape as [number, number, number], G = wIh.shape[0]!, H = wHh.shape[1]!;
  const hg = like(out, G * B), useWasm = out instanceof Float32Array;
  // the biases are added as each block of x wIhᵀ leaves GEMM scratch (one pass, not one per bias), rounded
  // to the storage type after each add as the composite's separate adds are
  const bs = biases.filter((b): b is T => !!b), round = useWasm ? Math.fround : (v: number): number => v;
  // (BLAS rejects empty dimensions: those stay on the WebAssembly path)
  const blas = Tn * B * G * I * H > 0 ? nativeGemm(out) : null;
  if (blas) {
    // a system BLAS takes the transposed weights as they are: xp = x wIhᵀ, then hg = h wHhᵀ per step
    // the first bias fills every row and GEMM adds the product to it (beta 1): fl(acc + b), the bits of
    // the composite's add after its matmul, without a JS pass over the projections
    const xp = scratchLike(out, Tn * B * G), ahead = projectAhead(x, wIh, bs, xp, B, G, H, reverse);
    if (!ahead) {
      if (bs.length > 0) {
        const b0 = bs[0]!.buffer.subarray(bs[0]!.offset, bs[0]!.offset + G);
        for (let r = 0; r < Tn * B; r++) xp.set(b0, r * G);
      }
      blas(false, true, Tn * B, G, I, 1, x.buffer, x.offset, I, wIh.buffer, wIh.offset, I, bs.length > 0 ? 1 : 0, xp, 0, G);
      if (bs.length > 1) addBiases(xp, Tn * B, G, bs.slice(1), round);
    }
    const step = (h: NumArray, hOff: number): void => blas(false, true, B, G, H, 1, h, hOff, H, wHh.buffer, wHh.offset, H, 0, hg, 0, G);
    return { Tn, B, H, xp, hg, step, hGates: (): HGates => ({ data: hg as Float32Array, off: 0, ld: 0 }), blas, ...released(ahead ?? ALL_READY, xp) };
  }
  // on the WebAssembly GEMM with kernel threads, xp is filled in the kernel's memory while the loop runs
  const ahead = useWasm ? wasmAhead(x, wIh, bs, B, G, H, reverse) : null, xp = ahead?.xp ?? scratchLike(out, Tn * B * G);
  if (!ahead) gemmCore({
    M: Tn * B, N: G, K: I, useWasm,
    packA: packRows({ data: x.buffer, off: x.offset, rs: I, cs: 1 }), packB: packCols({ data: wIh.buffer, off: wIh.offset, rs: 1, cs: I }),
    sink: bs.length === 0 ? storeRows(Tn * B, xp, 0, G) : (buf, cb, ldcb, j0, nc) => {
      const b0 = bs[0]!.buffer, o0 = bs[0]!.offset + j0, b1 = bs[1]?.buffer, o1 = (bs[1]?.offset ?? 0) + j0;
      for (let r = 0; r < Tn * B; r++) {
        const src = cb + r * ldcb, dst = r * G + j0;
        if (b1) for (let j = 0; j < nc; j++) xp[dst + j] = round(buf[src + j]! + b0[o0 + j]!) + b1[o1 + j]!;
        else for (let j = 0; j < nc; j++) xp[dst + j] = buf[src + j]! + b0[o0 + j]!;
      }
    },
  });
  // hgᵀ leaves GEMM scratch transposed, as hg [B, G], so the gate loops read every array in order
  const aKey = {}, packA = packRows({ data: wHh.buffer, off: wHh.offset, rs: H, cs: 1 });
  // written row by row of hg (reads stride through the block, writes stay sequential); for the SIMD step
  // (transposedHg) the block is kept as it is, hgᵀ [G, ld], and the step reads it down its columns
  let hgT = new Float32Array(0), ld = 0;
  const sink: Sink = (buf, cb, ldcb, j0, nc) => {
    if (transposedHg && j0 === 0 && nc === B) {
      if (hgT.length < G * ldcb) hgT = new Float32Array(G * ldcb);
      hgT.set((buf as Float32Array).subarray(cb, cb + G * ldcb));
      ld = ldcb;
      return;
    }
    ld = 0;
    for (let j = 0; j < nc; j++) for (let i = 0, src = cb + j, dst = (j0 + j) * G; i < G; i++, src += ldcb) hg[dst + i] = buf[src]!;
  };
  const step = (h: NumArray, hOff: number): void =>
    gemmCore({ M: G, N: B, K: H, aKey, packA, packB: packCols({ data: h, off: hOff, rs: 1, cs: H }), sink, useWasm });
  return { Tn, B, H, xp, hg, step, hGates: (): HGates => (ld > 0 ? { data: hgT, off: 0, ld } : { data: hg as Float32Array, off: 0, ld: 0 }), blas: null,
    ...(ahead ?? released(ALL_READY, xp)) };
}

/** `a`, whose end also gives the scratch `xp` back to the buffer cache (after a kernel thread filling it has ended). */
const released = (a: Ahead, xp: NumArray): Ahead => ({ ready: a.ready, end: () => { a.end(); offerCached(xp); } });

/**
 * The GRU layer loop: output [T,B,H] and hN, and (training) each step's gruCell planes r, z, n, h_n into
 * `ws` [T,4,B,H]; without `ws` one step's planes are reused.
 */
function gruLayer([x, h0, wIh, wHh, bIh, bHh]: (T | undefined)[], out: T, hN: T, reverse: boolean, ws?: T): void {
  const O = out.buffer, o0 = out.offset, H0 = wHh!.shape[1]!;
  // float32 gates through the SIMD step (wasm-gru.ts), the same one gruCell runs; it adds the input bias
  // itself (right after the projection, as the composite does) and reads the WebAssembly GEMM's block as it is
  const simd = O instanceof Float32Array && h0!.buffer instanceof Float32Array && (!bIh || bIh.buffer instanceof Float32Array)
    && (!bHh || bHh.buffer instanceof Float32Array) && (!ws || ws.buffer instanceof Float32Array) && gruSimdReady(H0);
  const proj = projections(x!, wIh!, wHh!, simd ? [] : [bIh], O, reverse, simd);
  const { Tn, B, H, xp, hg, step, hGates, blas, ready } = proj;
  try {
    const N = B * H, G = 3 * H, C = bHh ? bHh.buffer : like(O, G), c0 = bHh ? bHh.offset : 0;
    let P = h0!.buffer, p0 = h0!.offset, s = 0;
    // on a native GEMM, h and each step's products stay in the SIMD step's memory, where GEMM writes them (the
    // whole loop, in wasm-gru.ts; the last step's h' is then hN)
    if (simd && blas && gruLoopSimd(Tn, B, H, reverse, xp as Float32Array, bIh ? bIh.buffer as Float32Array : null, bIh?.offset ?? 0,
      bHh ? C as Float32Array : null, c0, h0!.buffer as Float32Array, h0!.offset,
      (h, hgAt, m) => blas(false, true, B, G, H, 1, m, h, H, wHh!.buffer, wHh!.offset, H, 0, m, hgAt, G), O as Float32Array, o0, ws ? ws.buffer as Float32Array : null, ws?.offset ?? 0, ready)) {
      s = Tn; P = O; p0 = o0 + (reverse ? 0 : Tn - 1) * N;
    }
    const W = ws ? ws.buffer : like(O, s < Tn ? 4 * N : 0);
    for (; s < Tn; s++) {
      const t = reverse ? Tn - 1 - s : s, xt = t * B * G, ot = o0 + t * N, w0 = ws ? ws.offset + t * 4 * N : 0;
      step(P, p0);
      ready(s);
      if (simd) {
        gruStepSimd(xp as Float32Array, xt, bIh ? bIh.buffer as Float32Array : null, bIh?.offset ?? 0, hGates(), bHh ? C as Float32Array : null, c0,
          P as Float32Array, p0, O as Float32Array, ot, ws ? W as Float32Array : null, w0, B, H);
        P = O; p0 = ot;
        continue;
      }
      // gruCell's planes: r, z (sigmoid together), n, h_n
      for (let b = 0; b < B; b++) {
        for (let j = 0, g = xt + b * G, e = w0 + b * H; j < H; j++, g++, e++) {
          const q = g - xt;
          W[e] = xp[g]! + (hg[q]! + C[c0 + j]!);
          W[N + e] = xp[g + H]! + (hg[q + H]! + C[c0 + H + j]!);
          W[3 * N + e] = hg[q + 2 * H]! + C[c0 + 2 * H + j]!;
        }
      }
      activate('sigmoid', W, w0, 2 * N);
      for (let b = 0; b < B; b++) {
        for (let j = 0, g = xt + b * G + 2 * H, e = w0 + b * H; j < H; j++, g++, e++) W[2 * N + e] = xp[g]! + W[e]! * W[3 * N + e]!;
      }
      activate('tanh', W, w0 + 2 * N, N);
      for (let e = 0; e < N; e++) { const z = W[w0 + N + e]!, n = W[w0 + 2 * N + e]!; O[ot + e] = n + z * (P[p0 + e]! - n); }
      P = O; p0 = ot;
    }
    hN.buffer.set(P.subarray(p0, p0 + N), hN.offset);
    finish(out); finish(hN);
    if (ws) finish(ws);
  } finally {
    proj.end();
  }
}

/** [x [T,B,I], h0 [B,H], wIh [3H,I], wHh [3H,H], bIh?, bHh?] → [output [T,B,H], hN [B,H]]. */
export const gruSequence: Kernel<NumArray> = (ins, [out, hN], attrs) => gruLayer(ins, out!, hN!, !!attrs.reverse);

/** gruSequence, and every step's gruCell planes: → [output, hN, workspace [T,4,B,H]]. */
export const gruSequenceTrain: Kernel<NumArray> = (ins, [out, hN, ws], attrs) => gruLayer(ins, out!, hN!, !!attrs.reverse, ws!);

/** One step of gruCellBackward's arithmetic from the workspace planes at w0 (a function of its own, so V8 compiles it for the arrays it sees). */
function gruBackStep(W: NumArray, w0: number, N: number, B: number, H: number, dh: NumArray, P: NumArray, pt: number, DX: NumArray, DH: NumArray, dt: number, carry: NumArray): void {
  const G = 3 * H;
  for (let b = 0; b < B; b++) {
    for (let j = 0, g = dt + b * G, e = b * H; j < H; j++, g++, e++) {
      const r = W[w0 + e]!, z = W[w0 + N + e]!, n = W[w0 + 2 * N + e]!, hn = W[w0 + 3 * N + e]!, d = dh[e]!;
      const dn = d * (1 - z) * (1 - n * n);
      const dz = d * (P[pt + e]! - n) * z * (1 - z);
      const dr = dn * hn * r * (1 - r);
      DX[g] = dr; DX[g + H] = dz; DX[g + 2 * H] = dn;
      DH[g] = dr; DH[g + H] = dz; DH[g + 2 * H] = dn * r;
      carry[e] = d * z;
    }
  }
}

/**
 * [gradOutput [T,B,H], hPrev [T,B,H], wHh [3H,H], workspace [T,4,B,H]] → [gradXGates [T,B,3H],
 * gradHGates [T,B,3H], gradH0 [B,H]]: gruCellBackward's arithmetic per step, and the carried state gradient
 * dh·z + gradHGates wHh as one GEMM against wHh packed once for the whole sequence.
 */
export const gruSequenceBackward: Kernel<NumArray> = ([gy, hp, wHh, ws], [gx, gh, g0], attrs) => {
  const [Tn, B, H] = gy!.shape as [number, number, number], N = B * H, G = 3 * H;
  const Y = gy!.buffer, P = hp!.buffer, W = ws!.buffer, DX = gx!.buffer, DH = gh!.buffer;
  const useWasm = DX instanceof Float32Array, carry = like(DX, N), dh = like(DX, N), blas = N > 0 ? nativeGemm(DX) : null;
  // carryᵀ [H, B] = wHhᵀ [H, 3H] · gradHGates_tᵀ [3H, B]; wHhᵀ is GEMM's A, packed on the first step only
  const aKey = {}, packA = packRows({ data: wHh!.buffer, off: wHh!.offset, rs: 1, cs: H });
  const sink: Sink = (buf, cb, ldcb, j0, nc) => {
    for (let j = 0; j < nc; j++) for (let i = 0, src = cb + j, dst = (j0 + j) * H; i < H; i++, src += ldcb) carry[dst + i] += buf[src]!;
  };
  // float32: each step's gate gradients in SIMD (wasm-gru.ts), float32 ops rounding one by one
  const simd = [W, Y, P, DX, DH, carry].every((a) => a instanceof Float32Array);
  for (let s = 0; s < Tn; s++) {
    const t = attrs.reverse ? s : Tn - 1 - s, yt = gy!.offset + t * N, pt = hp!.offset + t * N, w0 = ws!.offset + t * 4 * N;
    const dt = t * B * G;
    if (!simd || !gruBackSimd(W as Float32Array, w0, Y as Float32Array, yt, carry as Float32Array, P as Float32Array, pt, DX as Float32Array, DH as Float32Array, dt, B, H)) {
      if (s === 0) dh.set(Y.subarray(yt, yt + N));
      else for (let e = 0; e < N; e++) dh[e] = Y[yt + e]! + carry[e]!;
      gruBackStep(W, w0, N, B, H, dh, P, pt, DX, DH, dt, carry);
    }
    if (blas) blas(false, false, B, H, G, 1, DH, dt, G, wHh!.buffer, wHh!.offset, H, 1, carry, 0, H);
    else gemmCore({ M: H, N: B, K: G, aKey, packA, packB: packCols({ data: DH, off: dt, rs: 1, cs: G }), sink, useWasm });
  }
  g0!.buffer.set(carry, g0!.offset);
  finish(gx!); finish(gh!); finish(g0!);
};

/**
 * The LSTM layer loop: output [T,B,H], hN, cN, and (training) each step's lstmCell planes σ(i), σ(f),
 * tanh(g), σ(o), tanh(c') and c' itself into `ws` [T,6,B,H]; without `ws` one step's planes are reused.
 */
function lstmLayer([x, h0, c0, wIh, wHh, bIh, bHh]: (T | undefined)[], out: T, hN: T, cN: T, reverse: boolean, ws?: T): void {
  const O = out.buffer, o0 = out.offset;
  // both biases fold into the projection, as the composite does
  const proj = projections(x!, wIh!, wHh!, [bIh, bHh], O, reverse);
  const { Tn, B, H, xp, hg, step, ready } = proj;
  try {
    const N = B * H, G = 4 * H, W = ws ? ws.buffer : like(O, 5 * N), Cs = like(O, N);
    Cs.set(c0!.buffer.subarray(c0!.offset, c0!.offset + N));
    let P = h0!.buffer, p0 = h0!.offset;
    for (let s = 0; s < Tn; s++) {
      const t = reverse ? Tn - 1 - s : s, xt = t * B * G, ot = o0 + t * N, w0 = ws ? ws.offset + t * 6 * N : 0;
      step(P, p0);
      ready(s);
      // lstmCell's planes: i, f (sigmoid), g (tanh), o (sigmoid), tanh(c')
      for (let b = 0; b < B; b++) {
        for (let j = 0, g = xt + b * G, e = w0 + b * H; j < H; j++, g++, e++) {
          for (let q = 0; q < 4; q++) W[q * N + e] = xp[g + q * H]! + hg[g - xt + q * H]!;
        }
      }
      activate('sigmoid', W, w0, 2 * N);
      activate('tanh', W, w0 + 2 * N, N);
      activate('sigmoid', W, w0 + 3 * N, N);
      for (let e = 0; e < N; e++) Cs[e] = W[w0 + N + e]! * Cs[e]! + W[w0 + e]! * W[w0 + 2 * N + e]!;
      W.set(Cs, w0 + 4 * N);
      if (ws) W.set(Cs, w0 + 5 * N);
      activate('tanh', W, w0 + 4 * N, N);
      for (let e = 0; e < N; e++) O[ot + e] = W[w0 + 3 * N + e]! * W[w0 + 4 * N + e]!;
      P = O; p0 = ot;
    }
    hN.buffer.set(P.subarray(p0, p0 + N), hN.offset);
    cN.buffer.set(Cs, cN.offset);
    finish(out); finish(hN); finish(cN);
    if (ws) finish(ws);
  } finally {
    proj.end();
  }
}

/** [x [T,B,I], h0 [B,H], c0 [B,H], wIh [4H,I], wHh [4H,H], bIh?, bHh?] → [output [T,B,H], hN, cN [B,H]]. */
export const lstmSequence: Kernel<NumArray> = (ins, [out, hN, cN], attrs) => lstmLayer(ins, out!, hN!, cN!, !!attrs.reverse);

/** lstmSequence, and every step's planes: → [output, hN, cN, workspace [T,6,B,H]]. */
export const lstmSequenceTrain: Kernel<NumArray> = (ins, [out, hN, cN, ws], attrs) => lstmLayer(ins, out!, hN!, cN!, !!attrs.reverse, ws!);

/**
 * [gradOutput [T,B,H], gradCN [B,H], c0 [B,H], wHh [4H,H], workspace [T,6,B,H]] → [gradGates [T,B,4H],
 * gradH0 [B,H], gradC0 [B,H]]: lstmCellBackward's arithmetic per step; the carried h gradient is
 * gradGates_t wHh (one GEMM per step, wHh packed once), the carried c gradient dc·σ(f).
 */
export const lstmSequenceBackward: Kernel<NumArray> = ([gy, gcN, c0, wHh, ws], [gg, gh0, gc0], attrs) => {
  const [Tn, B, H] = gy!.shape as [number, number, number], N = B * H, G = 4 * H, reverse = !!attrs.reverse;
  const Y = gy!.buffer, W = ws!.buffer, DG = gg!.buffer, C0 = c0!.buffer;
  const carryH = like(DG, N), carryC = like(DG, N), blas = N > 0 ? nativeGemm(DG) : null, useWasm = DG instanceof Float32Array;
  carryC.set(gcN!.buffer.subarray(gcN!.offset, gcN!.offset + N));
  const aKey = {}, packA = packRows({ data: wHh!.buffer, off: wHh!.offset, rs: 1, cs: H });
  const sink: Sink = (buf, cb, ldcb, j0, nc) => {
    for (let j = 0; j < nc; j++) for (let i = 0, src = cb + j, dst = (j0 + j) * H; i < H; i++, src += ldcb) carryH[dst + i] = buf[src]!;
  };
  for (let s = 0; s < Tn; s++) {
    const t = reverse ? s : Tn - 1 - s, yt = gy!.offset + t * N, w0 = ws!.offset + t * 6 * N, dt = t * B * G;
    // the cell state this step started from: the previous step's c', or c0 for the first step processed
    const first = s === Tn - 1, P = first ? C0 : W, p0 = first ? c0!.offset : ws!.offset + (reverse ? t + 1 : t - 1) * 6 * N + 5 * N;
    for (let b = 0; b < B; b++) {
      for (let j = 0, g = dt + b * G, e = b * H; j < H; j++, g++, e++) {
        const i = W[w0 + e]!, f = W[w0 + N + e]!, gt = W[w0 + 2 * N + e]!, o = W[w0 + 3 * N + e]!, tc = W[w0 + 4 * N + e]!;
        const d = s === 0 ? Y[yt + e]! : Y[yt + e]! + carryH[e]!;
        const dc = carryC[e]! + d * o * (1 - tc * tc);
        DG[g] = dc * gt * i * (1 - i);
        DG[g + H] = dc * P[p0 + e]! * f * (1 - f);
        DG[g + 2 * H] = dc * i * (1 - gt * gt);
        DG[g + 3 * H] = d * tc * o * (1 - o);
        carryC[e] = dc * f;
      }
    }
    if (blas) blas(false, false, B, H, G, 1, DG, dt, G, wHh!.buffer, wHh!.offset, H, 0, carryH, 0, H);
    else gemmCore({ M: H, N: B, K: G, aKey, packA, packB: packCols({ data: DG, off: dt, rs: 1, cs: G }), sink, useWasm });
  }
  gh0!.buffer.set(carryH, gh0!.offset);
  gc0!.buffer.set(carryC, gc0!.offset);
  finish(gg!); finish(gh0!); finish(gc0!);
};
