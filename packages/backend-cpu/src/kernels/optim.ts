// Fused optimizer steps (optional tier): one pass over each parameter instead of ~10 ops and temporaries.
// Inputs, attrs and in-place semantics: the 'sgdStep' and 'adamStep' entries of @flint/core's kernel
// schema. Below float64 each intermediate and scalar is rounded to the dtype, as each op of core's
// composite (ops/optim.ts) stores it, so results equal the composite bit for bit.
import type { DType, Kernel, KernelAttrs } from '@flint/core';
import type { NumArray } from '../storage.js';
import { roundBfloatInPlace, roundHalfInPlace } from '../storage.js';
import { num, numel } from './util.js';
import { STREAM_MIN, streamMap } from './wasm-stream.js';

type Round = (x: number) => number;
const identity: Round = (x) => x;
const scratch = new Float32Array(1);
const viaScratch = (round: (f: Float32Array, start: number, end: number) => void): Round => (x) => {
  scratch[0] = x;
  round(scratch, 0, 1);
  return scratch[0]!;
};
const ROUND: Partial<Record<DType, Round>> = {
  float64: identity, float32: Math.fround, float16: viaScratch(roundHalfInPlace), bfloat16: viaScratch(roundBfloatInPlace),
};

/** The rounding each op of the composite applies when it stores a result of `dtype`. */
function rounder(dtype: DType): Round {
  const r = ROUND[dtype];
  if (!r) throw new TypeError(`cpu optimizer kernels: expected a floating-point dtype, got ${dtype}`);
  return r;
}
const flag = (attrs: KernelAttrs, key: string): boolean => attrs[key] === true;
// NaN propagates, like torch.maximum
const maximum = (a: number, b: number): number => (a !== a || b !== b ? NaN : a > b ? a : b);

