// Gradient rules for gather, scatterAdd and indexSelect.
import { pad, zeros, type Tensor } from '@flint/core';
import { defineRule } from './registry.js';
import { toInput } from './util.js';

const zerosFor = (info: { shape: readonly number[]; device: string }, g: Tensor) => zeros([...info.shape], { dtype: g.dtype, device: info.device });

defineRule('gather', {
  save: (c) => [c.inputs[1]!],
  backward: (ctx, [g]) => [toInput(zerosFor(ctx.inputs[0]!, g!).scatterAdd(ctx.attrs.dim as number, ctx.saved(0), g!), ctx.inputs[0]!), null],
});

defineRule('scatterAdd', {
  save: (c) => [c.inputs[1]!],
  backward: (ctx, [g]) => {
    const dim = ctx.attrs.dim as number, src = ctx.inputs[2]!;
    let gs: Tensor | null = null;
    if (ctx.needsGrad(2)) {
      gs = g!.gather(dim, ctx.saved(0));
      // src may be larger than index: the rest of src got no use, so zero gradient there
      const spec: number[] = [];
      for (let d = src.shape.length - 1; d >= 0; d--) spec.push(0, src.shape[d]! - gs.shape[d]!);
      if (spec.some((p) => p !== 0)) gs = pad(gs, spec);
    }
    return [toInput(g!, ctx.inputs[0]!), null, gs ? toInput(gs, src) : null];
  },
});

defineRule('indexSelect', {
  save: (c) => [c.inputs[1]!],
  backward: (ctx, [g]) => {
    const info = ctx.inputs[0]!, dim = ctx.attrs.dim as number;
    if (info.shape.length === 0) return [toInput(g!.sum(), info), null];
    const idx = ctx.saved(0).reshape(g!.shape.map((s, i) => (i === dim ? s : 1))).expand([...g!.shape]);
    return [toInput(zerosFor(info, g!).scatterAdd(dim, idx, g!), info), null];
  },
});
