// ONNX mappings of Flint's elementwise ops: unary math, activations, binary arithmetic (with PyTorch's
// Python-scalar operands and alpha), comparisons, logical ops, where/maskedFill, clamp and casts.
import { isFloating, isIntegral, promoteTypes, type DType } from '@flint/core';
import type { OpContext, OpExporter } from '../context.js';
import { attr } from '../graph.js';

const A = attr;

/** The op's operands as names in `dtype`: its tensor inputs, or its tensor and its Python scalar. */
function operands(c: OpContext, dtype: DType): [string, string] {
  const { g } = c;
  const x = g.cast(c.inputs[0]!, c.x[0]!.dtype, dtype);
  if (typeof c.attrs.scalar === 'number' || typeof c.attrs.scalar === 'boolean') {
    const a = c.attrs.scalar, b = c.attrsB.scalar;
    // a scalar computed from a dynamic size (x.shape[1] - 1) is rebuilt from that size at run time
    const s = typeof a === 'number' && typeof b === 'number' && a !== b ? g.scalarOf(a, b, dtype, c.op) : g.scalar(a, dtype);
    return c.attrs.scalarIndex === 0 ? [s, x] : [x, s];
  }
  return [x, g.cast(c.inputs[1]!, c.x[1]!.dtype, dtype)];
}

/** The dtype a comparison computes in: the operands' promoted dtype. */
function compareDType(c: OpContext): DType {
  const d = c.x[0]!.dtype;
  if (c.x[1]) return promoteTypes(d, c.x[1].dtype);
  const s = c.attrs.scalar;
  return typeof s === 'number' && !Number.isInteger(s) && !isFloating(d) ? 'float32' : d === 'bool' && typeof s === 'number' ? 'int64' : d;
}

const unary = (onnx: string): OpExporter => (c) => c.g.op(onnx, [c.inputs[0]!]);
/** float-only ONNX ops on an integer input: compute in float32 and cast back. */
const floatOnly = (onnx: string): OpExporter => (c) => {
  const d = c.x[0]!.dtype;
  if (isFloating(d)) return c.g.op(onnx, [c.inputs[0]!]);
  return c.g.cast(c.g.op(onnx, [c.g.cast(c.inputs[0]!, d, 'float32')]), 'float32', c.out[0]!.dtype);
};
const binary = (onnx: string): OpExporter => (c) => c.g.op(onnx, operands(c, c.out[0]!.dtype));
const compare = (onnx: string, negate = false): OpExporter => (c) => {
  const r = c.g.op(onnx, operands(c, compareDType(c)));
  return negate ? c.g.op('Not', [r]) : r;
};
const toBool = (c: OpContext, i: number) => c.g.cast(c.inputs[i]!, c.x[i]!.dtype, 'bool');
const logical = (onnx: string): OpExporter => (c) => c.g.op(onnx, [toBool(c, 0), toBool(c, 1)]);

/** x or its passthrough (floor/ceil/round of an integer tensor is the tensor). */
const rounding = (onnx: string): OpExporter => (c) => (isIntegral(c.x[0]!.dtype) ? c.inputs[0]! : c.g.op(onnx, [c.inputs[0]!]));

/** x ⊕ alpha·b for add/sub with alpha. */
const withAlpha = (onnx: string): OpExporter => (c) => {
  const d = c.out[0]!.dtype;
  let [a, b] = operands(c, d);
  const alpha = c.attrs.alpha;
  if (typeof alpha === 'number' && alpha !== 1) b = c.g.op('Mul', [b, c.g.scalar(alpha, d)]);
  return c.g.op(onnx, [a, b]);
};

function div(c: OpContext): string {
  const { g } = c;
  const d = c.out[0]!.dtype;
  const mode = c.attrs.roundingMode;
  if (mode !== 'floor' && mode !== 'trunc') return g.op('Div', operands(c, d));
  // integer floor/trunc division computed exactly in float64, then cast back
  const work: DType = isFloating(d) ? d : 'float64';
  const q = g.op('Div', operands(c, work));
  const r = mode === 'floor' ? g.op('Floor', [q]) : g.op('Mul', [g.op('Sign', [q]), g.op('Floor', [g.op('Abs', [q])])]);
  return g.cast(r, work, d);
}

function remainder(c: OpContext): string {
  const { g } = c;
  const d = c.out[0]!.dtype;
  const [a, b] = operands(c, d);
  // Python's modulo: ONNX Mod has it for integers (fmod=0); floats need fmod=1 (C's), so compose them
  if (!isFloating(d)) return g.op('Mod', [a, b], { fmod: A.int(0) });
  return g.op('Sub', [a, g.op('Mul', [g.op('Floor', [g.op('Div', [a, b])]), b])]);
}

function gelu(c: OpContext): string {
  const { g } = c;
  const d = c.x[0]!.dtype, x = c.inputs[0]!;
  const k = (v: number) => g.scalar(v, d);
  // the node patterns torch.onnx writes, which runtimes fuse back into one Gelu/FastGelu kernel
  if (c.attrs.approximate === 'tanh') {
    const cube = g.op('Mul', [x, g.op('Mul', [x, x])]);
    const inner = g.op('Mul', [k(Math.sqrt(2 / Math.PI)), g.op('Add', [x, g.op('Mul', [k(0.044715), cube])])]);
    return g.op('Mul', [k(0.5), g.op('Mul', [x, g.op('Add', [k(1), g.op('Tanh', [inner])])])]);
  }
  return g.op('Mul', [g.op('Mul', [x, g.op('Add', [g.op('Erf', [g.op('Div', [x, k(Math.SQRT2)])]), k(1)])]), k(0.5)]);
}

