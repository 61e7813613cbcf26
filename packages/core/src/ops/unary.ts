// Elementwise functions of one tensor. Float functions promote integer inputs to float32, like torch.
import { isFloating } from '../dtype.js';
import { apply, hasKernel, recordingParts, runKernel } from '../dispatch.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import type { KernelAttrsOf, OpName } from '../schema/index.js';
import type { Tensor } from '../tensor.js';
import type { TensorLike } from './util.js';
import { castTo, checkOperands, isTensor, scalarTensor, deviceOf, promote } from './util.js';
import { add, div, gt, le, maximum, minimum, mul, sub, where } from './binary.js';
import { checkOptions, optionKeys } from '../names.js';
import { cast } from './device.js';

/** The tensor operand of unary op `op` (a scalar becomes a 0-d tensor; anything else is a TypeError). */
const toTensor = (x: TensorLike, op = 'op'): Tensor => { checkOperands(op, [x], ['input']); return isTensor(x) ? x : scalarTensor(x, promote([x]), deviceOf([x])); };

function floatInput(x: Tensor): Tensor {
  return isFloating(x.dtype) ? x : castTo(x, 'float32');
}

type UnaryKernel = 'neg' | 'abs' | 'sign' | 'floor' | 'ceil' | 'round' | 'exp' | 'log' | 'log1p' | 'expm1' | 'sqrt' | 'sin' | 'cos' | 'tanh';
type Activation = 'rsqrt' | 'reciprocal' | 'sigmoid' | 'relu' | 'gelu' | 'leakyRelu' | 'softplus';

/** Run a unary kernel (required tier). */
function kernel(name: UnaryKernel, x: Tensor): Tensor {
  return runKernel(name, x.device, [x], [{ shape: x.shape, dtype: x.dtype }], {})[0]!;
}

/** An optional-tier unary kernel with a composite fallback built from public ops. */
function optional<K extends Activation>(name: K, x: Tensor, attrs: KernelAttrsOf<K>, composite: (x: Tensor) => Tensor): Tensor {
  if (hasKernel(name, x.device)) return runKernel(name, x.device, [x], [{ shape: x.shape, dtype: x.dtype }], attrs)[0]!;
  // float16/bfloat16: the composite runs in float32 and rounds once, as the kernel would (its steps each
  // rounding to the low precision would drift by several ulps); public casts, so recorded parts stay differentiable
  if (x.dtype === 'float16' || x.dtype === 'bfloat16') return cast(composite(cast(x, 'float32')), x.dtype);
  return composite(x);
}

function noBool(op: string, x: Tensor): void {
  if (x.dtype === 'bool') throw new DTypeError(`${op}: not defined for bool tensors (shape ${fmtShape(x.shape)}); convert with x.int() or x.float() first`);
}

const sameDType = (name: UnaryKernel & OpName) => (x: TensorLike): Tensor => {
  const t = toTensor(x, name);
  return apply(name, [t], {}, ([u]) => { noBool(name, u!); return kernel(name, u!); });
};
const floatFn = (name: UnaryKernel & OpName) => (x: TensorLike): Tensor => {
  const t = toTensor(x, name);
  return apply(name, [t], {}, ([u]) => kernel(name, floatInput(u!)));
};

