// Elementwise functions of two tensors (or scalars), with broadcasting and PyTorch's type promotion.
// A JavaScript number operand is PyTorch's Python scalar: it reaches the kernel as an attr (the
// `<op>Scalar` kernels), and the op is recorded with one tensor input and attrs { scalar, scalarIndex }.
import type { DType } from '../dtype.js';
import { isFloating, representable } from '../dtype.js';
import { apply, hasKernel, runKernel } from '../dispatch.js';
import { DTypeError, ValueError, ZeroDivisionError } from '../errors.js';
import type { OpName } from '../schema/index.js';
import type { Tensor } from '../tensor.js';
import type { Scalar, TensorLike } from './util.js';
import { broadcastAll, castTo, checkOperands, deviceOf, isTensor, operands, promote, scalarTensor } from './util.js';
import { checkOptions, optionKeys } from '../names.js';

type Arith = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'remainder';
type Compare = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
type Binary = Arith | Compare;

const tensorsOf = (xs: TensorLike[]): Tensor[] => xs.filter(isTensor);

/** The ops whose scalar kernels take `reverse` (scalar OP x); the others commute. */
const REVERSIBLE = new Set<Binary>(['sub', 'div', 'pow', 'remainder']);
/** x OP s where the user wrote s OP x, for the comparisons. */
const FLIPPED: Record<Compare, Compare> = { eq: 'eq', ne: 'ne', lt: 'gt', le: 'ge', gt: 'lt', ge: 'le' };

/** Broadcast, then run a required binary kernel producing outDType (operands already of one dtype). */
function binaryKernel(name: Binary, a: Tensor, b: Tensor, outDType: DType): Tensor {
  const { shape, views } = broadcastAll(name, [a, b]);
  return runKernel(name, a.device, views, [{ shape, dtype: outDType }], {})[0]!;
}

/**
 * `x name s` (or `s name x` when scalarFirst) with x already of the computation dtype: the scalar kernel
 * when the backend has it and s fits a double exactly, else the tensor kernel with s in a 0-d tensor.
 */
function scalarKernel(name: Binary, x: Tensor, s: Scalar, scalarFirst: boolean, outDType: DType): Tensor {
  if (scalarFirst && !REVERSIBLE.has(name)) {
    if (name in FLIPPED) return scalarKernel(FLIPPED[name as Compare], x, s, false, outDType);
    scalarFirst = false;
  }
  const kernel = `${name}Scalar` as const;
  const exact = typeof s !== 'bigint' || Number.isSafeInteger(Number(s));
  if (exact && hasKernel(kernel, x.device)) {
    const scalar = representable(s, x.dtype);
    const attrs = REVERSIBLE.has(name) ? { scalar, reverse: scalarFirst } : { scalar };
    return runKernel(kernel, x.device, [x], [{ shape: x.shape, dtype: outDType }], attrs as never)[0]!;
  }
  const st = scalarTensor(s, x.dtype, x.device);
  return scalarFirst ? binaryKernel(name, st, x, outDType) : binaryKernel(name, x, st, outDType);
}

/**
 * Run op `name` over (a, b). Two tensors: recorded as [a, b]. A tensor and a scalar: recorded as
 * [tensor] with attrs { scalar, scalarIndex } (the scalar's position). Two scalars: 0-d tensors.
 * When autocast hands the op casts of its tensors, it runs again as `self` on them (its result dtype
 * follows its inputs').
 */
