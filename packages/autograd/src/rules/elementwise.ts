// Gradient rules for elementwise ops.
import { cos, div, eq, exp, floor, ge, gt, le, log, logicalAnd, logicalOr, lt, mul, neg, ones, reluBackward, sigmoid, sin, where, zeros, zerosLike, type Tensor } from '@flint/core';
import { defineNondifferentiable, defineRule, type GradContext, type GradRule } from './registry.js';
import { toInput } from './util.js';

const inputs = (c: { inputs: readonly Tensor[] }) => c.inputs;
const outputs = (c: { outputs: readonly Tensor[] }) => c.outputs;
const both = (c: { inputs: readonly Tensor[]; outputs: readonly Tensor[] }) => [...c.inputs, ...c.outputs];

/** A unary rule: gradient = g * f(ctx) where f reads the saved tensors. */
function unary(save: GradRule['save'], local: (ctx: GradContext, g: Tensor) => Tensor): GradRule {
  return { save, backward: (ctx, [g]) => [toInput(local(ctx, g!), ctx.inputs[0]!)] };
}

/**
 * A binary op called with a JavaScript scalar records one tensor input and attrs { scalar, scalarIndex }
 * (the scalar's position): its rule reads the scalar from the attrs, so no 0-d tensor is made for it.
 */
function binary(tensors: GradRule, scalar: GradRule): GradRule {
  const pick = (attrs: Readonly<Record<string, unknown>>): GradRule => (attrs.scalarIndex === undefined ? tensors : scalar);
  return {
    save: (c) => pick(c.attrs).save?.(c) ?? [],
    backward: (ctx, grads) => pick(ctx.attrs).backward(ctx, grads),
    // add/sub with alpha are differentiated through the ops they are made of
    when: (attrs) => attrs.alpha === undefined,
  };
}
/** div with a rounding mode is a step function: its gradient is zero, as torch defines it (not NaN at b = 0). */
const roundedDivision: GradRule = { backward: (ctx) => ctx.inputs.map((info, k) => (ctx.needsGrad(k) ? toInput(zeros(info.shape, { dtype: info.dtype, device: info.device }), info) : null)) };
const scalarOf = (ctx: GradContext): number => Number(ctx.attrs.scalar);
const scalarFirst = (ctx: GradContext): boolean => ctx.attrs.scalarIndex === 0;
/** The gradient of the tensor input of a scalar-form call. */
const onlyInput = (ctx: GradContext, g: Tensor): (Tensor | null)[] => [toInput(g, ctx.inputs[0]!)];

defineRule('add', binary(
  { backward: (ctx, [g]) => [toInput(g!, ctx.inputs[0]!), toInput(g!, ctx.inputs[1]!)] },
  { backward: (ctx, [g]) => onlyInput(ctx, g!) },
));
defineRule('sub', binary(
  { backward: (ctx, [g]) => [toInput(g!, ctx.inputs[0]!), ctx.needsGrad(1) ? toInput(neg(g!), ctx.inputs[1]!) : null] },
  { backward: (ctx, [g]) => onlyInput(ctx, scalarFirst(ctx) ? neg(g!) : g!) },
));
defineRule('mul', binary({
  save: inputs,
  backward: (ctx, [g]) => [
    ctx.needsGrad(0) ? toInput(mul(g!, ctx.saved(1)), ctx.inputs[0]!) : null,
    ctx.needsGrad(1) ? toInput(mul(g!, ctx.saved(0)), ctx.inputs[1]!) : null,
  ],
}, { backward: (ctx, [g]) => onlyInput(ctx, mul(g!, scalarOf(ctx))) }));
const divRule = binary({
  save: inputs,
  backward: (ctx, [g]) => {
    const a = ctx.saved(0), b = ctx.saved(1);
    return [
      ctx.needsGrad(0) ? toInput(div(g!, b), ctx.inputs[0]!) : null,
      ctx.needsGrad(1) ? toInput(neg(div(mul(g!, a), mul(b, b))), ctx.inputs[1]!) : null,
    ];
  },
}, {
  save: inputs,
  // x / s: g / s; s / x: -g s / x²
  backward: (ctx, [g]) => {
    const s = scalarOf(ctx);
    if (!scalarFirst(ctx)) return onlyInput(ctx, div(g!, s));
    const x = ctx.saved(0);
    return onlyInput(ctx, neg(div(mul(g!, s), mul(x, x))));
  },
});
defineRule('div', { save: (c) => (c.attrs.roundingMode ? [] : divRule.save!(c)), backward: (ctx, g) => (ctx.attrs.roundingMode ? roundedDivision : divRule).backward(ctx, g) });
defineRule('pow', binary({
  save: both,
  backward: (ctx, [g]) => {
    const a = ctx.saved(0), b = ctx.saved(1), out = ctx.saved(2);
    const ga = ctx.needsGrad(0) ? toInput(where(eq(b, 0), 0, mul(mul(g!, b), a.pow(b.sub(1)))), ctx.inputs[0]!) : null;
    // d/db a^b = a^b log a, defined as 0 where a == 0 and b >= 0 (as torch)
    const gb = ctx.needsGrad(1) ? toInput(where(logicalAnd(eq(a, 0), ge(b, 0)), 0, mul(mul(g!, out), log(a))), ctx.inputs[1]!) : null;
    return [ga, gb];
  },
}, {
  save: both,
  backward: (ctx, [g]) => {
    const s = scalarOf(ctx), x = ctx.saved(0), out = ctx.saved(1);
    if (!scalarFirst(ctx)) return onlyInput(ctx, s === 0 ? mul(g!, 0) : mul(mul(g!, s), x.pow(s - 1)));
    // d/dx s^x = s^x log s; 0 where s == 0 and x >= 0
    const d = mul(mul(g!, out), Math.log(s));
    return onlyInput(ctx, s === 0 ? where(ge(x, 0), 0, d) : d);
  },
}));
/**
 * torch's maximum/minimum backward: ties split the gradient in half; where either side is NaN both
 * sides get the whole gradient (torch masks only where one side strictly loses).
 */