/** -x, elementwise. */
export const neg = sameDType('neg');
/** |x|, elementwise. */
export const abs = sameDType('abs');
/** -1, 0 or 1 by the sign of each element. */
export const sign = sameDType('sign');
/** Rounds down, elementwise (integers unchanged). */
export const floor = (x: TensorLike): Tensor => { const t = toTensor(x, 'floor'); return isFloating(t.dtype) ? apply('floor', [t], {}, () => kernel('floor', t)) : apply('floor', [t], {}, () => t.clone()); };
/** Rounds up, elementwise (integers unchanged). */
export const ceil = (x: TensorLike): Tensor => { const t = toTensor(x, 'ceil'); return isFloating(t.dtype) ? apply('ceil', [t], {}, () => kernel('ceil', t)) : apply('ceil', [t], {}, () => t.clone()); };
/** Options of {@link round}. */
export interface RoundOptions {
  /** Round to this many decimal places (negative: to tens, hundreds, ...), half to even, as torch. */
  decimals?: number;
}
const ROUND_KEYS = optionKeys<RoundOptions>()('decimals');
/** Rounds half to even, elementwise, to `decimals` places (default 0). */
export function round(x: TensorLike, opts: RoundOptions = {}): Tensor {
  checkOptions('round', opts, ROUND_KEYS);
  const t = toTensor(x, 'round'), decimals = opts.decimals ?? 0;
  if (!Number.isInteger(decimals)) throw new ValueError(`round: decimals must be an integer, got ${decimals}`);
  if (decimals === 0) return isFloating(t.dtype) ? apply('round', [t], {}, () => kernel('round', t)) : apply('round', [t], {}, () => t.clone());
  if (!isFloating(t.dtype)) throw new DTypeError(`round: decimals is not supported for ${t.dtype} tensors (torch neither); round a float tensor, or use div(x, 10 ** k, { roundingMode })`);
  // torch's order: scale by 10^|decimals| in the tensor's dtype, round half to even, scale back
  const scale = 10 ** Math.abs(decimals);
  return apply('round', [t], { decimals }, () => (decimals > 0 ? div(kernel('round', mul(t, scale)), scale) : mul(kernel('round', div(t, scale)), scale)));
}
/** e ** x, elementwise (integers promote to float32). */
export const exp = floatFn('exp');
/** The natural logarithm, elementwise. */
export const log = floatFn('log');
/** log(1 + x), accurate near 0. */
export const log1p = floatFn('log1p');
/** exp(x) - 1, accurate near 0. */
export const expm1 = floatFn('expm1');
/** The square root, elementwise. */
export const sqrt = floatFn('sqrt');
/** The sine, elementwise. */
export const sin = floatFn('sin');
/** The cosine, elementwise. */
export const cos = floatFn('cos');
/** The hyperbolic tangent, elementwise. */
export const tanh = floatFn('tanh');

/** 1 / sqrt(x), elementwise. */
export function rsqrt(x: TensorLike): Tensor {
  const t = toTensor(x, 'rsqrt');
  return apply('rsqrt', [t], {}, ([u]) => optional('rsqrt', floatInput(u!), {}, (f) => div(1, sqrt(f))));
}
/** 1 / x, elementwise. */
export function reciprocal(x: TensorLike): Tensor {
  const t = toTensor(x, 'reciprocal');
  return apply('reciprocal', [t], {}, ([u]) => optional('reciprocal', floatInput(u!), {}, (f) => div(1, f)));
}
/** 1 / (1 + exp(-x)), elementwise. */
export function sigmoid(x: TensorLike): Tensor {
  const t = toTensor(x, 'sigmoid');
  return apply('sigmoid', [t], {}, () => optional('sigmoid', floatInput(t), {}, (f) => div(1, add(exp(neg(f)), 1))));
}
/** max(0, x), elementwise. */
export function relu(x: TensorLike): Tensor {
  const t = toTensor(x, 'relu');
  return apply('relu', [t], {}, () => { noBool('relu', t); return optional('relu', t, {}, (f) => maximum(f, 0)); });
}

/**
 * relu's gradient from its output (torch's threshold_backward at 0): gradOut where out > 0 (or is NaN), else
 * 0. What autograd's relu rule calls: one pass where a backend has the kernel.
 */
export function reluBackward(gradOut: Tensor, out: Tensor): Tensor {
  const op = 'reluBackward';
  if (gradOut.ndim !== out.ndim || gradOut.shape.some((d, i) => d !== out.shape[i])) {
    throw new ShapeError(`${op}: gradOut ${fmtShape(gradOut.shape)} and out ${fmtShape(out.shape)} must have the same shape`);
  }
  if (!isFloating(gradOut.dtype) || gradOut.dtype !== out.dtype) {
    throw new DTypeError(`${op}: expected gradOut and out of one floating dtype, got ${gradOut.dtype} and ${out.dtype}`);
  }
  return apply(op, [gradOut, out], {}, () => {
    // the kernel where nothing differentiates through the gradient (a double backward records the composite)
    if (hasKernel(op, gradOut.device) && !recordingParts()) {
      return runKernel(op, gradOut.device, [gradOut, out], [{ shape: [...gradOut.shape], dtype: gradOut.dtype }], {})[0]!;
    }
    return where(le(out, 0), 0, gradOut);
  });
}
/** x where x >= 0, negativeSlope * x elsewhere. */
export function leakyRelu(x: TensorLike, negativeSlope = 0.01): Tensor {
  const t = toTensor(x, 'leakyRelu');
  return apply('leakyRelu', [t], { negativeSlope }, () =>
    optional('leakyRelu', floatInput(t), { negativeSlope }, (f) => where(gt(f, 0), f, mul(f, negativeSlope))));
}

