// batch norm (forward, training-mode backward) and layer norm. Statistics are sums in double: for float32,
// one WebAssembly SIMD pass (sum and sum of squares, wasm-stream.ts) with a two-pass fallback for channels
// whose mean dwarfs their spread; otherwise two passes in JS. Running statistics are read but never updated
// here: core owns that update.
import type { Kernel } from '@flint/core';
import type { NumArray } from '../storage.js';
import { reluBackward } from './binary.js';
import { finish, num } from './util.js';
import { STREAM_MIN, channelSlabs, slotSum, streamAvailable, streamSum, type Stream } from './wasm-stream.js';
import type { T } from './util.js';

const at = (t: T | undefined, i: number, fallback: number): number => (t ? (t.buffer as NumArray)[t.offset + i]! : fallback);

/**
 * Per-channel sums over [N, C, S] (of x, or of (x - mean[c])^2 when `mean` is given), in double, each channel
 * in the order n, i as a plain loop would add them. Four channels go at once: each sum is a chain of
 * dependent adds, and four independent chains run in about the time of one.
 */
function channelSums(X: NumArray, xo: number, N: number, C: number, S: number, out: Float64Array, mean?: Float64Array): void {
  let c = 0;
  for (; c + 4 <= C; c += 4) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const m0 = mean ? mean[c]! : 0, m1 = mean ? mean[c + 1]! : 0, m2 = mean ? mean[c + 2]! : 0, m3 = mean ? mean[c + 3]! : 0;
    for (let n = 0; n < N; n++) {
      const b0 = xo + (n * C + c) * S, b1 = b0 + S, b2 = b1 + S, b3 = b2 + S;
      if (mean) {
        for (let i = 0; i < S; i++) {
          const d0 = X[b0 + i]! - m0, d1 = X[b1 + i]! - m1, d2 = X[b2 + i]! - m2, d3 = X[b3 + i]! - m3;
          s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3;
        }
      } else for (let i = 0; i < S; i++) { s0 += X[b0 + i]!; s1 += X[b1 + i]!; s2 += X[b2 + i]!; s3 += X[b3 + i]!; }
    }
    out[c] = s0; out[c + 1] = s1; out[c + 2] = s2; out[c + 3] = s3;
  }
  for (; c < C; c++) {
    let s0 = 0;
    const m0 = mean ? mean[c]! : 0;
    for (let n = 0; n < N; n++) {
      const b = xo + (n * C + c) * S;
      if (mean) for (let i = 0; i < S; i++) { const d = X[b + i]! - m0; s0 += d * d; }
      else for (let i = 0; i < S; i++) s0 += X[b + i]!;
    }
    out[c] = s0;
  }
}

/** A float32 buffer the SIMD loops can take for [N, C, S] (null where they can't run). */
const simd32 = (X: NumArray, N: number, S: number): Float32Array | null => (X instanceof Float32Array && N * S >= STREAM_MIN && streamAvailable() ? X : null);

/**
 * Per-channel mean and biased variance of float32 x [N, C, S] from one SIMD pass (sum and sum of squares in
 * float64), false where the SIMD loops can't run. A channel whose mean is over 1000 standard deviations
 * (where the one-pass variance loses digits) gets the two-pass sum of squared deviations instead.
 */
function channelMoments(X: NumArray, xo: number, N: number, C: number, S: number, means: Float64Array, vars: Float64Array): boolean {
  const X32 = simd32(X, N, S);
  if (!X32) return false;
  const m = N * S, sums = new Float64Array(C), squares = new Float64Array(C);
  channelSlabs([X32], [xo], null, 0, N, C, S, (w, c, at, len) => {
    sums[c] += slotSum(w, 'sum', at, len); squares[c] += slotSum(w, 'sumSq', at, len);
  });
  for (let c = 0; c < C; c++) {
    const mean = sums[c]! / m;
    let v = Math.max(squares[c]! / m - mean * mean, 0);
    if (mean * mean > 1e6 * v) v = streamSum('sumSqDev', [X32], [xo + c * S], N, S, C * S, mean)! / m;
    means[c] = mean; vars[c] = v;
  }
  return true;
}

/** Per-channel mean and biased variance, two passes in double (one SIMD pass for float32). */
function moments(X: NumArray, xo: number, N: number, C: number, S: number, means: Float64Array, vars: Float64Array): void {
  if (channelMoments(X, xo, N, C, S, means, vars)) return;
  const m = N * S;
  channelSums(X, xo, N, C, S, means);
  for (let c = 0; c < C; c++) means[c] = means[c]! / m;
  channelSums(X, xo, N, C, S, vars, means);
  for (let c = 0; c < C; c++) vars[c] = vars[c]! / m;
}

/** batchNormStats: [x [N,C,S]] → [mean [C], invstd [C]], the statistics batchNorm computes in training (the same bits). */
export const batchNormStats: Kernel<NumArray> = ([x], [mean, invstd], attrs) => {
  const [N, C, S] = x!.shape as [number, number, number], eps = num(attrs, 'eps', 1e-5);
  const means = new Float64Array(C), vars = new Float64Array(C);
  moments(x!.buffer, x!.offset, N, C, S, means, vars);
  for (let c = 0; c < C; c++) {
    mean!.buffer[mean!.offset + c] = means[c]!;
    invstd!.buffer[invstd!.offset + c] = 1 / Math.sqrt(vars[c]! + eps);
  }
  finish(mean!); finish(invstd!);
};