function minMaxRule(aLoses: typeof gt, bLoses: typeof gt): GradRule {
  return binary({
    save: inputs,
    backward: (ctx, [g]) => {
      const a = ctx.saved(0), b = ctx.saved(1), tie = eq(a, b);
      return [
        ctx.needsGrad(0) ? toInput(mul(g!, where(tie, 0.5, where(aLoses(a, b), 0, 1))), ctx.inputs[0]!) : null,
        ctx.needsGrad(1) ? toInput(mul(g!, where(tie, 0.5, where(bLoses(a, b), 0, 1))), ctx.inputs[1]!) : null,
      ];
    },
  }, {
    save: inputs,
    backward: (ctx, [g]) => {
      const x = ctx.saved(0), s = scalarOf(ctx);
      return onlyInput(ctx, mul(g!, where(eq(x, s), 0.5, where(aLoses(x, s), 0, 1))));
    },
  });
}
defineRule('maximum', minMaxRule(lt, gt));
defineRule('minimum', minMaxRule(gt, lt));
defineRule('remainder', binary({
  save: inputs,
  backward: (ctx, [g]) => [
    toInput(g!, ctx.inputs[0]!),
    ctx.needsGrad(1) ? toInput(neg(mul(g!, floor(div(ctx.saved(0), ctx.saved(1))))), ctx.inputs[1]!) : null,
  ],
}, {
  save: inputs,
  // x % s: g; s % x: -g floor(s / x)
  backward: (ctx, [g]) => onlyInput(ctx, scalarFirst(ctx) ? neg(mul(g!, floor(div(scalarOf(ctx), ctx.saved(0))))) : g!),
}));

defineRule('neg', { backward: (ctx, [g]) => [toInput(neg(g!), ctx.inputs[0]!)] });
defineRule('abs', unary(inputs, (c, g) => mul(g, c.saved(0).sign())));
defineRule('exp', unary(outputs, (c, g) => mul(g, c.saved(0))));
defineRule('log', unary(inputs, (c, g) => div(g, c.saved(0))));
defineRule('log1p', unary(inputs, (c, g) => div(g, c.saved(0).add(1))));
defineRule('expm1', unary(outputs, (c, g) => mul(g, c.saved(0).add(1))));
defineRule('sqrt', unary(outputs, (c, g) => div(g, mul(c.saved(0), 2))));
defineRule('rsqrt', unary(outputs, (c, g) => { const y = c.saved(0); return mul(g, mul(mul(y, y), y)).mul(-0.5); }));
defineRule('reciprocal', unary(outputs, (c, g) => { const y = c.saved(0); return neg(mul(g, mul(y, y))); }));
defineRule('sin', unary(inputs, (c, g) => mul(g, cos(c.saved(0)))));
defineRule('cos', unary(inputs, (c, g) => neg(mul(g, sin(c.saved(0))))));
defineRule('tanh', unary(outputs, (c, g) => { const y = c.saved(0); return mul(g, neg(mul(y, y)).add(1)); }));
defineRule('sigmoid', unary(outputs, (c, g) => { const y = c.saved(0); return mul(g, mul(y, neg(y).add(1))); }));
/** Whether gradient g has output y's dtype and shape (as from every rule), so a fused gradient kernel takes it. */
export const shapedLike = (g: Tensor, y: Tensor): boolean => g.dtype === y.dtype && g.ndim === y.ndim && g.shape.every((d, i) => d === y.shape[i]);
/**
 * relu's gradient from its output y: torch zeroes it where the result is <= 0 (a NaN input keeps its
 * gradient); one pass (a backend's reluBackward kernel) when g is shaped like y.
 */