/**
 * erf composed from the required tier, for backends without a gelu kernel. float32: Abramowitz & Stegun
 * 7.1.26 (|error| < 1.5e-7); float64: the series 2/sqrt(pi) e^(-x^2) sum (2x^2)^n x / (2n+1)!!, which
 * has only positive terms, summed by Horner to full double precision for |x| <= 6 (beyond, erf is ±1).
 */
export function erf(x: TensorLike): Tensor {
  const t = toTensor(x, 'erf');
  return apply('erf', [t], {}, () => {
    const f = floatInput(t);
    if (f.dtype === 'float64') {
      const a = minimum(abs(f), 6), z = mul(mul(a, a), 2);
      let s: Tensor = add(mul(z, 1 / 241), 1);
      for (let n = 119; n >= 1; n--) s = add(mul(mul(z, 1 / (2 * n + 1)), s), 1);
      return mul(mul(mul(exp(neg(mul(a, a))), a), s), mul(sign(f), 2 / Math.sqrt(Math.PI)));
    }
    const a = abs(f);
    const k = div(1, add(mul(a, 0.3275911), 1));
    let poly = mul(k, 1.061405429);
    for (const c of [-1.453152027, 1.421413741, -0.284496736, 0.254829592]) poly = mul(add(poly, c), k);
    const y = sub(1, mul(poly, exp(neg(mul(a, a)))));
    return mul(sign(f), y);
  });
}

/**
 * Options of {@link gelu}.
 * @property approximate - `'none'` (default): the exact erf form; `'tanh'`: the tanh approximation
 */
export interface GeluOptions { approximate?: 'none' | 'tanh' }
const GELU_KEYS = optionKeys<GeluOptions>()('approximate');
/** The Gaussian error linear unit, x * Φ(x). */
export function gelu(x: TensorLike, opts: GeluOptions = {}): Tensor {
  checkOptions('gelu', opts, GELU_KEYS);
  const t = toTensor(x, 'gelu'), approximate = opts.approximate ?? 'none';
  return apply('gelu', [t], { approximate }, () => optional('gelu', floatInput(t), { approximate }, (f) => {
    if (approximate === 'tanh') {
      const inner = mul(add(f, mul(mul(mul(f, f), f), 0.044715)), Math.sqrt(2 / Math.PI));
      return mul(mul(f, 0.5), add(tanh(inner), 1));
    }
    return mul(mul(f, 0.5), add(erf(mul(f, Math.SQRT1_2)), 1));
  }));
}

/**
 * Options of {@link softplus}.
 * @property beta - sharpness (default 1)
 * @property threshold - where beta * x exceeds it the result is x, for stability (default 20)
 */
export interface SoftplusOptions { beta?: number; threshold?: number }
const SOFTPLUS_KEYS = optionKeys<SoftplusOptions>()('beta', 'threshold');
/** log(1 + exp(beta * x)) / beta, a smooth ReLU. */
export function softplus(x: TensorLike, opts: SoftplusOptions = {}): Tensor {
  checkOptions('softplus', opts, SOFTPLUS_KEYS);
  const t = toTensor(x, 'softplus'), beta = opts.beta ?? 1, threshold = opts.threshold ?? 20;
  return apply('softplus', [t], { beta, threshold }, ([u]) => optional('softplus', floatInput(u!), { beta, threshold }, (f) => {
    const bx = mul(f, beta);
    return where(gt(bx, threshold), f, div(log1p(exp(bx)), beta));
  }));
}
