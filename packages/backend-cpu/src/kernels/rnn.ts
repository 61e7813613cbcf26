// Fused GRU and LSTM cell steps (optional tier): a few dense passes over [B, H] instead of ~10 elementwise
// ops that each allocate and walk a temporary. Contracts (inputs, outputs, workspace planes) are in
// @flint/core's ops/nn/rnn.ts; inputs arrive contiguous with offset 0. The workspace is laid out in planes
// so each nonlinearity is one call over B*H (or 2*B*H) contiguous floats: the SIMD loop for float32.
import type { Kernel } from '@flint/core';
import type { NumArray } from '../storage.js';
import { finish } from './util.js';
import { wasmUnary } from './wasm-math.js';
import { gruStepSimd } from './wasm-gru.js';

/** buf[off, off + n) = f(buf[off, off + n)) in place: WebAssembly SIMD for float32, else Math.*. */
export function activate(f: 'sigmoid' | 'tanh', buf: NumArray, off: number, n: number): void {
  if (wasmUnary(f, buf, off, buf, n, off)) return;
  if (f === 'sigmoid') for (let i = off; i < off + n; i++) buf[i] = 1 / (1 + Math.exp(-buf[i]!));
  else for (let i = off; i < off + n; i++) buf[i] = Math.tanh(buf[i]!);
}

/** [xGates [B,3H], hGates [B,3H], h [B,H], hBias [3H]?] → [h' [B,H], workspace [4,B,H] = r, z, n, h_n]. */
export const gruCell: Kernel<NumArray> = ([xg, hg, h, hb], [out, ws]) => {
  const [B, H] = h!.shape as [number, number], N = B * H;
  const X = xg!.buffer, G = hg!.buffer, P = h!.buffer, O = out!.buffer, W = ws!.buffer;
  // float32: the SIMD step gruSequence runs too (wasm-gru.ts), so the fused sequence equals this cell loop
  if (X instanceof Float32Array && G instanceof Float32Array && P instanceof Float32Array && O instanceof Float32Array && W instanceof Float32Array
    && (!hb || hb.buffer instanceof Float32Array)
    && gruStepSimd(X, xg!.offset, null, 0, { data: G, off: hg!.offset, ld: 0 }, hb ? hb.buffer as Float32Array : null, hb?.offset ?? 0, P, h!.offset, O, out!.offset, W, ws!.offset, B, H)) {
    finish(out!); finish(ws!);
    return;
  }
  const C = hb ? hb.buffer : new Float64Array(3 * H);
  for (let b = 0; b < B; b++) {
    for (let j = 0, g = b * 3 * H, e = b * H; j < H; j++, g++, e++) {
      W[e] = X[g]! + (G[g]! + C[j]!);
      W[N + e] = X[g + H]! + (G[g + H]! + C[H + j]!);
      W[3 * N + e] = G[g + 2 * H]! + C[2 * H + j]!;
    }
  }
  activate('sigmoid', W, 0, 2 * N);
  for (let b = 0; b < B; b++) {
    for (let j = 0, g = b * 3 * H + 2 * H, e = b * H; j < H; j++, g++, e++) W[2 * N + e] = X[g]! + W[e]! * W[3 * N + e]!;
  }
  activate('tanh', W, 2 * N, N);
  for (let e = 0; e < N; e++) { const z = W[N + e]!, n = W[2 * N + e]!; O[e] = n + z * (P[e]! - n); }
  finish(out!); finish(ws!);
};

