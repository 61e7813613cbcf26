// Forward-mode rules for elementwise ops: the output tangent is the local derivative times each
// input's tangent (scalar-form calls have one tensor input and attrs { scalar, scalarIndex }).
import { cos, div, eq, erf, exp, ge, gt, le, log, logicalAnd, logicalOr, lt, mul, neg, pow, sigmoid, sin, where, zerosLike, type Tensor } from '@flint/core';
import { defineForwardRule, sumTerms, type ForwardContext, type ForwardRule } from '../registry.js';

const scalarOf = (c: ForwardContext): number => Number(c.attrs.scalar);
const scalarForm = (c: ForwardContext): boolean => c.attrs.scalarIndex !== undefined;
const scalarFirst = (c: ForwardContext): boolean => c.attrs.scalarIndex === 0;

/** A unary rule: d out = f(x, out) · dx. */
function unary(local: (x: Tensor, out: Tensor, c: ForwardContext) => Tensor): ForwardRule {
  return { jvp: (c) => { const t = c.tangent(0); return [t ? local(c.inputs[0]!, c.outputs[0]!, c).mul(t) : null]; } };
}
/** A binary rule from the tangent forms of the two-tensor and the scalar call. */
function binary(tensors: (c: ForwardContext, a: Tensor, b: Tensor, ta: Tensor | null, tb: Tensor | null) => Tensor | null,
  scalar: (c: ForwardContext, x: Tensor, s: number, tx: Tensor) => Tensor): ForwardRule {
  return {
    jvp: (c) => {
      if (scalarForm(c)) { const t = c.tangent(0); return [t ? scalar(c, c.inputs[0]!, scalarOf(c), t) : null]; }
      return [tensors(c, c.inputs[0]!, c.inputs[1]!, c.tangent(0), c.tangent(1))];
    },
  };
}

// add/sub with alpha are differentiated through their parts, as the gradient rules do
const noAlpha = (attrs: Readonly<Record<string, unknown>>): boolean => attrs.alpha === undefined;
/** maximum/minimum: the winner's tangent, the mean of both at ties (torch's convention). */
function minMax(aWins: typeof gt): ForwardRule {
  return binary((_c, a, b, ta, tb) => {
    const wa = where(eq(a, b), 0.5, where(aWins(a, b), 1, 0)), wb = neg(wa).add(1);
    return sumTerms(ta ? mul(ta, wa) : null, tb ? mul(tb, wb) : null);
  }, (_c, x, s, t) => mul(t, where(eq(x, s), 0.5, where(aWins(x, s), 1, 0))));
}

