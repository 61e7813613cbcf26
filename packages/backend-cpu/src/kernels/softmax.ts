// softmax / logSoftmax along the last dim (max-subtracted for stability), and fused cross-entropy.
import type { Kernel } from '@flint/core';
import { IndexError } from '@flint/core';
import type { CpuArray, NumArray } from '../storage.js';
import { indexValues } from './int64.js';
import { finish, num } from './util.js';
import { wasmExpSum } from './wasm-math.js';

function lastDim(shape: readonly number[]): [number, number] {
  const d = shape.length ? shape[shape.length - 1]! : 1;
  return [d === 0 ? 0 : shape.reduce((a, b) => a * b, 1) / d, d];
}

/**
 * The row max and sum(exp(row - max)), so log(sum(exp(row))) = max + log(sum) stably. Given Y, the float32
 * SIMD path also leaves the terms exp(x - max) at Y[yb...] and says so (softmax then only scales them).
 */
function expSum(X: NumArray, b: number, d: number, Y: NumArray | null = null, yb = 0): { mx: number; sum: number; stored: boolean } {
  let mx = -Infinity;
  for (let i = 0; i < d; i++) { const v = X[b + i]!; if (v > mx || v !== v) mx = v; }
  if (mx === -Infinity || mx !== mx) return { mx, sum: 1, stored: false };
  const sum = wasmExpSum(X, b, d, mx, Y, yb);
  if (sum !== null) return { mx, sum, stored: Y !== null };
  let s = 0;
  for (let i = 0; i < d; i++) s += Math.exp(X[b + i]! - mx);
  return { mx, sum: s, stored: false };
}

function logSumExp(X: NumArray, b: number, d: number): number {
  const { mx, sum } = expSum(X, b, d);
  return mx + Math.log(sum);
}

export const softmax: Kernel<NumArray> = ([x], [out]) => {
  const [rows, d] = lastDim(x!.shape), X = x!.buffer, Y = out!.buffer;
  for (let r = 0; r < rows; r++) {
    const b = x!.offset + r * d, yb = out!.offset + r * d;
    const { mx, sum, stored } = expSum(X, b, d, Y, yb);
    if (stored) {
      const inv = 1 / sum;
      for (let i = 0; i < d; i++) Y[yb + i] = Y[yb + i]! * inv;
    } else {
      const lse = mx + Math.log(sum);
      for (let i = 0; i < d; i++) Y[yb + i] = Math.exp(X[b + i]! - lse);
    }
  }
  finish(out!);
};

export const logSoftmax: Kernel<NumArray> = ([x], [out]) => {
  const [rows, d] = lastDim(x!.shape), X = x!.buffer, Y = out!.buffer;
  for (let r = 0; r < rows; r++) {
    const b = x!.offset + r * d, yb = out!.offset + r * d;
    const lse = logSumExp(X, b, d);
    for (let i = 0; i < d; i++) Y[yb + i] = X[b + i]! - lse;
  }
  finish(out!);
};

/** crossEntropy: [logits [N,C], target [N]] → loss [] (mean/sum) or [N] ('none'; ignored rows are 0). */
export const crossEntropy: Kernel<CpuArray> = ([logits, target], [out], attrs) => {
  const [N, C] = logits!.shape as [number, number];
  const ignore = num(attrs, 'ignoreIndex', -100), reduction = (attrs.reduction as string | undefined) ?? 'mean';
  const X = logits!.buffer as NumArray, Tg = indexValues(target!), Y = out!.buffer as NumArray;
  let total = 0, count = 0;
  for (let n = 0; n < N; n++) {
    const t = Tg[n]!;
    let loss = 0;
    if (t !== ignore) {
      if (!(t >= 0 && t < C)) throw new IndexError(`crossEntropy: target ${t} at row ${n} is out of bounds for ${C} classes; valid targets are 0..${C - 1} (or ignoreIndex ${ignore})`);
      const b = logits!.offset + n * C;
      loss = logSumExp(X, b, C) - X[b + t]!;
      total += loss; count++;
    }
    if (reduction === 'none') Y[out!.offset + n] = loss;
  }
  if (reduction === 'sum') Y[out!.offset] = total;
  else if (reduction === 'mean') Y[out!.offset] = total / count; // NaN when every target is ignored, as in PyTorch
  finish(out!);
};