export const reluGrad = (g: Tensor, y: Tensor): Tensor => (shapedLike(g, y) ? reluBackward(g, y) : where(le(y, 0), 0, g));
defineRule('relu', unary(outputs, (c, g) => reluGrad(g, c.saved(0))));
defineRule('leakyRelu', unary(inputs, (c, g) => where(gt(c.saved(0), 0), g, mul(g, c.attrs.negativeSlope as number))));
defineRule('softplus', unary(inputs, (c, g) => {
  const x = c.saved(0), beta = c.attrs.beta as number, threshold = c.attrs.threshold as number;
  const bx = mul(x, beta);
  return where(gt(bx, threshold), g, mul(g, sigmoid(bx)));
}));
defineRule('gelu', unary(inputs, (c, g) => {
  const x = c.saved(0);
  if (c.attrs.approximate === 'tanh') {
    const k = Math.sqrt(2 / Math.PI);
    const x2 = mul(x, x);
    const inner = mul(mul(x, mul(x2, 0.044715).add(1)), k);
    const t = inner.tanh();
    const dInner = mul(mul(x2, 3 * 0.044715).add(1), k);
    const d = mul(t.add(1), 0.5).add(mul(mul(mul(x, 0.5), neg(mul(t, t)).add(1)), dInner));
    return mul(g, d);
  }
  // Φ(x) + x φ(x)
  const cdf = mul(erfOf(mul(x, Math.SQRT1_2)).add(1), 0.5);
  const pdf = mul(exp(mul(mul(x, x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
  return mul(g, cdf.add(mul(x, pdf)));
}));
import { erf as erfOf } from '@flint/core';

const zeroGrad: GradRule = { backward: (ctx) => [toInput(zerosLike(ctx.saved(0)), ctx.inputs[0]!)], save: inputs };
for (const op of ['sign', 'floor', 'ceil', 'round'] as const) defineRule(op, zeroGrad);

defineRule('where', {
  save: inputs,
  backward: (ctx, [g]) => {
    const c = ctx.saved(0);
    return [null, ctx.needsGrad(1) ? toInput(where(c, g!, 0), ctx.inputs[1]!) : null, ctx.needsGrad(2) ? toInput(where(c, 0, g!), ctx.inputs[2]!) : null];
  },
});

// clamp(x, min?, max?): inputs are x then any tensor bounds, in that order
defineRule('clamp', {
  save: inputs,
  backward: (ctx, [g]) => {
    const x = ctx.saved(0);
    let k = 1;
    const lo = ctx.attrs.min === 'tensor' ? ctx.saved(k++) : (ctx.attrs.min as number | null | undefined);
    const hi = ctx.attrs.max === 'tensor' ? ctx.saved(k++) : (ctx.attrs.max as number | null | undefined);
    let inside = ones(x.shape, { dtype: 'bool', device: x.device });
    if (lo !== null && lo !== undefined) inside = logicalAnd(inside, ge(x, lo));
    if (hi !== null && hi !== undefined) inside = logicalAnd(inside, le(x, hi));
    const out: (Tensor | null)[] = [toInput(where(inside, g!, 0), ctx.inputs[0]!)];
    k = 1;
    // where min > max the result is max (torch): the gradient goes to max there, never to min
    const both = lo !== null && lo !== undefined && hi !== null && hi !== undefined;
    if (ctx.attrs.min === 'tensor') {
      const toMin = both ? logicalAnd(lt(x, lo as Tensor), lt(lo as Tensor, hi!)) : lt(x, lo as Tensor);
      out.push(ctx.needsGrad(k) ? toInput(where(toMin, g!, 0), ctx.inputs[k]!) : null); k++;
    }
    if (ctx.attrs.max === 'tensor') {
      const toMax = both ? logicalOr(gt(x, hi as Tensor), lt(hi as Tensor, lo!)) : gt(x, hi as Tensor);
      out.push(ctx.needsGrad(k) ? toInput(where(toMax, g!, 0), ctx.inputs[k]!) : null); k++;
    }
    return out;
  },
});

defineRule('cast', { backward: (ctx, [g]) => [toInput(g!, ctx.inputs[0]!)] });
defineRule('to', { backward: (ctx, [g]) => [toInput(g!.to(ctx.inputs[0]!.device), ctx.inputs[0]!)] });
defineRule('contiguous', { backward: (ctx, [g]) => [toInput(g!, ctx.inputs[0]!)] });
defineRule('clone', { backward: (ctx, [g]) => [toInput(g!, ctx.inputs[0]!)] });

defineNondifferentiable('eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalXor', 'logicalNot',
  'argmax', 'argmin', 'any', 'all', 'full', 'arange', 'rand', 'randn', 'randint', 'randperm', 'eye', 'fromBlob');