/** Registers the forward rules of the elementwise ops. */
export function registerElementwise(): void {
  defineForwardRule('add', { ...binary((_c, _a, _b, ta, tb) => sumTerms(ta, tb), (_c, _x, _s, t) => t), when: noAlpha });
  defineForwardRule('sub', { ...binary((_c, _a, _b, ta, tb) => sumTerms(ta, tb ? neg(tb) : null), (c, _x, _s, t) => (scalarFirst(c) ? neg(t) : t)), when: noAlpha });
  defineForwardRule('mul', binary((_c, a, b, ta, tb) => sumTerms(ta ? mul(ta, b) : null, tb ? mul(a, tb) : null), (_c, _x, s, t) => mul(t, s)));
  defineForwardRule('div', binary((c, a, b, ta, tb) => {
    if (c.attrs.roundingMode) return zerosLike(c.outputs[0]!);
    return sumTerms(ta ? div(ta, b) : null, tb ? neg(div(mul(a, tb), mul(b, b))) : null);
  }, (c, x, s, t) => {
    if (c.attrs.roundingMode) return zerosLike(c.outputs[0]!);
    return scalarFirst(c) ? neg(div(mul(t, s), mul(x, x))) : div(t, s);
  }));
  defineForwardRule('pow', binary((c, a, b, ta, tb) => sumTerms(
    ta ? where(eq(b, 0), 0, mul(mul(ta, b), a.pow(b.sub(1)))) : null,
    tb ? where(logicalAnd(eq(a, 0), ge(b, 0)), 0, mul(mul(tb, c.outputs[0]!), log(a))) : null,
  ), (c, x, s, t) => {
    if (!scalarFirst(c)) return s === 0 ? mul(t, 0) : mul(mul(t, s), pow(x, s - 1));
    const d = mul(mul(t, c.outputs[0]!), Math.log(s));
    return s === 0 ? where(ge(x, 0), 0, d) : d;
  }));
  defineForwardRule('maximum', minMax(gt));
  defineForwardRule('minimum', minMax(lt));
  defineForwardRule('remainder', binary((_c, a, b, ta, tb) => sumTerms(ta, tb ? neg(mul(tb, div(a, b).floor())) : null),
    (c, x, s, t) => (scalarFirst(c) ? neg(mul(t, div(s, x).floor())) : t)));
  defineForwardRule('neg', { jvp: (c) => [c.tangent(0) ? neg(c.tangent(0)!) : null] });
  defineForwardRule('abs', unary((x) => x.sign()));
  defineForwardRule('exp', unary((_x, y) => y));
  defineForwardRule('log', unary((x) => x.reciprocal()));
  defineForwardRule('log1p', unary((x) => x.add(1).reciprocal()));
  defineForwardRule('expm1', unary((_x, y) => y.add(1)));
  defineForwardRule('sqrt', unary((_x, y) => div(0.5, y)));
  defineForwardRule('rsqrt', unary((_x, y) => mul(mul(y, y), y).mul(-0.5)));
  defineForwardRule('reciprocal', unary((_x, y) => neg(mul(y, y))));
  defineForwardRule('sin', unary((x) => cos(x)));
  defineForwardRule('cos', unary((x) => neg(sin(x))));
  defineForwardRule('tanh', unary((_x, y) => neg(mul(y, y)).add(1)));
  defineForwardRule('sigmoid', unary((_x, y) => mul(y, neg(y).add(1))));
  defineForwardRule('relu', unary((_x, y) => gt(y, 0).to(y.dtype)));
  defineForwardRule('leakyRelu', unary((x, _y, c) => where(gt(x, 0), 1, c.attrs.negativeSlope as number).to(x.dtype)));
  defineForwardRule('softplus', unary((x, _y, c) => { const bx = mul(x, c.attrs.beta as number); return where(gt(bx, c.attrs.threshold as number), 1, sigmoid(bx)); }));
  defineForwardRule('erf', unary((x) => mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI))));
  defineForwardRule('gelu', unary((x, _y, c) => {
    if (c.attrs.approximate === 'tanh') {
      const k = Math.sqrt(2 / Math.PI), x2 = mul(x, x);
      const th = mul(mul(x, mul(x2, 0.044715).add(1)), k).tanh();
      const dInner = mul(mul(x2, 3 * 0.044715).add(1), k);
      return mul(th.add(1), 0.5).add(mul(mul(mul(x, 0.5), neg(mul(th, th)).add(1)), dInner));
    }
    const cdf = mul(erf(mul(x, Math.SQRT1_2)).add(1), 0.5);
    return cdf.add(mul(x, mul(exp(mul(mul(x, x), -0.5)), 1 / Math.sqrt(2 * Math.PI))));
  }));
  for (const op of ['sign', 'floor', 'ceil', 'round'] as const) defineForwardRule(op, { jvp: (c) => [zerosLike(c.outputs[0]!)] });
  defineForwardRule('where', { jvp: (c) => {
    const cond = c.inputs[0]!, ta = c.tangent(1), tb = c.tangent(2);
    return [where(cond, ta ?? 0, tb ?? 0)];
  } });
  defineForwardRule('clamp', { jvp: (c) => {
    const x = c.inputs[0]!;
    let k = 1;
    const loI = c.attrs.min === 'tensor' ? k++ : -1, hiI = c.attrs.max === 'tensor' ? k++ : -1;
    const lo = loI > 0 ? c.inputs[loI]! : (c.attrs.min as number | null | undefined), hi = hiI > 0 ? c.inputs[hiI]! : (c.attrs.max as number | null | undefined);
    const has = (b: unknown): b is Tensor | number => b !== null && b !== undefined;
    let inside: Tensor | null = null;
    if (has(lo)) inside = ge(x, lo);
    if (has(hi)) inside = inside ? logicalAnd(inside, le(x, hi)) : le(x, hi);
    const both = has(lo) && has(hi);
    const toMin = loI > 0 ? (both ? logicalAnd(lt(x, lo as Tensor), lt(lo as Tensor, hi as Tensor)) : lt(x, lo as Tensor)) : null;
    const toMax = hiI > 0 ? (both ? logicalOr(gt(x, hi as Tensor), lt(hi as Tensor, lo as Tensor)) : gt(x, hi as Tensor)) : null;
    const tx = c.tangent(0), tlo = loI > 0 ? c.tangent(loI) : null, thi = hiI > 0 ? c.tangent(hiI) : null;
    return [sumTerms(tx ? where(inside!, tx, 0) : null, tlo && toMin ? where(toMin, tlo, 0) : null, thi && toMax ? where(toMax, thi, 0) : null) ?? zerosLike(c.outputs[0]!)];
  } });
  // casts, copies and devices carry the tangent along
  defineForwardRule('cast', { jvp: (c) => [c.tangent(0)!.to(c.outputs[0]!.dtype)] });
  defineForwardRule('to', { jvp: (c) => [c.tangent(0)!.to(c.outputs[0]!.device)] });
  defineForwardRule('contiguous', { jvp: (c) => [c.tangent(0)!.contiguous()] });
  defineForwardRule('clone', { jvp: (c) => [c.tangent(0)!.clone()] });
}