function binaryOp(name: OpName & Binary, a: TensorLike, b: TensorLike, dtype: DType,
  compute: (x: Tensor, y: Tensor) => Tensor, computeScalar: (x: Tensor, s: Scalar, scalarFirst: boolean) => Tensor,
  self: (a: TensorLike, b: TensorLike) => Tensor): Tensor {
  const device = deviceOf([a, b]);
  if (isTensor(a) && isTensor(b)) {
    return apply(name, [a, b], {}, ([u, v]) => {
      if (u !== a || v !== b) return self(u!, v!);
      const [x, y] = operands([a, b], dtype, device);
      return compute(x!, y!);
    });
  }
  if (isTensor(a) || isTensor(b)) {
    const [t, s, scalarIndex] = isTensor(a) ? [a, b as Scalar, 1] : [b as Tensor, a, 0];
    return apply(name, [t], { scalar: s, scalarIndex }, ([u]) => {
      if (u !== t) return scalarIndex === 0 ? self(s, u!) : self(u!, s);
      return computeScalar(castTo(t, dtype), s, scalarIndex === 0);
    });
  }
  const [x, y] = [scalarTensor(a, dtype, device), scalarTensor(b, dtype, device)];
  try {
    return apply(name, [x, y], {}, ([u, v]) => (u !== x || v !== y ? self(u!, v!) : compute(x, y)));
  } finally { x.dispose(); y.dispose(); }
}

function arith(name: Arith, opts: { trueDiv?: boolean; noBool?: boolean } = {}) {
  const self = (a: TensorLike, b: TensorLike): Tensor => {
    checkOperands(name, [a, b], ['input', 'other']);
    let dtype = promote([a, b]);
    if (name === 'remainder' && !isFloating(dtype) && !isTensor(b) && Number(b) === 0) {
      throw new ZeroDivisionError(`remainder: integer division by zero (${dtype}); torch refuses it too — divide floats for NaN, or mask the zeros`);
    }
    if (opts.noBool && dtype === 'bool') {
      throw new DTypeError(`${name}: not supported for two bool operands; use logicalXor/logicalNot, or convert with .int()`);
    }
    if (opts.trueDiv && !isFloating(dtype)) dtype = 'float32';
    if (name === 'pow' && !isFloating(dtype) && !isTensor(b) && Number(b) < 0) {
      throw new DTypeError(`pow: integers (${dtype}) to negative integer powers are not allowed, as in torch; use a float base, e.g. x.float().pow(${String(b)})`);
    }
    // bool arithmetic is logical in torch: + and maximum are or, * and minimum are and
    const logical = dtype === 'bool' && (name === 'add' || name === 'mul' || name === 'maximum' || name === 'minimum')
      ? (name === 'add' || name === 'maximum' ? logicalOr : logicalAnd) : undefined;
    return binaryOp(name, a, b, dtype,
      (x, y) => (logical ? logical(x, y) : binaryKernel(name, x, y, dtype)),
      (x, s, first) => (logical ? logical(x, s) : scalarKernel(name, x, s, first, dtype)), self);
  };
  return self;
}

const plainAdd = arith('add');
const plainSub = arith('sub', { noBool: true });
/** a * b, elementwise with broadcasting (logical and for bools). */
export const mul = arith('mul');
const trueDiv = arith('div', { trueDiv: true });

/** Options of {@link add} and {@link sub}. */
export interface AlphaOptions {
  /** torch's alpha: add(a, b, { alpha }) is a + alpha * b; an integer for integer inputs. */
  alpha?: number;
}
const ALPHA_KEYS = optionKeys<AlphaOptions>()('alpha');

/** a + alpha * b (or minus), recorded as the op with attrs { alpha } and differentiated through its parts. */
function withAlpha(name: 'add' | 'sub', a: TensorLike, b: TensorLike, alpha: number): Tensor {
  checkOperands(name, [a, b], ['input', 'other']);
  const dtype = promote([a, b]);
  if (!isFloating(dtype) && !Number.isInteger(alpha)) {
    throw new DTypeError(`${name}: for integer inputs (${dtype}) alpha must be an integer, got ${alpha}`);
  }
  const plain = name === 'add' ? plainAdd : plainSub;
  const scaled = isTensor(b) ? undefined : Number(b) * alpha;
  return apply(name, tensorsOf([a, b]), { alpha }, () => plain(a, scaled ?? mul(b as Tensor, alpha)));
}

