// Gradient rules for views and joins: the gradient is reshaped, permuted, padded or split back.
import { cat, pad, zeros, type Tensor } from '@flint/core';
import { defineRule } from './registry.js';
import { sumToShape, toInput } from './util.js';

const reshapeBack = { backward: (ctx: { inputs: readonly { shape: readonly number[]; dtype: import('@flint/core').DType; device: string }[] }, [g]: readonly (Tensor | null)[]) => [toInput(g!.reshape([...ctx.inputs[0]!.shape]), ctx.inputs[0]!)] };
for (const op of ['reshape', 'view', 'squeeze', 'unsqueeze'] as const) defineRule(op, reshapeBack);

defineRule('permute', {
  backward: (ctx, [g]) => {
    const dims = ctx.attrs.dims as number[];
    const inverse = new Array<number>(dims.length);
    dims.forEach((d, i) => { inverse[d] = i; });
    return [toInput(g!.permute(inverse), ctx.inputs[0]!)];
  },
});
defineRule('transpose', {
  backward: (ctx, [g]) => [toInput(ctx.inputs[0]!.shape.length === 0 ? g! : g!.transpose(ctx.attrs.dim0 as number, ctx.attrs.dim1 as number), ctx.inputs[0]!)],
});
defineRule('t', { backward: (ctx, [g]) => [toInput(g!.ndim < 2 ? g! : g!.t(), ctx.inputs[0]!)] });
defineRule('expand', { backward: (ctx, [g]) => [toInput(sumToShape(g!, ctx.inputs[0]!.shape), ctx.inputs[0]!)] });

/** Zero-pad g back to `shape` along dim, with `before` elements in front. */
function padAlong(g: Tensor, shape: readonly number[], dim: number, before: number): Tensor {
  const after = shape[dim]! - before - g.shape[dim]!;
  const spec = new Array<number>(2 * (shape.length - dim)).fill(0);
  spec[2 * (shape.length - 1 - dim)] = before;
  spec[2 * (shape.length - 1 - dim) + 1] = after;
  return pad(g, spec);
}

defineRule('narrow', {
  backward: (ctx, [g]) => [toInput(padAlong(g!, ctx.inputs[0]!.shape, ctx.attrs.dim as number, ctx.attrs.start as number), ctx.inputs[0]!)],
});
defineRule('select', {
  backward: (ctx, [g]) => {
    const dim = ctx.attrs.dim as number;
    return [toInput(padAlong(g!.unsqueeze(dim), ctx.inputs[0]!.shape, dim, ctx.attrs.index as number), ctx.inputs[0]!)];
  },
});

defineRule('split', {
  backward: (ctx, grads) => {
    const dim = ctx.attrs.dim as number, sizes = ctx.attrs.sizes as number[];
    const x = ctx.inputs[0]!;
    const parts = sizes.map((len, i) => {
      const g = grads[i];
      if (g) return g;
      const shape = [...x.shape];
      shape[dim] = len;
      return zeros(shape, { dtype: x.dtype, device: x.device });
    });
    return [toInput(cat(parts, dim), x)];
  },
});

defineRule('cat', {
  backward: (ctx, [g]) => {
    const dim = ctx.attrs.dim as number;
    let at = 0;
    return ctx.inputs.map((info, i) => {
      if (info.shape.length === 1 && info.shape[0] === 0) return null; // skipped legacy empty input
      const len = info.shape[dim]!;
      const part = g!.narrow(dim, at, len);
      at += len;
      return ctx.needsGrad(i) ? toInput(part, info) : null;
    });
  },
});

defineRule('stack', {
  backward: (ctx, [g]) => ctx.inputs.map((info, i) => (ctx.needsGrad(i) ? toInput(g!.select(ctx.attrs.dim as number, i), info) : null)),
});

// constant padding only; other modes are differentiated through their indexSelect composite
defineRule('pad', {
  when: (attrs) => attrs.mode === 'constant',
  backward: (ctx, [g]) => [toInput(pad(g!, (ctx.attrs.pad as number[]).map((p) => -p)), ctx.inputs[0]!)],
});

defineRule('repeat', {
  backward: (ctx, [g]) => {
    const x = ctx.inputs[0]!, reps = ctx.attrs.sizes as number[];
    const src = [...new Array<number>(reps.length - x.shape.length).fill(1), ...x.shape];
    const inter: number[] = [];
    src.forEach((s, i) => inter.push(reps[i]!, s));
    const summed = g!.reshape(inter).sum(reps.map((_, i) => 2 * i));
    return [toInput(summed.reshape([...x.shape]), x)];
  },
});
