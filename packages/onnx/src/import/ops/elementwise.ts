// Elementwise ONNX operators (unary, binary with numpy broadcasting, variadic, comparisons, Cast, Clip,
// Where) mapped onto Flint's core ops, so the autograd tape records them like any other call.
import * as F from '@flint/core';
import type { Tensor } from '@flint/core';
import { dtypeOf } from '../tensor-data.js';
import { need, type OpContext, type OpDef, type OpTable } from './types.js';

const unary = (fn: (x: Tensor, ctx: OpContext) => Tensor): OpDef => ({
  run: (ctx, xs) => [fn(need(ctx, xs, 0, 'X'), ctx)],
});
const binary = (fn: (a: Tensor, b: Tensor) => Tensor): OpDef => ({
  run: (ctx, xs) => [fn(need(ctx, xs, 0, 'A'), need(ctx, xs, 1, 'B'))],
});
const variadic = (fn: (a: Tensor, b: Tensor) => Tensor): OpDef => ({
  run: (ctx, xs) => {
    const ts = xs.filter((x): x is Tensor => x !== undefined);
    if (ts.length === 0) ctx.fail('needs at least one input');
    return [ts.slice(1).reduce(fn, ts[0]!)];
  },
});

const isFloat = (t: Tensor): boolean => F.isFloating(t.dtype);

/** ONNX Div: integer division truncates (C semantics), float division is true division. */
function divide(a: Tensor, b: Tensor): Tensor {
  return isFloat(a) || isFloat(b) ? F.div(a, b) : F.div(a, b, { roundingMode: 'trunc' });
}

/** ONNX Mod: fmod=0 takes the divisor's sign (Python %), fmod=1 the dividend's (C fmod). */
function mod(ctx: OpContext, a: Tensor, b: Tensor): Tensor {
  if (ctx.attrs.int('fmod', 0) === 0) return F.remainder(a, b);
  const q = isFloat(a) ? F.div(a, b, { roundingMode: 'trunc' }) : F.div(a, b, { roundingMode: 'trunc' });
  return F.sub(a, F.mul(q, b));
}

/** Elementwise operators. */
export const elementwiseOps: OpTable = {
  Abs: unary(F.abs), Neg: unary(F.neg), Exp: unary(F.exp), Log: unary(F.log), Sqrt: unary(F.sqrt),
  Sin: unary(F.sin), Cos: unary(F.cos), Tanh: unary(F.tanh), Sigmoid: unary(F.sigmoid), Relu: unary(F.relu),
  Erf: unary(F.erf), Floor: unary(F.floor), Ceil: unary(F.ceil), Not: unary(F.logicalNot), Sign: unary(F.sign),
  Reciprocal: unary(F.reciprocal), Softplus: unary((x) => F.softplus(x)), Round: unary((x) => F.round(x)),
  Identity: unary((x) => x),
  LeakyRelu: unary((x, ctx) => F.leakyRelu(x, ctx.attrs.float('alpha', 0.01))),
  Elu: unary((x, ctx) => {
    const alpha = ctx.attrs.float('alpha', 1);
    return F.where(F.gt(x, 0), x, F.mul(F.expm1(x), alpha));
  }),
  HardSigmoid: unary((x, ctx) => F.clamp(F.add(F.mul(x, ctx.attrs.float('alpha', 0.2)), ctx.attrs.float('beta', 0.5)), 0, 1)),
  HardSwish: unary((x) => F.hardswish(x)),
  Gelu: unary((x, ctx) => F.gelu(x, { approximate: ctx.attrs.string('approximate', 'none') === 'tanh' ? 'tanh' : 'none' })),
  Add: binary(F.add), Sub: binary(F.sub), Mul: binary(F.mul), Div: binary(divide), Pow: binary(F.pow),
  Mod: { run: (ctx, xs) => [mod(ctx, need(ctx, xs, 0, 'A'), need(ctx, xs, 1, 'B'))] },
  Equal: binary(F.eq), Less: binary(F.lt), Greater: binary(F.gt), LessOrEqual: binary(F.le), GreaterOrEqual: binary(F.ge),
  And: binary(F.logicalAnd), Or: binary(F.logicalOr), Xor: binary(F.logicalXor),
  Max: variadic(F.maximum), Min: variadic(F.minimum), Sum: variadic(F.add),
  Mean: { run: (ctx, xs) => {
    const ts = xs.filter((x): x is Tensor => x !== undefined);
    return [F.div(ts.slice(1).reduce((a, b) => F.add(a, b), ts[0] ?? ctx.fail('needs at least one input')), ts.length)];
  } },
  Where: { run: (ctx, xs) => [F.where(F.cast(need(ctx, xs, 0, 'condition'), 'bool'), need(ctx, xs, 1, 'X'), need(ctx, xs, 2, 'Y'))] },
  Cast: unary((x, ctx) => {
    const to = ctx.attrs.int('to') ?? ctx.fail("needs the attribute 'to'");
    return F.cast(x, dtypeOf(to, `${ctx.where}.to`));
  }),
  CastLike: binary((x, like) => F.cast(x, like.dtype)),
  Clip: { run: (ctx, xs) => {
    const x = need(ctx, xs, 0, 'input');
    if (ctx.opset < 11) return [F.clamp(x, ctx.attrs.float('min', -3.4028234663852886e38), ctx.attrs.float('max', 3.4028234663852886e38))];
    return [F.clamp(x, xs[1] ?? null, xs[2] ?? null)];
  } },
  // inference: dropout is the identity; its mask output (if named) is all true
  Dropout: { run: (ctx, xs) => {
    const x = need(ctx, xs, 0, 'data');
    return ctx.outputCount > 1 ? [x, F.full(x.shape, true, { device: x.device, dtype: 'bool' })] : [x];
  } },
};