/**
 * batchNorm: [x [N,C,S], weight?, bias?, runningMean?, runningVar?] → [y, saveMean [C], saveInvstd [C]]; with
 * `relu`, batchNormRelu: y goes through relu as it is stored (+0 where not positive, NaN kept).
 */
const normalizeKernel = (relu: boolean): Kernel<NumArray> => ([x, weight, bias, rMean, rVar], [y, sMean, sInvstd], attrs) => {
  const [N, C, S] = x!.shape as [number, number, number];
  const eps = num(attrs, 'eps', 1e-5), training = attrs.training !== false;
  const X = x!.buffer, Y = y!.buffer, xo = x!.offset, yo = y!.offset;
  const means = new Float64Array(C), vars = new Float64Array(C);
  if (training) moments(X, xo, N, C, S, means, vars);
  const X32 = simd32(X, N, S), shifts = X32 && Y instanceof Float32Array ? new Float64Array(3 * C) : null;
  for (let c = 0; c < C; c++) {
    let mean: number, invstd: number;
    if (training) {
      mean = means[c]!;
      invstd = 1 / Math.sqrt(vars[c]! + eps);
    } else {
      mean = at(rMean, c, 0);
      invstd = 1 / Math.sqrt(at(rVar, c, 1) + eps);
    }
    sMean!.buffer[sMean!.offset + c] = mean;
    sInvstd!.buffer[sInvstd!.offset + c] = invstd;
    const scale = invstd * at(weight, c, 1), shift = at(bias, c, 0) - mean * scale;
    if (shifts) { shifts[3 * c] = mean; shifts[3 * c + 1] = scale; shifts[3 * c + 2] = at(bias, c, 0); continue; }
    for (let n = 0; n < N; n++) {
      const b = (n * C + c) * S;
      // unrolled by 4 (see elementwise.gen.ts: V8's per-iteration checks cost as much as the arithmetic)
      const xb = xo + b, yb = yo + b;
      let i = 0;
      if (relu) {
        for (; i < S; i++) { const v = X[xb + i]! * scale + shift; Y[yb + i] = v > 0 ? v : v === v ? 0 : v; }
        continue;
      }
      for (; i + 4 <= S; i += 4) {
        Y[yb + i] = X[xb + i]! * scale + shift; Y[yb + i + 1] = X[xb + i + 1]! * scale + shift;
        Y[yb + i + 2] = X[xb + i + 2]! * scale + shift; Y[yb + i + 3] = X[xb + i + 3]! * scale + shift;
      }
      for (; i < S; i++) Y[yb + i] = X[xb + i]! * scale + shift;
    }
  }
  // float32: y = (x - mean) * scale + bias in float32 SIMD, as torch's CPU kernel computes it in float
  if (shifts) {
    const apply = relu ? 'bnApplyRelu' : 'bnApply';
    channelSlabs([X32!], [xo], Y as Float32Array, yo, N, C, S, (w, c, at, len) =>
      w.maps[apply](at * 4, (len + 3) & ~3, shifts[3 * c]!, shifts[3 * c + 1]!, shifts[3 * c + 2]!, 0, 0, 0, 0));
  }
  finish(y!); finish(sMean!); finish(sInvstd!);
};
export const batchNorm = normalizeKernel(false);
export const batchNormRelu = normalizeKernel(true);

/**
 * batchNormBackward: [gradOut, x, weight?, saveMean, saveInvstd] → [gradInput, gradWeight, gradBias] (batch
 * statistics); with `relu`, batchNormReluBackward: [gradOut, out, x, ...], the same of reluBackward(gradOut,
 * out), which the SIMD passes apply to each chunk of gradOut as they copy it in.
 */
