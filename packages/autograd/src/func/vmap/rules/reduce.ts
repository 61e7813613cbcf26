// Batching rules for reductions, softmax-style ops, cumsum, norms and sorting: the logical dims shift by
// one past the batch dim; a reduction over every dim reduces every dim but the batch dim.
import * as F from '@flint/core';
import type { Tensor } from '@flint/core';
import { defineBatchRule, physDim, type BatchContext } from '../registry.js';

/** The physical dims behind the op's dims attr (all logical dims when absent). */
function dims(c: BatchContext, key = 'dim'): number[] {
  const n = c.inputs[0]!.ndim, d = c.attrs[key] as number | number[] | undefined;
  if (d === undefined || d === null) return [...Array(n).keys()].map((i) => i + 1);
  return (Array.isArray(d) ? d : [d]).map((i) => physDim(i, n));
}
const keep = (c: BatchContext): boolean => (c.attrs.keepdim as boolean | undefined) ?? false;
/** The physical tensor flattened to [B, -1] (what a reduction over all logical dims works on). */
const flat = (c: BatchContext): Tensor => c.phys(0)!.reshape([c.size, -1]);
const allDims = (c: BatchContext): boolean => c.attrs.dim === undefined || (Array.isArray(c.attrs.dim) && c.attrs.dim.length === c.inputs[0]!.ndim && c.inputs[0]!.ndim !== 1);

/** Registers the batching rules of the reductions. */
export function registerReduce(): void {
  defineBatchRule('sum', (c) => F.sum(c.phys(0)!, dims(c), keep(c), c.attrs.dtype ? { dtype: c.attrs.dtype as F.DType } : {}));
  defineBatchRule('mean', (c) => F.mean(c.phys(0)!, dims(c), keep(c)));
  defineBatchRule('amax', (c) => F.amax(c.phys(0)!, dims(c), keep(c)));
  defineBatchRule('amin', (c) => F.amin(c.phys(0)!, dims(c), keep(c)));
  defineBatchRule('prod', (c) => {
    if (allDims(c) || c.inputs[0]!.ndim === 0) { const r = flat(c).prod(1); return keep(c) ? r.reshape([c.size, ...c.inputs[0]!.shape.map(() => 1)]) : r; }
    return F.prod(c.phys(0)!, dims(c)[0], keep(c));
  });
  for (const op of ['max', 'min'] as const) {
    defineBatchRule(op, (c) => {
      const f = op === 'max' ? F.max : F.min;
      if (allDims(c)) return (op === 'max' ? F.amax : F.amin)(flat(c), 1);
      if (c.inputs[0]!.ndim === 0) return undefined;
      return f(c.phys(0)!, dims(c)[0]!, keep(c));
    });
  }
  for (const op of ['argmax', 'argmin'] as const) {
    defineBatchRule(op, (c) => {
      const f = op === 'argmax' ? F.argmax : F.argmin;
      if (allDims(c) || c.inputs[0]!.ndim === 0) { const r = f(flat(c), 1); return keep(c) ? r.reshape([c.size, ...c.inputs[0]!.shape.map(() => 1)]) : r; }
      return f(c.phys(0)!, dims(c)[0]!, keep(c));
    });
  }
  defineBatchRule('var', (c) => F.variance(c.phys(0)!, dims(c), keep(c), { correction: c.attrs.correction as number }));
  defineBatchRule('std', (c) => F.std(c.phys(0)!, dims(c), keep(c), { correction: c.attrs.correction as number }));
  defineBatchRule('logsumexp', (c) => F.logsumexp(c.phys(0)!, dims(c), keep(c)));
  defineBatchRule('any', (c) => F.any(c.phys(0)!, dims(c), keep(c)));
  defineBatchRule('all', (c) => F.all(c.phys(0)!, dims(c), keep(c)));
  for (const op of ['softmax', 'logSoftmax'] as const) {
    defineBatchRule(op, (c) => c.inputs[0]!.ndim === 0 ? undefined : (op === 'softmax' ? F.softmax : F.logSoftmax)(c.phys(0)!, dims(c)[0]!, c.attrs.dtype ? { dtype: c.attrs.dtype as F.DType } : {}));
  }
  defineBatchRule('cumsum', (c) => (c.inputs[0]!.ndim === 0 ? c.phys(0)!.clone() : F.cumsum(c.phys(0)!, dims(c)[0]!, c.attrs.dtype ? { dtype: c.attrs.dtype as F.DType } : {})));
  defineBatchRule('norm', (c) => F.norm(c.phys(0)!, { p: c.attrs.p as number, dim: dims(c), keepdim: keep(c) }));
  defineBatchRule('sort', (c) => (c.inputs[0]!.ndim === 0 ? undefined : F.sort(c.phys(0)!, { dim: dims(c)[0]!, descending: c.attrs.descending as boolean })));
  defineBatchRule('argsort', (c) => (c.inputs[0]!.ndim === 0 ? undefined : F.argsort(c.phys(0)!, { dim: dims(c)[0]!, descending: c.attrs.descending as boolean })));
  defineBatchRule('topk', (c) => (c.inputs[0]!.ndim === 0 ? undefined : F.topk(c.phys(0)!, c.attrs.k as number, { dim: dims(c)[0]!, largest: c.attrs.largest as boolean })));
}
