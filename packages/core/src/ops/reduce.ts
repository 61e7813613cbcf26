// Reductions over dims, plus softmax/logSoftmax/logsumexp and cumsum.
import type { DType } from '../dtype.js';
import { isFloating } from '../dtype.js';
import { apply, hasKernel, runKernel } from '../dispatch.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { normalizeDim, normalizeDims, numel } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, div, eq, gt, mul, ne, sub, where } from './binary.js';
import { exp, log, sqrt } from './unary.js';
import { castTo, contig, requireFloat } from './util.js';
import { checkOptions, optionKeys } from '../names.js';

/** One dim or several; negative dims count from the end. */
export type Dims = number | readonly number[];

/** Run a reduction kernel over `dims` (sorted, normalised). The kernel sees reduced dims last. */
function reduceKernel(name: 'sum' | 'prod' | 'max' | 'min' | 'argmax' | 'argmin', x: Tensor, dims: number[], keepdim: boolean, outDType: DType): Tensor {
  const kept = x.shape.map((_, i) => i).filter((i) => !dims.includes(i));
  const order = [...kept, ...dims];
  const view = x.viewAs(order.map((i) => x.shape[i]!), order.map((i) => x.strides[i]!), x.offset);
  const outShape = kept.map((i) => x.shape[i]!);
  const out = runKernel(name, x.device, [view], [{ shape: outShape, dtype: outDType }], { reduceDims: dims.length })[0]!;
  if (!keepdim) return out;
  return out.viewAs(x.shape.map((s, i) => (dims.includes(i) ? 1 : s)), keepStrides(x.shape, dims), 0);
}

function keepStrides(shape: readonly number[], dims: number[]): number[] {
  const s = shape.map((v, i) => (dims.includes(i) ? 1 : v));
  const strides = new Array<number>(s.length);
  let acc = 1;
  for (let i = s.length - 1; i >= 0; i--) { strides[i] = acc; acc *= s[i]!; }
  return strides;
}

const accumType = (d: DType): DType => (d === 'bool' || d === 'uint8' || d === 'int32' || d === 'int64' ? 'int64' : d);

/**
 * Options of {@link sum}, {@link prod} and {@link cumsum}.
 * @property dtype - accumulate and return in this dtype (default: int64 for integer and bool inputs, else the input's)
 */
export interface SumOptions { dtype?: DType }
const SUM_KEYS = optionKeys<SumOptions>()('dtype');
/** The sum over `dim` (all dims when omitted); `keepdim` keeps reduced dims as size 1. */
export function sum(x: Tensor, dim?: Dims, keepdim = false, opts: SumOptions = {}): Tensor {
  checkOptions('sum', opts, SUM_KEYS);
  const dims = normalizeDims('sum', dim, x.ndim);
  const dtype = opts.dtype ?? accumType(x.dtype);
  return apply('sum', [x], { dim: dims, keepdim, dtype }, ([t]) => {
    // autocast may hand a float32 cast of a low-precision x: the result takes its dtype
    const d = t === x ? dtype : opts.dtype ?? accumType(t!.dtype);
    return reduceKernel('sum', castTo(t!, d), dims, keepdim, d);
  });
}

/** The mean over `dim` (all dims when omitted) of a floating tensor. */
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  if (!isFloating(x.dtype)) throw new DTypeError(`mean: input dtype must be floating point, got ${x.dtype} (shape ${fmtShape(x.shape)}); convert with x.float()`);
  const dims = normalizeDims('mean', dim, x.ndim);
  const count = dims.reduce((a, d) => a * x.shape[d]!, 1);
  return apply('mean', [x], { dim: dims, keepdim }, () => div(reduceKernel('sum', x, dims, keepdim, x.dtype), count));
}

/** The product over `dim` (all elements when omitted). */
export function prod(x: Tensor, dim?: number, keepdim = false, opts: SumOptions = {}): Tensor {
  checkOptions('prod', opts, SUM_KEYS);
  const dims = normalizeDims('prod', dim, x.ndim);
  const dtype = opts.dtype ?? accumType(x.dtype);
  return apply('prod', [x], { dim: dims, keepdim, dtype }, ([t]) => {
    // autocast may hand a float32 cast of a low-precision x: the result takes its dtype
    const d = t === x ? dtype : opts.dtype ?? accumType(t!.dtype);
    return reduceKernel('prod', castTo(t!, d), dims, keepdim, d);
  });
}

function checkNonEmpty(op: string, x: Tensor, dims: number[]): void {
  if (dims.some((d) => x.shape[d] === 0) || (x.ndim === 0 && numel(x.shape) === 0)) {
    throw new ShapeError(`${op}: can't reduce over a zero-size dim (shape ${fmtShape(x.shape)}); there is no identity for ${op}`);
  }
}

