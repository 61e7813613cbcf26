// Shared plumbing for ops: scalars as tensors, type promotion, casting, broadcasting views.
import type { DType } from '../dtype.js';
import { isFloating, resultType, scalarDType } from '../dtype.js';
import { allocate, apply, kernelView, runKernel } from '../dispatch.js';
import { DTypeError, fmtShape } from '../errors.js';
import { getDefaultDevice } from '../registry.js';
import { broadcastShapes, numel } from '../shape.js';
import { Tensor } from '../tensor.js';

export type Scalar = number | boolean | bigint;
export type TensorLike = Tensor | Scalar;

export const isTensor = (x: unknown): x is Tensor => x instanceof Tensor;

/** A 0-d tensor holding v. */
export function scalarTensor(v: Scalar, dtype: DType, device: string): Tensor {
  const t = allocate(device, dtype, []);
  runKernelInto('fill', t, [], { value: Number(v) });
  return t;
}

/** Fill an already-allocated tensor with a kernel that has no inputs. */
export function runKernelInto(op: string, out: Tensor, inputs: Tensor[], attrs: Record<string, unknown>): void {
  out.storage.backend.kernels[op]!(inputs.map(kernelView), [kernelView(out)], attrs);
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
  return runKernel('cast', x.device, [x], [{ shape: x.shape, dtype }])[0]!;
}

/** Turn scalars into 0-d tensors and cast every operand to dtype. */
export function operands(xs: readonly TensorLike[], dtype: DType, device: string): Tensor[] {
  return xs.map((x) => (isTensor(x) ? castTo(x, dtype) : scalarTensor(x, dtype, device)));
}

/** A broadcast view of x with the given shape (stride 0 on broadcast dims). */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  if (x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  const lead = shape.length - x.ndim;
  const strides = shape.map((d, i) => {
    const j = i - lead;
    if (j < 0) return 0;
    return x.shape[j] === 1 && d !== 1 ? 0 : x.strides[j]!;
  });
  return x.viewAs(shape, strides, x.offset);
}

export function broadcastAll(op: string, xs: readonly Tensor[]): { shape: number[]; views: Tensor[] } {
  const shape = broadcastShapes(op, ...xs.map((x) => x.shape));
  return { shape, views: xs.map((x) => broadcastTo(x, shape)) };
}

export function requireFloat(op: string, x: Tensor): void {
  if (!isFloating(x.dtype)) throw new DTypeError(`${op}: expected a floating-point tensor, got ${x.dtype} (shape ${fmtShape(x.shape)}); convert with x.float()`);
}

/** Contiguous copy when needed (kernels of the optional tier take contiguous inputs). */
export function contig(x: Tensor): Tensor {
  if (x.isContiguous() && x.offset === 0 && x.storage.numel === numel(x.shape)) return x;
  const out = allocate(x.device, x.dtype, x.shape);
  runKernelInto('copy', out, [x], {});
  return out;
}

export { apply, runKernel, allocate };
