// ONNX mappings of reductions (Reduce* with axes as an attribute before opset 18 and as an input from
// 18, ReduceSum's input from 13), ArgMax/ArgMin, var/std, Softmax/LogSoftmax and CumSum.
import type { DType } from '@flint/core';
import type { OpContext, OpExporter } from '../context.js';
import { attr } from '../graph.js';

const A = attr;

/** The reduced dims, non-negative (every dim when the op got none). */
function dims(c: OpContext): number[] {
  const r = c.x[0]!.ndim, d = c.attrs.dim;
  if (d === undefined || d === null) return Array.from({ length: r }, (_, i) => i);
  return (Array.isArray(d) ? d : [d]).map((v: number) => (v < 0 ? v + r : v));
}
const keeps = (c: OpContext) => (c.x[0]!.ndim > 0 && c.out[0]!.ndim === c.x[0]!.ndim ? 1 : 0);

/** A Reduce* node; `inputAxes` says whether this op takes axes as an input at the graph's opset. */
export function reduceNode(c: OpContext, onnx: string, x: string, axes: readonly number[], keepdims: number): string {
  const inputAxes = onnx === 'ReduceSum' || c.g.opset >= 18;
  if (axes.length === 0) return x;
  return inputAxes
    ? c.g.op(onnx, [x, c.g.i64(axes)], { keepdims: A.int(keepdims) })
    : c.g.op(onnx, [x], { axes: A.ints(axes), keepdims: A.int(keepdims) });
}

const reduce = (onnx: string): OpExporter => (c) => {
  const d: DType = c.out[0]!.dtype;
  return reduceNode(c, onnx, c.g.cast(c.inputs[0]!, c.x[0]!.dtype, d), dims(c), keeps(c));
};

/** any/all: max/min of the input as int32 (ORT has no bool Reduce* before opset 20). */
const logicalReduce = (onnx: string): OpExporter => (c) => {
  const x = c.g.cast(c.g.cast(c.inputs[0]!, c.x[0]!.dtype, 'bool'), 'bool', 'int32');
  return c.g.cast(reduceNode(c, onnx, x, dims(c), keeps(c)), 'int32', 'bool');
};

function arg(c: OpContext, onnx: string): string {
  let x = c.inputs[0]!;
  let axis = c.attrs.dim;
  if (axis === undefined || axis === null) {
    x = c.g.op('Reshape', [x, c.g.i64([-1])]);
    axis = 0;
  }
  return c.g.op(onnx, [x], { axis: A.int(dims({ ...c, attrs: { dim: axis } })[0]!), keepdims: A.int(keeps(c)) });
}

/** max/min: the whole tensor's value, or values and indices along one dim. */
const extreme = (reduceOp: string, argOp: string): OpExporter => (c) => {
  if (c.attrs.dim === undefined || c.attrs.dim === null) return reduceNode(c, reduceOp, c.inputs[0]!, dims(c), 0);
  return [reduceNode(c, reduceOp, c.inputs[0]!, dims(c), keeps(c)), arg(c, argOp)];
};

/** var/std: mean of squared deviations, divided by n - correction. */
function variance(c: OpContext, sqrt: boolean): string {
  const { g } = c;
  const x = c.inputs[0]!, d = c.x[0]!.dtype, axes = dims(c);
  const n = axes.reduce((p, a) => p * c.x[0]!.shape[a]!, 1);
  if (axes.some((a) => c.x[0]!.shape[a] !== c.xB[0]![a])) c.fail('it reduces a dim that follows a dynamic axis', 'reduce static dims only, or drop that axis from dynamicAxes');
  const dev = g.op('Sub', [x, reduceNode(c, 'ReduceMean', x, axes, 1)]);
  const ss = reduceNode(c, 'ReduceSum', g.op('Mul', [dev, dev]), axes, keeps(c));
  const v = g.op('Div', [ss, g.scalar(Math.max(n - Number(c.attrs.correction ?? 1), 0), d)]);
  return sqrt ? g.op('Sqrt', [v]) : v;
}

const softmax = (onnx: string): OpExporter => (c) => {
  const r = c.x[0]!.ndim, dim = Number(c.attrs.dim ?? -1);
  const x = c.g.cast(c.inputs[0]!, c.x[0]!.dtype, c.out[0]!.dtype);
  return c.g.op(onnx, [x], { axis: A.int(dim < 0 ? dim + r : dim) });
};

/** Reductions and softmax by Flint name. */
export const REDUCE: Record<string, OpExporter> = {
  sum: reduce('ReduceSum'), mean: reduce('ReduceMean'), prod: reduce('ReduceProd'),
  amax: reduce('ReduceMax'), amin: reduce('ReduceMin'), logsumexp: reduce('ReduceLogSumExp'),
  max: extreme('ReduceMax', 'ArgMax'), min: extreme('ReduceMin', 'ArgMin'),
  argmax: (c) => arg(c, 'ArgMax'), argmin: (c) => arg(c, 'ArgMin'),
  any: logicalReduce('ReduceMax'), all: logicalReduce('ReduceMin'),
  var: (c) => variance(c, false), std: (c) => variance(c, true),
  softmax: softmax('Softmax'), logSoftmax: softmax('LogSoftmax'),
  cumsum: (c) => {
    const r = c.x[0]!.ndim, dim = Number(c.attrs.dim);
    const x = c.g.cast(c.inputs[0]!, c.x[0]!.dtype, c.out[0]!.dtype);
    return c.g.op('CumSum', [x, c.g.scalar(dim < 0 ? dim + r : dim, 'int64')]);
  },
};