/** [gradH [B,H], h [B,H], workspace [4,B,H]] → [gradXGates [B,3H], gradHGates [B,3H], gradPrevH [B,H]]. */
export const gruCellBackward: Kernel<NumArray> = ([gy, h, ws], [gx, gh, gp]) => {
  const [B, H] = h!.shape as [number, number], N = B * H;
  const Y = gy!.buffer, P = h!.buffer, W = ws!.buffer, DX = gx!.buffer, DH = gh!.buffer, DP = gp!.buffer;
  for (let b = 0; b < B; b++) {
    for (let j = 0, g = b * 3 * H, e = b * H; j < H; j++, g++, e++) {
      const r = W[e]!, z = W[N + e]!, n = W[2 * N + e]!, hn = W[3 * N + e]!, d = Y[e]!;
      const dn = d * (1 - z) * (1 - n * n);
      const dz = d * (P[e]! - n) * z * (1 - z);
      const dr = dn * hn * r * (1 - r);
      DX[g] = dr; DX[g + H] = dz; DX[g + 2 * H] = dn;
      DH[g] = dr; DH[g + H] = dz; DH[g + 2 * H] = dn * r;
      DP[e] = d * z;
    }
  }
  finish(gx!); finish(gh!); finish(gp!);
};

/** [xGates [B,4H], hGates [B,4H], c [B,H]] → [h' [B,H], c' [B,H], workspace [5,B,H] = σ(i), σ(f), tanh(g), σ(o), tanh(c')]. */
export const lstmCell: Kernel<NumArray> = ([xg, hg, c], [hOut, cOut, ws]) => {
  const [B, H] = c!.shape as [number, number], N = B * H;
  const A = xg!.buffer, G = hg!.buffer, C = c!.buffer, HO = hOut!.buffer, CO = cOut!.buffer, W = ws!.buffer;
  for (let b = 0; b < B; b++) {
    for (let j = 0, g = b * 4 * H, e = b * H; j < H; j++, g++, e++) {
      W[e] = A[g]! + G[g]!; W[N + e] = A[g + H]! + G[g + H]!;
      W[2 * N + e] = A[g + 2 * H]! + G[g + 2 * H]!; W[3 * N + e] = A[g + 3 * H]! + G[g + 3 * H]!;
    }
  }
  activate('sigmoid', W, 0, 2 * N);
  activate('tanh', W, 2 * N, N);
  activate('sigmoid', W, 3 * N, N);
  for (let e = 0; e < N; e++) CO[e] = W[N + e]! * C[e]! + W[e]! * W[2 * N + e]!;
  finish(cOut!);
  // tanh of the stored (rounded) c', so h' and the backward see the same value
  for (let e = 0; e < N; e++) W[4 * N + e] = CO[e]!;
  activate('tanh', W, 4 * N, N);
  for (let e = 0; e < N; e++) HO[e] = W[3 * N + e]! * W[4 * N + e]!;
  finish(hOut!); finish(ws!);
};

/** [gradH [B,H], gradC [B,H], c [B,H], workspace [5,B,H]] → [gradGates [B,4H], gradPrevC [B,H]]. */
export const lstmCellBackward: Kernel<NumArray> = ([gy, gcy, c, ws], [gg, gp]) => {
  const [B, H] = c!.shape as [number, number], N = B * H;
  const Y = gy!.buffer, GC = gcy!.buffer, C = c!.buffer, W = ws!.buffer, DG = gg!.buffer, DP = gp!.buffer;
  for (let b = 0; b < B; b++) {
    for (let j = 0, g = b * 4 * H, e = b * H; j < H; j++, g++, e++) {
      const i = W[e]!, f = W[N + e]!, gt = W[2 * N + e]!, o = W[3 * N + e]!, tc = W[4 * N + e]!, d = Y[e]!;
      const dc = GC[e]! + d * o * (1 - tc * tc);
      DG[g] = dc * gt * i * (1 - i);
      DG[g + H] = dc * C[e]! * f * (1 - f);
      DG[g + 2 * H] = dc * i * (1 - gt * gt);
      DG[g + 3 * H] = d * tc * o * (1 - o);
      DP[e] = dc * f;
    }
  }
  finish(gg!); finish(gp!);
};

export const rnnKernels = { gruCell, gruCellBackward, lstmCell, lstmCellBackward };