/** Largest value over `dim` (all dims when absent), without indices. */
export function amax(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = normalizeDims('amax', dim, x.ndim);
  checkNonEmpty('amax', x, dims);
  return apply('amax', [x], { dim: dims, keepdim }, () => reduceKernel('max', x, dims, keepdim, x.dtype));
}
/** The smallest values over `dim` (all dims when omitted), without indices. */
export function amin(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = normalizeDims('amin', dim, x.ndim);
  checkNonEmpty('amin', x, dims);
  return apply('amin', [x], { dim: dims, keepdim }, () => reduceKernel('min', x, dims, keepdim, x.dtype));
}

/**
 * Values with the indices they came from (max, min, sort, topk).
 * @property values - the values
 * @property indices - their int64 indices along the dim
 */
export interface ValuesIndices { values: Tensor; indices: Tensor }

function extreme(op: 'max' | 'min', x: Tensor, dim: number | undefined, keepdim: boolean): Tensor | ValuesIndices {
  if (dim === undefined) {
    checkNonEmpty(op, x, normalizeDims(op, undefined, x.ndim));
    if (x.numel() === 0) throw new ShapeError(`${op}: the input is empty (shape ${fmtShape(x.shape)}); give a dim or a non-empty tensor`);
    return apply(op, [x], {}, () => reduceKernel(op, x, normalizeDims(op, undefined, x.ndim), false, x.dtype));
  }
  const d = x.ndim === 0 ? (normalizeDim(op, dim, 0), 0) : normalizeDim(op, dim, x.ndim);
  const dims = x.ndim === 0 ? [] : [d];
  checkNonEmpty(op, x, dims);
  return apply(op, [x], { dim: d, keepdim }, () => ({
    values: reduceKernel(op, x, dims, keepdim, x.dtype),
    indices: reduceKernel(op === 'max' ? 'argmax' : 'argmin', x, dims, keepdim, 'int64'),
  }));
}

