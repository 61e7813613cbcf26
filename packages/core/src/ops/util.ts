// Shared plumbing for ops: scalars, type promotion, casting, broadcasting views, dense copies.
import type { DType } from '../dtype.js';
import { isFloating, representable, resultType, scalarDType } from '../dtype.js';
import { allocate, apply, launch, runKernel } from '../dispatch.js';
import { DTypeError, fmtShape } from '../errors.js';
import { getDefaultDevice } from '../registry.js';
import { broadcastShapes, numel } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { isTensor } from '../tensor-base.js';

/** A JS value used as a 0-d operand: a number, boolean or bigint. */
export type Scalar = number | boolean | bigint;
/** What ops take as an operand: a tensor or a scalar. */
export type TensorLike = Tensor | Scalar;

export { isTensor };

const describeValue = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? `an array (${v.length} items)` : typeof v === 'object' ? `${(v as object).constructor?.name ?? 'an object'}` : `${typeof v} ${String(v)}`;

/**
 * Every operand must be a Tensor or a JavaScript scalar (number, boolean, bigint): anything else is a
 * TypeError naming the op and the argument, never a silent NaN. `names` are PyTorch's argument names.
 */
export function checkOperands(op: string, xs: readonly unknown[], names: readonly string[]): void {
  xs.forEach((v, i) => {
    if (isTensor(v) || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return;
    const hint = Array.isArray(v) ? `; make a tensor first: ${op}(x, tensor([...]))` : '';
    throw new TypeError(`${op}: argument '${names[i] ?? `#${i}`}' must be a Tensor or a number, boolean or bigint, got ${describeValue(v)}${hint}`);
  });
}

/** A 0-d tensor holding v. */
export function scalarTensor(v: Scalar, dtype: DType, device: string): Tensor {
  const t = allocate(device, dtype, []);
  // a bigint past 2^53 doesn't survive the fill kernel's number: write it exactly instead
  if (dtype === 'int64' && typeof v === 'bigint' && !Number.isSafeInteger(Number(v))) t.storage.backend.write(t.storage.buffer, dtype, BigInt64Array.of(BigInt.asIntN(64, v)), 0);
  else launch('fill', [], [t], { value: representable(v, dtype) });
  return t;
}

/** The device of the first tensor among xs, else the default device. */
export function deviceOf(xs: readonly TensorLike[]): string {
  for (const x of xs) if (isTensor(x)) return x.device;
  return getDefaultDevice();
}

/** torch.result_type over tensors and scalars. */
export function promote(xs: readonly TensorLike[]): DType {
  return resultType(xs.map((x) => isTensor(x)
    ? { dtype: x.dtype, kind: x.ndim === 0 ? 'zerodim' as const : 'tensor' as const }
    : { dtype: scalarDType(x), kind: 'scalar' as const }));
}

/** Tensor of dtype (no copy when it already is). */
export function castTo(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  return runKernel('cast', x.device, [x], [{ shape: x.shape, dtype }], {})[0]!;
}

/** Turn scalars into 0-d tensors and cast every operand to dtype. */
export function operands(xs: readonly TensorLike[], dtype: DType, device: string): Tensor[] {
  return xs.map((x) => (isTensor(x) ? castTo(x, dtype) : scalarTensor(x, dtype, device)));
}

/** A broadcast view of x with the given shape (stride 0 on broadcast dims); internal, unchecked (see broadcastTo). */
export function broadcastView(x: Tensor, shape: readonly number[]): Tensor {
  if (x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  const lead = shape.length - x.ndim;
  const strides = shape.map((d, i) => {
    const j = i - lead;
    if (j < 0) return 0;
    return x.shape[j] === 1 && d !== 1 ? 0 : x.strides[j]!;
  });
  return x.viewAs(shape, strides, x.offset);
}

/** The broadcast shape of `xs` and views of each expanded to it; a ShapeError names `op`. */
export function broadcastAll(op: string, xs: readonly Tensor[]): { shape: number[]; views: Tensor[] } {
  const shape = broadcastShapes(op, ...xs.map((x) => x.shape));
  return { shape, views: xs.map((x) => broadcastView(x, shape)) };
}

/** Throws a DTypeError naming `op` unless `x` is floating point. */
export function requireFloat(op: string, x: Tensor): void {
  if (!isFloating(x.dtype)) throw new DTypeError(`${op}: expected a floating-point tensor, got ${x.dtype} (shape ${fmtShape(x.shape)}); convert with x.float()`);
}

/** x itself when it is row-major from offset 0 over its whole buffer, else such a copy. */
export function contig(x: Tensor): Tensor {
  if (x.isContiguous() && x.offset === 0 && x.storage.numel === numel(x.shape)) return x;
  const out = allocate(x.device, x.dtype, x.shape);
  launch('copy', [x], [out], {});
  return out;
}

export { apply, runKernel, allocate };