const normBackward = (relu: boolean): Kernel<NumArray> => (ins, [gx, gw, gb]) => {
  const [gy, out, x, weight, sMean, sInvstd] = relu ? ins : [ins[0], undefined, ...ins.slice(1)];
  const [N, C, S] = x!.shape as [number, number, number];
  const X = x!.buffer, D = gx!.buffer, xo = x!.offset, m = N * S, oo = out?.offset ?? 0;
  let G = gy!.buffer, go = gy!.offset, O = out?.buffer;
  // sums of g and g * (x - mean) per channel, two channels at once (four independent chains), each in n, i order
  const SG = new Float64Array(C), SGX = new Float64Array(C);
  const X32 = simd32(X, N, S), simd = !!X32 && G instanceof Float32Array && D instanceof Float32Array && (!O || O instanceof Float32Array);
  /** relu's gradient written out whole (the reluBackward kernel), for the passes that can't apply it on the way */
  const unmask = (): void => {
    if (!O) return;
    const gm = { ...gy!, buffer: new (G.constructor as new (n: number) => NumArray)(N * C * S), offset: 0 };
    reluBackward([gy!, out!], [gm], {});
    G = gm.buffer; go = 0; O = undefined;
  };
  if (!simd) unmask();
  const slabs = () => ({ src: O ? [G as Float32Array, X32!, O as Float32Array] : [G as Float32Array, X32!], off: O ? [go, xo, oo] : [go, xo],
    pre: O ? (w: Stream, len: number) => w.maps.reluGradBy2(0, (len + 3) & ~3, 0, 0, 0, 0, 0, 0, 0) : undefined });
  let c = simd ? C : 0;
  if (simd) {
    // sum g and sum g x from one pass, sum g (x - mean) = sum g x - mean sum g; where the mean is over
    // 1000 standard deviations the subtraction would cancel digits, and the two-pass sum runs instead
    const { src, off, pre } = slabs();
    channelSlabs(src, off, null, 0, N, C, S, (w, c, at, len) => {
      SG[c] += slotSum(w, 'sum', at, len); SGX[c] += slotSum(w, 'sumProd', at, len);
    }, pre);
    for (let c = 0; c < C; c++) {
      const mean = at(sMean, c, 0), invstd = at(sInvstd, c, 1);
      if (mean * mean * invstd * invstd > 1e6) {
        unmask();
        SGX[c] = streamSum('sumProdDev', [G as Float32Array, X32!], [go + c * S, xo + c * S], N, S, C * S, mean)!;
      } else SGX[c] = SGX[c]! - mean * SG[c]!;
    }
  }
  for (; c + 2 <= C; c += 2) {
    const m0 = at(sMean, c, 0), m1 = at(sMean, c + 1, 0);
    let sg0 = 0, sgx0 = 0, sg1 = 0, sgx1 = 0;
    for (let n = 0; n < N; n++) {
      const b0 = (n * C + c) * S, b1 = b0 + S;
      for (let i = 0; i < S; i++) {
        const g0 = G[go + b0 + i]!, g1 = G[go + b1 + i]!;
        sg0 += g0; sgx0 += g0 * (X[xo + b0 + i]! - m0);
        sg1 += g1; sgx1 += g1 * (X[xo + b1 + i]! - m1);
      }
    }
    SG[c] = sg0; SGX[c] = sgx0; SG[c + 1] = sg1; SGX[c + 1] = sgx1;
  }
  for (; c < C; c++) {
    const mean = at(sMean, c, 0);
    let sg = 0, sgx = 0;
    for (let n = 0; n < N; n++) {
      const b = (n * C + c) * S;
      for (let i = 0; i < S; i++) { const g = G[go + b + i]!; sg += g; sgx += g * (X[xo + b + i]! - mean); }
    }
    SG[c] = sg; SGX[c] = sgx;
  }
  const grads = new Float64Array(simd ? 4 * C : 0);
  for (let c = 0; c < C; c++) {
    const mean = at(sMean, c, 0), invstd = at(sInvstd, c, 1), w = at(weight, c, 1);
    const sg = SG[c]!, sgx = SGX[c]!;
    const gWeight = sgx * invstd;
    if (gw) gw.buffer[gw.offset + c] = gWeight;
    if (gb) gb.buffer[gb.offset + c] = sg;
    // dx = w*invstd*(g - mean(g) - xhat*mean(g*xhat))
    const k = w * invstd, gMean = sg / m, proj = (gWeight / m) * invstd;
    if (simd) { grads[4 * c] = k; grads[4 * c + 1] = gMean; grads[4 * c + 2] = mean; grads[4 * c + 3] = proj; continue; }
    for (let n = 0; n < N; n++) {
      const b = (n * C + c) * S;
      const db = gx!.offset + b, gb0 = go + b, xb = xo + b;
      let i = 0;
      for (; i + 4 <= S; i += 4) { // unrolled as in batchNorm
        D[db + i] = k * (G[gb0 + i]! - gMean - (X[xb + i]! - mean) * proj);
        D[db + i + 1] = k * (G[gb0 + i + 1]! - gMean - (X[xb + i + 1]! - mean) * proj);
        D[db + i + 2] = k * (G[gb0 + i + 2]! - gMean - (X[xb + i + 2]! - mean) * proj);
        D[db + i + 3] = k * (G[gb0 + i + 3]! - gMean - (X[xb + i + 3]! - mean) * proj);
      }
      for (; i < S; i++) D[db + i] = k * (G[gb0 + i]! - gMean - (X[xb + i]! - mean) * proj);
    }
  }
  if (simd) {
    const { src, off, pre } = slabs();
    channelSlabs(src, off, D as Float32Array, gx!.offset, N, C, S, (w, c, at, len) =>
      w.maps.bnGrad(at * 4, (len + 3) & ~3, grads[4 * c]!, grads[4 * c + 1]!, grads[4 * c + 2]!, grads[4 * c + 3]!, 0, 0, 0), pre);
  }
  finish(gx!); if (gw) finish(gw); if (gb) finish(gb);
};
export const batchNormBackward = normBackward(false);
export const batchNormReluBackward = normBackward(true);

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