/** The largest element, as a 0-d tensor. */
export function max(x: Tensor): Tensor;
/** The largest values along `dim` and their indices. */
export function max(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices { return extreme('max', x, dim, keepdim); }
/** The smallest element, as a 0-d tensor. */
export function min(x: Tensor): Tensor;
/** The smallest values along `dim` and their indices. */
export function min(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices { return extreme('min', x, dim, keepdim); }

function argExtreme(op: 'argmax' | 'argmin', x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  if (x.dtype === 'bool') throw new DTypeError(`${op}: not implemented for bool tensors; convert with x.int()`);
  if (dim === undefined) {
    if (x.numel() === 0) throw new ShapeError(`${op}: the input is empty (shape ${fmtShape(x.shape)})`);
    return apply(op, [x], { keepdim }, () => {
      const flat = contig(x);
      const r = reduceKernel(op, flat.viewAs([flat.numel()], [1], flat.offset), [0], false, 'int64');
      return keepdim ? r.viewAs(x.shape.map(() => 1), x.shape.map(() => 1), 0) : r;
    });
  }
  const d = x.ndim === 0 ? (normalizeDim(op, dim, 0), 0) : normalizeDim(op, dim, x.ndim);
  const dims = x.ndim === 0 ? [] : [d];
  checkNonEmpty(op, x, dims);
  return apply(op, [x], { dim: d, keepdim }, () => reduceKernel(op, x, dims, keepdim, 'int64'));
}
/** The index of the largest value along `dim` (of the flattened tensor when omitted), as int64. */
export const argmax = (x: Tensor, dim?: number, keepdim = false): Tensor => argExtreme('argmax', x, dim, keepdim);
/** The index of the smallest value along `dim` (of the flattened tensor when omitted), as int64. */
export const argmin = (x: Tensor, dim?: number, keepdim = false): Tensor => argExtreme('argmin', x, dim, keepdim);

/**
 * Options of {@link variance} and {@link std}.
 * @property correction - subtracted from the count in the divisor (default 1: Bessel's correction)
 */
export interface VarOptions { correction?: number }
const VAR_KEYS = optionKeys<VarOptions>()('correction');
/** The variance over `dim` (torch.var). */
export function variance(x: Tensor, dim?: Dims, keepdim = false, opts: VarOptions = {}): Tensor {
  checkOptions('var', opts, VAR_KEYS);
  requireFloat('var', x);
  const dims = normalizeDims('var', dim, x.ndim);
  const correction = opts.correction ?? 1;
  const n = dims.reduce((a, d) => a * x.shape[d]!, 1);
  return apply('var', [x], { dim: dims, keepdim, correction }, () => {
    const centered = sub(x, div(reduceKernel('sum', x, dims, true, x.dtype), n));
    return div(reduceKernel('sum', mul(centered, centered), dims, keepdim, x.dtype), Math.max(0, n - correction));
  });
}
export { variance as var };

/** The standard deviation over `dim`. */
export function std(x: Tensor, dim?: Dims, keepdim = false, opts: VarOptions = {}): Tensor {
  checkOptions('std', opts, VAR_KEYS);
  return apply('std', [x], { dim, keepdim, correction: opts.correction ?? 1 }, () => sqrt(variance(x, dim, keepdim, opts)));
}

/** log(sum(exp(x))) over `dim`, computed stably. */
export function logsumexp(input: Tensor, dim: Dims, keepdim = false): Tensor {
  const dims = normalizeDims('logsumexp', dim, input.ndim);
  return apply('logsumexp', [input], { dim: dims, keepdim }, ([inp]) => {
    // integer and bool inputs are computed in the default float dtype, as in torch
    const x = isFloating(inp!.dtype) ? inp! : castTo(inp!, 'float32');
    if (x.numel() === 0) return log(reduceKernel('sum', exp(x), dims, keepdim, x.dtype));
    const m = reduceKernel('max', x, dims, true, x.dtype);
    const safe = where(eq(m.abs(), Infinity), 0, m);
    const s = log(reduceKernel('sum', exp(sub(x, safe)), dims, true, x.dtype));
    const out = add(s, safe);
    return keepdim ? out : out.squeeze(dims);
  });
}

/** Whether any element over `dim` is nonzero, as bool. */
export function any(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = normalizeDims('any', dim, x.ndim);
  return apply('any', [x], { dim: dims, keepdim }, () => gt(reduceKernel('sum', castTo(ne(x, 0), 'int64'), dims, keepdim, 'int64'), 0));
}
/** Whether every element over `dim` is nonzero, as bool. */
export function all(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = normalizeDims('all', dim, x.ndim);
  return apply('all', [x], { dim: dims, keepdim }, () => eq(reduceKernel('sum', castTo(eq(x, 0), 'int64'), dims, keepdim, 'int64'), 0));
}

/** Apply a last-dim kernel along `dim` by viewing dim as last, then viewing the result back. */
function alongDim(x: Tensor, dim: number, run: (lastDim: Tensor) => Tensor): Tensor {
  const last = x.ndim - 1;
  if (x.ndim === 0 || dim === last) return run(x);
  const moved = x.transpose(dim, last);
  return run(moved).transpose(dim, last);
}

/** Options of {@link softmax} and {@link logSoftmax}. */
export interface SoftmaxOptions {
  /** Cast the input to this floating dtype first (torch's dtype argument; it also lets integer inputs in). */
  dtype?: DType;
}
const SOFTMAX_KEYS = optionKeys<SoftmaxOptions>()('dtype');

function softmaxLike(op: 'softmax' | 'logSoftmax', input: Tensor, dim: number, opts: SoftmaxOptions): Tensor {
  checkOptions(op, opts, SOFTMAX_KEYS);
  if (opts.dtype === undefined) requireFloat(op, input);
  else if (!isFloating(opts.dtype)) throw new DTypeError(`${op}: dtype must be floating point, got ${opts.dtype}`);
  const d = normalizeDim(op, dim, input.ndim);
  return apply(op, [input], opts.dtype ? { dim: d, dtype: opts.dtype } : { dim: d }, ([inp]) => {
    const x = opts.dtype ? castTo(inp!, opts.dtype) : inp!;
    if (hasKernel(op, x.device)) {
      return alongDim(x, d, (v) => runKernel(op, x.device, [v], [{ shape: v.shape, dtype: x.dtype }], {})[0]!);
    }
    const dims = x.ndim === 0 ? [] : [d];
    const m = x.numel() === 0 ? x : reduceKernel('max', x, dims, true, x.dtype);
    const shifted = sub(x, where(eq(m.abs(), Infinity), 0, m));
    const e = exp(shifted);
    const s = reduceKernel('sum', e, dims, true, x.dtype);
    return op === 'softmax' ? div(e, s) : sub(shifted, log(s));
  });
}
/** Softmax along `dim`: exp(x) normalised to sum to 1. */
export const softmax = (x: Tensor, dim: number, opts: SoftmaxOptions = {}): Tensor => softmaxLike('softmax', x, dim, opts);
/** log(softmax(x)) along `dim`, computed stably. */
export const logSoftmax = (x: Tensor, dim: number, opts: SoftmaxOptions = {}): Tensor => softmaxLike('logSoftmax', x, dim, opts);

/** Cumulative sum along `dim`. */
export function cumsum(x: Tensor, dim: number, opts: SumOptions = {}): Tensor {
  checkOptions('cumsum', opts, SUM_KEYS);
  const d = normalizeDim('cumsum', dim, x.ndim);
  const dtype = opts.dtype ?? accumType(x.dtype);
  return apply('cumsum', [x], { dim: d, dtype }, ([t]) => {
    // autocast may hand a float32 cast of a low-precision x: the result takes its dtype
    const dt = t === x ? dtype : opts.dtype ?? accumType(t!.dtype);
    const src = castTo(t!, dt);
    return alongDim(src, d, (v) => runKernel('cumsum', x.device, [v], [{ shape: v.shape, dtype: dt }], {})[0]!);
  });
}