/** a + alpha * b, elementwise with broadcasting; a scalar operand takes part in type promotion as torch's do. */
export function add(a: TensorLike, b: TensorLike, opts: AlphaOptions = {}): Tensor {
  checkOptions('add', opts, ALPHA_KEYS);
  return opts.alpha === undefined || opts.alpha === 1 ? plainAdd(a, b) : withAlpha('add', a, b, opts.alpha);
}
/** a - alpha * b, elementwise with broadcasting. */
export function sub(a: TensorLike, b: TensorLike, opts: AlphaOptions = {}): Tensor {
  checkOptions('sub', opts, ALPHA_KEYS);
  return opts.alpha === undefined || opts.alpha === 1 ? plainSub(a, b) : withAlpha('sub', a, b, opts.alpha);
}

/** Options of {@link div}. */
export interface DivOptions {
  /** null (default): true division; 'trunc': round toward zero; 'floor': round down (Python's //). */
  roundingMode?: 'trunc' | 'floor' | null;
}
const DIV_KEYS = optionKeys<DivOptions>()('roundingMode');

/**
 * a / b. With a rounding mode the result keeps the operands' promoted dtype (integers stay integers), an
 * integer division by zero is a ZeroDivisionError, and floor division of floats follows torch's
 * (a - a mod b) / b, so 1 // 0.1 is 9 as in Python.
 */
export function div(a: TensorLike, b: TensorLike, opts: DivOptions = {}): Tensor {
  checkOptions('div', opts, DIV_KEYS);
  const mode = opts.roundingMode ?? null;
  if (mode === null) return trueDiv(a, b);
  if (mode !== 'trunc' && mode !== 'floor') throw new ValueError(`div: roundingMode must be 'trunc', 'floor' or null, got ${JSON.stringify(mode)}`);
  checkOperands('div', [a, b], ['input', 'other']);
  const dtype = promote([a, b]);
  if (dtype === 'bool') throw new DTypeError(`div: rounding division is not defined for two bool operands; convert with .int()`);
  return apply('div', tensorsOf([a, b]), { roundingMode: mode }, () => {
    const [x, y] = [a, b].map((v) => (isTensor(v) ? castTo(v, dtype) : v)) as [TensorLike, TensorLike];
    if (isFloating(dtype)) {
      if (mode === 'trunc') { const q = trueDiv(x, y); return where(lt(q, 0), q.ceil(), q.floor()); }
      // (a - remainder) / b is integral up to rounding: round it; a zero divisor gives a / b (±inf, NaN)
      const q = trueDiv(sub(x, remainder(x, y)), y).round();
      return isTensor(y) ? where(eq(y, 0), trueDiv(x, y), q) : Number(y) === 0 ? trueDiv(x, y) : q;
    }
    // integers: the remainder kernel checks for zero divisors; a - r is a multiple of b, so the double division is exact
    const r = remainder(x, y);
    const floorQ = castTo(trueDiv(castTo(sub(x, r) as Tensor, 'float64'), isTensor(y) ? castTo(y, 'float64') : y).round(), dtype);
    if (mode === 'floor') return floorQ;
    // trunc differs from floor by one where the division is inexact and the quotient negative
    const negative = logicalXor(lt(x, 0), lt(y, 0));
    return add(floorQ, castTo(logicalAnd(ne(r, 0), negative), dtype));
  });
}
/** a ** b, elementwise with broadcasting. */
export const pow = arith('pow', { noBool: true });
/** The larger of a and b, elementwise with broadcasting (NaN propagates). */
export const maximum = arith('maximum');
/** The smaller of a and b, elementwise with broadcasting (NaN propagates). */
export const minimum = arith('minimum');
/** The remainder of a / b with the sign of b (Python's %); integer division by zero is a ZeroDivisionError. */
export const remainder = arith('remainder', { noBool: true });

function compare(name: Compare) {
  const self = (a: TensorLike, b: TensorLike): Tensor => {
    checkOperands(name, [a, b], ['input', 'other']);
    const dtype = promote([a, b]);
    return binaryOp(name, a, b, dtype, (x, y) => binaryKernel(name, x, y, 'bool'), (x, s, first) => scalarKernel(name, x, s, first, 'bool'), self);
  };
  return self;
}