function softplus(c: OpContext): string {
  const { g } = c;
  const d = c.x[0]!.dtype, x = c.inputs[0]!;
  const beta = Number(c.attrs.beta ?? 1), threshold = Number(c.attrs.threshold ?? 20);
  const bx = beta === 1 ? x : g.op('Mul', [x, g.scalar(beta, d)]);
  let sp = g.op('Softplus', [bx]);
  if (beta !== 1) sp = g.op('Div', [sp, g.scalar(beta, d)]);
  return g.op('Where', [g.op('Greater', [bx, g.scalar(threshold, d)]), x, sp]);
}

function clamp(c: OpContext): string {
  const { g } = c;
  const d = c.out[0]!.dtype;
  const x = g.cast(c.inputs[0]!, c.x[0]!.dtype, d);
  const { min, max } = c.attrs;
  if (min !== 'tensor' && max !== 'tensor') {
    return g.op('Clip', [x, typeof min === 'number' ? g.scalar(min, d) : '', typeof max === 'number' ? g.scalar(max, d) : '']);
  }
  // tensor bounds come as inputs in order (min, max), numbers as attributes: torch's min(max(x, lo), hi)
  let i = 1;
  const bound = (v: unknown) => (v === 'tensor' ? g.cast(c.inputs[i]!, c.x[i++]!.dtype, d) : typeof v === 'number' ? g.scalar(v, d) : '');
  const lo = bound(min), hi = bound(max);
  const y = lo ? g.op('Max', [x, lo]) : x;
  return hi ? g.op('Min', [y, hi]) : y;
}

function where(c: OpContext): string {
  const d = c.out[0]!.dtype;
  return c.g.op('Where', [toBool(c, 0), c.g.cast(c.inputs[1]!, c.x[1]!.dtype, d), c.g.cast(c.inputs[2]!, c.x[2]!.dtype, d)]);
}

const mul2 = (c: OpContext, f: (x: string) => string) => c.g.op('Mul', [c.inputs[0]!, f(c.inputs[0]!)]);

/** Elementwise ops by Flint name. */
export const ELEMENTWISE: Record<string, OpExporter> = {
  neg: unary('Neg'), abs: unary('Abs'), sign: unary('Sign'),
  floor: rounding('Floor'), ceil: rounding('Ceil'), round: rounding('Round'),
  exp: floatOnly('Exp'), log: floatOnly('Log'), sqrt: floatOnly('Sqrt'), sin: floatOnly('Sin'), cos: floatOnly('Cos'),
  tanh: floatOnly('Tanh'), sigmoid: floatOnly('Sigmoid'), erf: floatOnly('Erf'), reciprocal: floatOnly('Reciprocal'),
  log1p: (c) => c.g.op('Log', [c.g.op('Add', [c.inputs[0]!, c.g.scalar(1, c.x[0]!.dtype)])]),
  expm1: (c) => c.g.op('Sub', [c.g.op('Exp', [c.inputs[0]!]), c.g.scalar(1, c.x[0]!.dtype)]),
  rsqrt: (c) => c.g.op('Reciprocal', [c.g.op('Sqrt', [c.inputs[0]!])]),
  relu: unary('Relu'),
  leakyRelu: (c) => c.g.op('LeakyRelu', [c.inputs[0]!], { alpha: A.float(Number(c.attrs.negativeSlope ?? 0.01)) }),
  gelu, softplus,
  silu: (c) => mul2(c, (x) => c.g.op('Sigmoid', [x])),
  mish: (c) => (c.g.opset >= 18 ? c.g.op('Mish', [c.inputs[0]!]) : mul2(c, (x) => c.g.op('Tanh', [c.g.op('Softplus', [x])]))),
  hardsigmoid: (c) => c.g.op('HardSigmoid', [c.inputs[0]!], { alpha: A.float(1 / 6), beta: A.float(0.5) }),
  hardswish: (c) => (c.g.opset >= 14 ? c.g.op('HardSwish', [c.inputs[0]!])
    : mul2(c, (x) => c.g.op('HardSigmoid', [x], { alpha: A.float(1 / 6), beta: A.float(0.5) }))),
  add: withAlpha('Add'), sub: withAlpha('Sub'), mul: binary('Mul'), div, pow: binary('Pow'),
  maximum: binary('Max'), minimum: binary('Min'), remainder,
  eq: compare('Equal'), ne: compare('Equal', true), lt: compare('Less'), le: compare('LessOrEqual'),
  gt: compare('Greater'), ge: compare('GreaterOrEqual'),
  logicalNot: (c) => c.g.op('Not', [toBool(c, 0)]),
  logicalAnd: logical('And'), logicalOr: logical('Or'), logicalXor: logical('Xor'),
  where, clamp,
  maskedFill: (c) => {
    const d = c.out[0]!.dtype;
    const value = c.inputs[2] ? c.g.cast(c.inputs[2], c.x[2]!.dtype, d) : c.g.scalar(Number(c.attrs.value), d);
    return c.g.op('Where', [toBool(c, 1), value, c.g.cast(c.inputs[0]!, c.x[0]!.dtype, d)]);
  },
  cast: (c) => c.g.cast(c.inputs[0]!, c.x[0]!.dtype, c.out[0]!.dtype),
  to: (c) => c.g.cast(c.inputs[0]!, c.x[0]!.dtype, c.out[0]!.dtype),
};
