// Gradient rules for hardswish and hardsigmoid, with torch's values at the kinks (x = -3 and x = 3).
import { add, div, gt, le, logicalAnd, lt, mul, where } from '@flint/core';
import { defineRule } from './registry.js';
import { toInput } from './util.js';

// torch: 0 below -3, g (x/3 + 1/2) up to 3 inclusive, g above
defineRule('hardswish', {
  save: (c) => [c.inputs[0]!],
  backward: (ctx, [g]) => {
    const x = ctx.saved(0);
    return [toInput(where(lt(x, -3), 0, where(le(x, 3), mul(g!, add(div(x, 3), 0.5)), g!)), ctx.inputs[0]!)];
  },
});

// torch: g / 6 strictly between -3 and 3, else 0
defineRule('hardsigmoid', {
  save: (c) => [c.inputs[0]!],
  backward: (ctx, [g]) => {
    const x = ctx.saved(0);
    return [toInput(where(logicalAnd(gt(x, -3), lt(x, 3)), div(g!, 6), 0), ctx.inputs[0]!)];
  },
});
