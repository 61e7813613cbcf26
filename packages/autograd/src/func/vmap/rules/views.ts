// Batching rules for views, joins and index(): the logical dims shift by one past the batch dim, and
// unbatched operands of cat/stack are expanded over the batch.
import * as F from '@flint/core';
import type { IndexStep, Tensor } from '@flint/core';
import { stepsToItems } from '../../../forward/rules/views.js';
import { defineBatchRule, physDim, type BatchContext } from '../registry.js';

const p0 = (c: BatchContext): Tensor => c.phys(0)!;
const n0 = (c: BatchContext): number => c.inputs[0]!.ndim;
const dimAttr = (c: BatchContext, key = 'dim'): number => physDim(c.attrs[key] as number, n0(c));

/** Registers the batching rules of the views and joins. */
export function registerViews(): void {
  for (const op of ['reshape', 'view'] as const) defineBatchRule(op, (c) => p0(c).reshape([c.size, ...(c.attrs.shape as number[])]));
  defineBatchRule('permute', (c) => p0(c).permute([0, ...(c.attrs.dims as number[]).map((d) => physDim(d, n0(c)))]));
  defineBatchRule('transpose', (c) => (n0(c) === 0 ? p0(c).clone() : p0(c).transpose(dimAttr(c, 'dim0'), dimAttr(c, 'dim1'))));
  defineBatchRule('t', (c) => (n0(c) < 2 ? p0(c).clone() : p0(c).transpose(1, 2)));
  defineBatchRule('unsqueeze', (c) => p0(c).unsqueeze(physDim(c.attrs.dim as number, n0(c) + 1)));
  defineBatchRule('squeeze', (c) => {
    const ds = (c.attrs.dims as number[] | undefined) ?? c.inputs[0]!.shape.flatMap((s, i) => (s === 1 ? [i] : []));
    return ds.length === 0 ? p0(c).clone() : p0(c).squeeze(ds.map((d) => physDim(d, n0(c))));
  });
  defineBatchRule('expand', (c) => {
    const shape = c.attrs.shape as number[];
    let p = p0(c);
    for (let k = n0(c); k < shape.length; k++) p = p.unsqueeze(1);
    return p.expand([c.size, ...shape]);
  });
  defineBatchRule('narrow', (c) => p0(c).narrow(dimAttr(c), c.attrs.start as number, c.attrs.length as number));
  defineBatchRule('select', (c) => p0(c).select(dimAttr(c), c.attrs.index as number));
  defineBatchRule('split', (c) => p0(c).split(c.attrs.sizes as number[], dimAttr(c)));
  defineBatchRule('flip', (c) => F.flip(p0(c), (c.attrs.dims as number[]).map((d) => physDim(d, n0(c)))));
  defineBatchRule('repeat', (c) => {
    const sizes = c.attrs.sizes as number[];
    let p = p0(c);
    for (let k = n0(c); k < sizes.length; k++) p = p.unsqueeze(1);
    return p.repeat([1, ...sizes]);
  });
  // padding applies to the trailing dims, which the batch dim doesn't move
  defineBatchRule('pad', (c) => F.pad(p0(c), c.attrs.pad as number[], { mode: c.attrs.mode as 'constant', ...(c.attrs.mode === 'constant' ? { value: c.attrs.value as number } : {}) }));
  defineBatchRule('index', (c) => F.index(p0(c), ':', ...stepsToItems(c.attrs.steps as IndexStep[])));
  defineBatchRule('cat', (c) => {
    const live = c.inputs.map((x, i) => [x, i] as const).filter(([x]) => !(x.ndim === 1 && x.shape[0] === 0));
    const rank = live[0]![0].ndim;
    return F.cat(live.map(([, i]) => c.batched(i)), physDim(c.attrs.dim as number, rank));
  });
  defineBatchRule('stack', (c) => F.stack(c.inputs.map((_, i) => c.batched(i)), physDim(c.attrs.dim as number, n0(c) + 1)));
}