export const sgdStep: Kernel<NumArray> = ([param, grad, buf], _outputs, attrs) => {
  const q = rounder(param!.dtype), n = numel(param!.shape);
  const P = param!.buffer, G = grad!.buffer, po = param!.offset, go = grad!.offset;
  const momentum = num(attrs, 'momentum', 0), wdRaw = num(attrs, 'weightDecay', 0);
  const M = q(momentum), D = q(1 - num(attrs, 'dampening', 0)), WD = q(wdRaw), NLR = q(-num(attrs, 'lr'));
  const nesterov = flag(attrs, 'nesterov'), maximize = flag(attrs, 'maximize'), first = flag(attrs, 'firstStep');
  const B = buf?.buffer, bo = buf?.offset ?? 0;
  if (momentum !== 0 && !B) throw new TypeError('cpu sgdStep: momentum != 0 needs a momentumBuffer input');
  if (param!.dtype === 'float32') {
    // the same steps with Math.fround written in place: a call through q is not inlined once two dtypes
    // have passed, and costs more than the arithmetic
    const f = Math.fround;
    if (B && !maximize && wdRaw === 0 && !first && !nesterov) {
      // plain momentum, the common case, without the per-element option tests: the SIMD loop (the same
      // float32 ops) where it runs
      if (n >= STREAM_MIN && P instanceof Float32Array && G instanceof Float32Array && B instanceof Float32Array
        && streamMap('sgd', [P, G, B], [po, go, bo], [P, null, B], [po, 0, bo], 1, n, 0, M, D, NLR)) return;
      for (let i = 0; i < n; i++) {
        const b = f(f(B[bo + i]! * M) + f(G[go + i]! * D));
        B[bo + i] = b;
        P[po + i] = f(P[po + i]! + f(b * NLR));
      }
      return;
    }
    for (let i = 0; i < n; i++) {
      let g = G[go + i]!;
      if (maximize) g = -g;
      const p = P[po + i]!;
      if (wdRaw !== 0) g = f(g + f(p * WD));
      let d = g;
      if (B) {
        const b = first ? g : f(f(B[bo + i]! * M) + f(g * D));
        B[bo + i] = b;
        d = nesterov ? f(g + f(b * M)) : b;
      }
      P[po + i] = f(p + f(d * NLR));
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    let g = G[go + i]!;
    if (maximize) g = -g;
    const p = P[po + i]!;
    if (wdRaw !== 0) g = q(g + q(p * WD));
    let d = g;
    if (B) {
      const b = first ? g : q(q(B[bo + i]! * M) + q(g * D));
      B[bo + i] = b;
      d = nesterov ? q(g + q(b * M)) : b;
    }
    P[po + i] = q(p + q(d * NLR));
  }
};

export const adamStep: Kernel<NumArray> = ([param, grad, expAvg, expAvgSq, maxSq], _outputs, attrs) => {
  const q = rounder(param!.dtype), n = numel(param!.shape);
  const lr = num(attrs, 'lr'), beta1 = num(attrs, 'beta1'), beta2 = num(attrs, 'beta2'), step = num(attrs, 'step');
  const wd = num(attrs, 'weightDecay', 0), amsgrad = flag(attrs, 'amsgrad'), maximize = flag(attrs, 'maximize');
  const decoupled = flag(attrs, 'decoupled');
  if (amsgrad && !maxSq) throw new TypeError('cpu adamStep: amsgrad needs a maxExpAvgSq input');
  // scalars as torch computes them in double, then as the float32 operands of each op
  const stepSize = lr / (1 - beta1 ** step), bc2Sqrt = Math.sqrt(1 - beta2 ** step);
  const B1 = q(beta1), OB1 = q(1 - beta1), B2 = q(beta2), OB2 = q(1 - beta2), BC2 = q(bc2Sqrt);
  const EPS = q(num(attrs, 'eps')), NSS = q(-stepSize), WD = q(wd), DECAY = q(1 - lr * wd);
  const P = param!.buffer, G = grad!.buffer, M = expAvg!.buffer, V = expAvgSq!.buffer, X = maxSq?.buffer;
  const po = param!.offset, go = grad!.offset, mo = expAvg!.offset, vo = expAvgSq!.offset, xo = maxSq?.offset ?? 0;
  if (param!.dtype === 'float32') {
    const f = Math.fround; // as in sgdStep
    if (!maximize && wd === 0 && !X) {
      // plain Adam, the common case, without the per-element option tests: the SIMD loop (the same float32
      // ops, sqrt and division correctly rounded as here) where it runs
      if (n >= STREAM_MIN && P instanceof Float32Array && G instanceof Float32Array && M instanceof Float32Array && V instanceof Float32Array
        && streamMap('adam', [P, G, M, V], [po, go, mo, vo], [P, null, M, V], [po, 0, mo, vo], 1, n, 0, B1, OB1, B2, OB2, BC2, EPS, NSS)) return;
      for (let i = 0; i < n; i++) {
        const g = G[go + i]!;
        const m = f(f(M[mo + i]! * B1) + f(g * OB1));
        M[mo + i] = m;
        const v = f(f(V[vo + i]! * B2) + f(f(g * OB2) * g));
        V[vo + i] = v;
        const denom = f(f(f(Math.sqrt(v)) / BC2) + EPS);
        P[po + i] = f(P[po + i]! + f(f(m * NSS) / denom));
      }
      return;
    }
    for (let i = 0; i < n; i++) {
      let g = G[go + i]!;
      if (maximize) g = -g;
      let p = P[po + i]!;
      if (wd !== 0) {
        if (decoupled) p = f(p * DECAY);
        else g = f(g + f(p * WD));
      }
      const m = f(f(M[mo + i]! * B1) + f(g * OB1));
      M[mo + i] = m;
      let v = f(f(V[vo + i]! * B2) + f(f(g * OB2) * g));
      V[vo + i] = v;
      if (X) { v = maximum(X[xo + i]!, v); X[xo + i] = v; }
      const denom = f(f(f(Math.sqrt(v)) / BC2) + EPS);
      P[po + i] = f(p + f(f(m * NSS) / denom));
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    let g = G[go + i]!;
    if (maximize) g = -g;
    let p = P[po + i]!;
    if (wd !== 0) {
      if (decoupled) p = q(p * DECAY);
      else g = q(g + q(p * WD));
    }
    const m = q(q(M[mo + i]! * B1) + q(g * OB1));
    M[mo + i] = m;
    let v = q(q(V[vo + i]! * B2) + q(q(g * OB2) * g));
    V[vo + i] = v;
    if (X) { v = maximum(X[xo + i]!, v); X[xo + i] = v; }
    const denom = q(q(q(Math.sqrt(v)) / BC2) + EPS);
    P[po + i] = q(p + q(q(m * NSS) / denom));
  }
};

/** The kernel-table entries this file provides. */
export const optimKernels: Record<string, Kernel<NumArray>> = { sgdStep, adamStep };
