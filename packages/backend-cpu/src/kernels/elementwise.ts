// Unary elementwise kernels (same dtype in and out), required and optional tiers.
import type { Kernel, KernelAttrs } from '@flint/core';
import type { CpuArray } from '../storage.js';
import { finish, num, numel, offsetsOrNull, storeFn } from './util.js';

type Fn = (x: number) => number;

/** Build a kernel from a scalar function: linear loop when the input is dense, else via offsets. */
export function unary(fn: Fn): Kernel<CpuArray> {
  return ([x], [out]) => {
    const n = numel(out!.shape), s = x!.buffer, d = out!.buffer, o = out!.offset;
    const so = offsetsOrNull(x!), f = storeFn(out!.dtype);
    if (so) for (let i = 0; i < n; i++) d[o + i] = fn(s[so[i]!]!);
    else for (let i = 0, b = x!.offset; i < n; i++) d[o + i] = fn(s[b + i]!);
    if (f) for (let i = 0; i < n; i++) d[o + i] = f(d[o + i]!);
    finish(out!);
  };
}

/** A kernel whose scalar function depends on attrs (gelu's approximation, leakyRelu's slope). */
function unaryWith(make: (attrs: KernelAttrs) => Fn): Kernel<CpuArray> {
  return (inputs, outputs, attrs) => unary(make(attrs))(inputs, outputs, attrs);
}

/** torch.round: half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * erf to ~1e-7 relative error everywhere (Abramowitz–Stegun 7.1.26 is only 1e-7 absolute, which is
 * too coarse near 0): a Taylor series for |x| < 2.5 and a continued fraction for erfc above.
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
    let term = x, sum = x;
    const x2 = x * x;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return sum * 1.1283791670955126;
  }
  if (ax > 6) return x > 0 ? 1 : -1;
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))), evaluated backwards
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + (k / 2) / f;
  const erfc = Math.exp(-ax * ax) / (1.7724538509055159 * f);
  return x > 0 ? 1 - erfc : erfc - 1;
}

const SQRT1_2 = Math.SQRT1_2, GELU_C = Math.sqrt(2 / Math.PI);

export const unaryKernels: Record<string, Kernel<CpuArray>> = {
  neg: unary((x) => -x),
  abs: unary(Math.abs),
  exp: unary(Math.exp),
  log: unary(Math.log),
  log1p: unary(Math.log1p),
  expm1: unary(Math.expm1),
  sqrt: unary(Math.sqrt),
  sin: unary(Math.sin),
  cos: unary(Math.cos),
  tanh: unary(Math.tanh),
  floor: unary(Math.floor),
  ceil: unary(Math.ceil),
  round: unary(roundHalfEven),
  sign: unary((x) => (x > 0 ? 1 : x < 0 ? -1 : 0)), // torch.sign(nan) is 0
  rsqrt: unary((x) => 1 / Math.sqrt(x)),
  reciprocal: unary((x) => 1 / x),
  sigmoid: unary((x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)))),
  relu: unary((x) => (x > 0 ? x : x === x ? 0 : x)),
  gelu: unaryWith((attrs) => attrs.approximate === 'tanh'
    ? (x) => 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x * x * x)))
    : (x) => 0.5 * x * (1 + erf(x * SQRT1_2))),
  leakyRelu: unaryWith((attrs) => {
    const slope = num(attrs, 'negativeSlope', 0.01);
    return (x) => (x > 0 ? x : x * slope);
  }),
  softplus: unaryWith((attrs) => {
    const beta = num(attrs, 'beta', 1), threshold = num(attrs, 'threshold', 20);
    return (x) => (x * beta > threshold ? x : Math.log1p(Math.exp(beta * x)) / beta);
  }),
};