/** a == b, elementwise with broadcasting, as bool. */
export const eq = compare('eq');
/** a != b, elementwise with broadcasting, as bool. */
export const ne = compare('ne');
/** a < b, elementwise with broadcasting, as bool. */
export const lt = compare('lt');
/** a <= b, elementwise with broadcasting, as bool. */
export const le = compare('le');
/** a > b, elementwise with broadcasting, as bool. */
export const gt = compare('gt');
/** a >= b, elementwise with broadcasting, as bool. */
export const ge = compare('ge');

/** x != 0 as bool (x itself when it is bool); not recorded. */
const asBool = (x: TensorLike, device: string): Tensor => {
  if (!isTensor(x)) return scalarTensor(x, 'bool', device);
  return x.dtype === 'bool' ? x : scalarKernel('ne', x, 0, false, 'bool');
};

/** x == 0, as bool. */
export function logicalNot(x: TensorLike): Tensor {
  checkOperands('logicalNot', [x], ['input']);
  const t = isTensor(x) ? x : scalarTensor(x, promote([x]), deviceOf([x]));
  return apply('logicalNot', [t], {}, () => scalarKernel('eq', t, 0, false, 'bool'));
}

function logical(name: 'logicalAnd' | 'logicalOr' | 'logicalXor', kernel: 'mul' | 'maximum' | 'ne') {
  return (a: TensorLike, b: TensorLike): Tensor => {
    checkOperands(name, [a, b], ['input', 'other']);
    const device = deviceOf([a, b]);
    return apply(name, tensorsOf([a, b]), {}, () => binaryKernel(kernel, asBool(a, device), asBool(b, device), 'bool'));
  };
}
/** Both a and b nonzero, elementwise with broadcasting, as bool. */
export const logicalAnd = logical('logicalAnd', 'mul');
/** Either a or b nonzero, elementwise with broadcasting, as bool. */
export const logicalOr = logical('logicalOr', 'maximum');
/** Exactly one of a and b nonzero, elementwise with broadcasting, as bool. */
export const logicalXor = logical('logicalXor', 'ne');

/** where(cond, a, b): a where cond is true, else b; all three broadcast. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  checkOperands('where', [a, b], ['input', 'other']);
  if (!isTensor(cond)) throw new TypeError(`where: argument 'condition' must be a Tensor, got ${cond === null ? 'null' : typeof cond}`);
  const dtype = promote([a, b]);
  const device = cond.device;
  // scalar branches become 0-d tensors before the op, so hooks see every operand in its position
  const made: Tensor[] = [];
  const [ta, tb] = [a, b].map((v) => {
    if (isTensor(v)) return v;
    const t = scalarTensor(v, dtype, device);
    made.push(t);
    return t;
  }) as [Tensor, Tensor];
  try {
    return apply('where', [cond, ta, tb], {}, () => {
      const c = asBool(cond, device);
      const [x, y] = operands([ta, tb], dtype, device);
      const { shape, views } = broadcastAll('where', [c, x!, y!]);
      return runKernel('where', device, views, [{ shape, dtype }], {})[0]!;
    });
  } finally { for (const t of made) t.dispose(); }
}

/** clamp(x, min, max); either bound may be null/undefined. */
export function clamp(x: Tensor, min?: TensorLike | null, max?: TensorLike | null): Tensor {
  if ((min === null || min === undefined) && (max === null || max === undefined)) {
    throw new DTypeError('clamp: at least one of min and max must be given');
  }
  checkOperands('clamp', [x], ['input']);
  const bounds = [min, max].filter((v): v is TensorLike => v !== null && v !== undefined);
  checkOperands('clamp', bounds, min !== null && min !== undefined ? ['min', 'max'] : ['max']);
  const dtype = promote([x, ...bounds]);
  return apply('clamp', tensorsOf([x, ...bounds]), { min: isTensor(min) ? 'tensor' : min, max: isTensor(max) ? 'tensor' : max }, () => {
    let out = castTo(x, dtype);
    if (min !== null && min !== undefined) out = maximum(out, min);
    if (max !== null && max !== undefined) out = minimum(out, max);
    return out === x ? x.clone() : out;
  });
}
