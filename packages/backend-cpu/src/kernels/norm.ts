// batch norm (forward, training-mode backward) and layer norm, two-pass for accuracy in double.
// Running statistics are read but never updated here: core owns that update.
import type { Kernel } from '@flint/core';
import type { NumArray } from '../storage.js';
import { finish, num } from './util.js';
import type { T } from './util.js';

const at = (t: T | undefined, i: number, fallback: number): number => (t ? (t.buffer as NumArray)[t.offset + i]! : fallback);

/** batchNorm: [x [N,C,S], weight?, bias?, runningMean?, runningVar?] → [y, saveMean [C], saveInvstd [C]]. */
export const batchNorm: Kernel<NumArray> = ([x, weight, bias, rMean, rVar], [y, sMean, sInvstd], attrs) => {
  const [N, C, S] = x!.shape as [number, number, number];
  const eps = num(attrs, 'eps', 1e-5), training = attrs.training !== false;
  const X = x!.buffer, Y = y!.buffer, xo = x!.offset, yo = y!.offset, m = N * S;
  for (let c = 0; c < C; c++) {
    let mean: number, invstd: number;
    if (training) {
      let s = 0;
      for (let n = 0; n < N; n++) for (let i = 0, b = xo + (n * C + c) * S; i < S; i++) s += X[b + i]!;
      mean = s / m;
      let v = 0;
      for (let n = 0; n < N; n++) for (let i = 0, b = xo + (n * C + c) * S; i < S; i++) { const d = X[b + i]! - mean; v += d * d; }
      invstd = 1 / Math.sqrt(v / m + eps);
    } else {
      mean = at(rMean, c, 0);
      invstd = 1 / Math.sqrt(at(rVar, c, 1) + eps);
    }
    sMean!.buffer[sMean!.offset + c] = mean;
    sInvstd!.buffer[sInvstd!.offset + c] = invstd;
    const scale = invstd * at(weight, c, 1), shift = at(bias, c, 0) - mean * scale;
    for (let n = 0; n < N; n++) {
      const b = (n * C + c) * S;
      for (let i = 0; i < S; i++) Y[yo + b + i] = X[xo + b + i]! * scale + shift;
    }
  }
  finish(y!); finish(sMean!); finish(sInvstd!);
};

/** [gradOut, x, weight?, saveMean, saveInvstd] → [gradInput, gradWeight, gradBias] (batch statistics). */
export const batchNormBackward: Kernel<NumArray> = ([gy, x, weight, sMean, sInvstd], [gx, gw, gb]) => {
  const [N, C, S] = x!.shape as [number, number, number];
  const X = x!.buffer, G = gy!.buffer, D = gx!.buffer, xo = x!.offset, go = gy!.offset, m = N * S;
  for (let c = 0; c < C; c++) {
    const mean = at(sMean, c, 0), invstd = at(sInvstd, c, 1), w = at(weight, c, 1);
    let sg = 0, sgx = 0;
    for (let n = 0; n < N; n++) {
      const b = (n * C + c) * S;
      for (let i = 0; i < S; i++) { const g = G[go + b + i]!; sg += g; sgx += g * (X[xo + b + i]! - mean); }
    }
    const gWeight = sgx * invstd;
    if (gw) gw.buffer[gw.offset + c] = gWeight;
    if (gb) gb.buffer[gb.offset + c] = sg;
    // dx = w*invstd*(g - mean(g) - xhat*mean(g*xhat))
    const k = w * invstd, gMean = sg / m, proj = (gWeight / m) * invstd;
    for (let n = 0; n < N; n++) {
      const b = (n * C + c) * S;
      for (let i = 0; i < S; i++) D[gx!.offset + b + i] = k * (G[go + b + i]! - gMean - (X[xo + b + i]! - mean) * proj);
    }
  }
  finish(gx!); if (gw) finish(gw); if (gb) finish(gb);
};

/** layerNorm: [x [M,D], weight?, bias?] → [y, mean [M], rstd [M]] over the last dim. */
export const layerNorm: Kernel<NumArray> = ([x, weight, bias], [y, mOut, rOut], attrs) => {
  const [M, D] = x!.shape as [number, number];
  const eps = num(attrs, 'eps', 1e-5), X = x!.buffer, Y = y!.buffer;
  for (let r = 0; r < M; r++) {
    const b = x!.offset + r * D, yb = y!.offset + r * D;
    let s = 0;
    for (let i = 0; i < D; i++) s += X[b + i]!;
    const mean = s / D;
    let v = 0;
    for (let i = 0; i < D; i++) { const d = X[b + i]! - mean; v += d * d; }
    const rstd = 1 / Math.sqrt(v / D + eps);
    for (let i = 0; i < D; i++) Y[yb + i] = (X[b + i]! - mean) * rstd * at(weight, i, 1) + at(bias, i, 0);
    if (mOut) mOut.buffer[mOut.offset + r] = mean;
    if (rOut) rOut.buffer[rOut.offset + r] = rstd;
  }
  finish(y!); if (mOut) finish(mOut); if (rOut) finish(rOut);
};
