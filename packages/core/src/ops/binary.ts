// Elementwise functions of two tensors (or scalars), with broadcasting and PyTorch's type promotion.
import type { DType } from '../dtype.js';
import { isFloating } from '../dtype.js';
import { apply, runKernel } from '../dispatch.js';
import { DTypeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import type { TensorLike } from './util.js';
import { broadcastAll, castTo, deviceOf, isTensor, operands, promote, scalarTensor } from './util.js';

const tensorsOf = (xs: TensorLike[]): Tensor[] => xs.filter(isTensor);

/**
 * Run an op with scalar operands turned into 0-d tensors of `dtype` first, so hooks see every operand
 * in its position (autograd rules index inputs by position).
 */
function withScalars<R>(xs: TensorLike[], dtype: DType, device: string, fn: (ts: Tensor[]) => R): R {
  const made: Tensor[] = [];
  const ts = xs.map((x) => {
    if (isTensor(x)) return x;
    const t = scalarTensor(x, dtype, device);
    made.push(t);
    return t;
  });
  try { return fn(ts); } finally { for (const t of made) t.dispose(); }
}

/** Broadcast, cast to dtype, run a required binary kernel producing outDType. */
function binaryKernel(name: string, a: Tensor, b: Tensor, outDType: DType): Tensor {
  const { shape, views } = broadcastAll(name, [a, b]);
  return runKernel(name, a.device, views, [{ shape, dtype: outDType }])[0]!;
}

function arith(name: string, opts: { trueDiv?: boolean; noBool?: boolean } = {}) {
  return (a: TensorLike, b: TensorLike): Tensor => {
    let dtype = promote([a, b]);
    if (opts.noBool && dtype === 'bool') {
      throw new DTypeError(`${name}: not supported for two bool operands; use logicalXor/logicalNot, or convert with .int()`);
    }
    if (opts.trueDiv && !isFloating(dtype)) dtype = 'float32';
    const device = deviceOf([a, b]);
    return withScalars([a, b], dtype, device, (ts) => apply(name, ts, {}, () => {
      const [x, y] = operands(ts, dtype, device);
      if (dtype === 'bool' && (name === 'add' || name === 'mul' || name === 'maximum' || name === 'minimum')) {
        // bool arithmetic is logical in torch: + is or, * is and
        return name === 'add' || name === 'maximum' ? logicalOr(x!, y!) : logicalAnd(x!, y!);
      }
      return binaryKernel(name, x!, y!, dtype);
    }));
  };
}

export const add = arith('add');
export const sub = arith('sub', { noBool: true });
export const mul = arith('mul');
export const div = arith('div', { trueDiv: true });
export const pow = arith('pow', { noBool: true });
export const maximum = arith('maximum');
export const minimum = arith('minimum');
export const remainder = arith('remainder', { noBool: true });

function compare(name: string) {
  return (a: TensorLike, b: TensorLike): Tensor => {
    const dtype = promote([a, b]);
    const device = deviceOf([a, b]);
    return withScalars([a, b], dtype, device, (ts) => apply(name, ts, {}, () => {
      const [x, y] = operands(ts, dtype, device);
      return binaryKernel(name, x!, y!, 'bool');
    }));
  };
}

export const eq = compare('eq');
export const ne = compare('ne');
export const lt = compare('lt');
export const le = compare('le');
export const gt = compare('gt');
export const ge = compare('ge');

const asBool = (x: Tensor): Tensor => (x.dtype === 'bool' ? x : binaryKernel('ne', x, scalarTensor(0, x.dtype, x.device), 'bool'));

export function logicalNot(x: TensorLike): Tensor {
  const t = isTensor(x) ? x : scalarTensor(x, promote([x]), deviceOf([x]));
  return apply('logicalNot', [t], {}, () => binaryKernel('eq', t, scalarTensor(0, t.dtype, t.device), 'bool'));
}

export function logicalAnd(a: TensorLike, b: TensorLike): Tensor {
  const device = deviceOf([a, b]);
  return apply('logicalAnd', tensorsOf([a, b]), {}, () => {
    const [x, y] = [a, b].map((v) => asBool(isTensor(v) ? v : scalarTensor(v, promote([v]), device)));
    return binaryKernel('mul', x!, y!, 'bool');
  });
}

export function logicalOr(a: TensorLike, b: TensorLike): Tensor {
  const device = deviceOf([a, b]);
  return apply('logicalOr', tensorsOf([a, b]), {}, () => {
    const [x, y] = [a, b].map((v) => asBool(isTensor(v) ? v : scalarTensor(v, promote([v]), device)));
    return binaryKernel('maximum', x!, y!, 'bool');
  });
}

export function logicalXor(a: TensorLike, b: TensorLike): Tensor {
  const device = deviceOf([a, b]);
  return apply('logicalXor', tensorsOf([a, b]), {}, () => {
    const [x, y] = [a, b].map((v) => asBool(isTensor(v) ? v : scalarTensor(v, promote([v]), device)));
    return binaryKernel('ne', x!, y!, 'bool');
  });
}

/** where(cond, a, b): a where cond is true, else b; all three broadcast. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const dtype = promote([a, b]);
  const device = cond.device;
  return withScalars([a, b], dtype, device, ([ta, tb]) => apply('where', [cond, ta!, tb!], {}, () => {
    const c = asBool(cond);
    const [x, y] = operands([ta!, tb!], dtype, device);
    const { shape, views } = broadcastAll('where', [c, x!, y!]);
    return runKernel('where', device, views, [{ shape, dtype }])[0]!;
  }));
}

/** clamp(x, min, max); either bound may be null/undefined. */
export function clamp(x: Tensor, min?: TensorLike | null, max?: TensorLike | null): Tensor {
  if ((min === null || min === undefined) && (max === null || max === undefined)) {
    throw new DTypeError('clamp: at least one of min and max must be given');
  }
  const bounds = [min, max].filter((v): v is TensorLike => v !== null && v !== undefined);
  const dtype = promote([x, ...bounds]);
  return apply('clamp', tensorsOf([x, ...bounds]), { min: isTensor(min) ? 'tensor' : min, max: isTensor(max) ? 'tensor' : max }, () => {
    let out = castTo(x, dtype);
    if (min !== null && min !== undefined) out = maximum(out, min);
    if (max !== null && max !== undefined) out = minimum(out, max);
    return out === x ? x.clone() : out;
  });
}
