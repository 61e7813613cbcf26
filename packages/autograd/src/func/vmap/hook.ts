// The vmap dispatch hook: an op with an input batched at an open vmap level runs instead on the physical
// tensors behind its inputs, by the op's batching rule, or by a loop over the samples (with a one-time
// warning naming the op) where it has none; its results are handed back as logical tensors.
import { isTensor, rand, randn, stack, type OpHook, type OpName, type Tensor } from '@flint/core';
import { copyTangents } from '../../forward/dual.js';
import { AutogradError } from '../../graph.js';
import { batchLevel, inheritBatch, logical, own, physical, vmapLevels } from './batched.js';
import { RUN_PARTS, getBatchRule, type BatchContext } from './registry.js';

const RANDOM = new Set<string>(['rand', 'randn', 'randint', 'randperm']);
const warned = new Set<string>();
/** The ops that have run through the loop fallback so far (each warned about once). */
export const loopedOps = (): string[] => [...warned];

/** Maps the tensors of an op's result (a tensor, a list, an object of tensors) through f. */
function mapResult(r: unknown, f: (t: Tensor) => Tensor): unknown {
  if (isTensor(r)) return f(r);
  if (Array.isArray(r)) return r.map((x) => (isTensor(x) ? f(x) : x));
  if (r && typeof r === 'object') return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, isTensor(v) ? f(v) : v]));
  return r;
}

/** The logical tensor for physical result p at level i; the logical tensor owns p from now on. */
function wrap(p: Tensor, i: number, ins: readonly (Tensor | null)[]): Tensor {
  let q = p;
  // a rule that hands back an input's physical tensor: own a fresh handle instead
  if (ins.includes(q)) { q = p.viewAs(p.shape, p.strides, p.offset); inheritBatch(p, q); copyTangents(p, q); }
  const t = logical(q, i);
  own(t, q, i);
  return t;
}

/**
 * The loop fallback: the op's own implementation once per sample, with each batched input pointed at that
 * sample (and unbatched at this level meanwhile), the results stacked.
 */
function loop(op: OpName, inputs: readonly Tensor[], impl: () => unknown, i: number, hasRule: boolean): unknown {
  const level = vmapLevels[i]!;
  if (!warned.has(op)) {
    warned.add(op);
    console.warn(hasRule
      ? `vmap: the batching rule of '${op}' doesn't cover this call (e.g. batched weights, a 0-d input, an implicit einsum output); it runs once per sample and the results are stacked (slower)`
      : `vmap: '${op}' has no batching rule; it runs once per sample and the results are stacked (slower). Register one with defineBatchRule('${op}', ...)`);
  }
  const batched = [...new Set(inputs.filter((t) => level.strides.has(t)))];
  const saved = batched.map((t) => ({ t, offset: t.offset, stride: level.strides.get(t)! }));
  const results: unknown[] = [];
  try {
    for (const s of saved) level.strides.delete(s.t);
    for (let b = 0; b < level.size; b++) {
      for (const s of saved) (s.t as { offset: number }).offset = s.offset + b * s.stride;
      // a result that is an input (or a view of one) must not move with the next sample's offset
      results.push(mapResult(impl(), (r) => (batched.includes(r) ? r.viewAs(r.shape, r.strides, r.offset) : r.contiguous())));
    }
  } finally {
    for (const s of saved) { (s.t as { offset: number }).offset = s.offset; level.strides.set(s.t, s.stride); }
  }
  const first = results[0];
  if (isTensor(first)) return stack(results as Tensor[]);
  if (Array.isArray(first)) return first.map((_, k) => stack(results.map((r) => (r as Tensor[])[k]!)));
  return Object.fromEntries(Object.keys(first as object).map((k) => [k, stack(results.map((r) => (r as Record<string, Tensor>)[k]!))]));
}

let drawing = false;
/** rand/randn/randint inside vmap: an error, one draw for all samples ('same'), or one per sample ('different'). */
function randomOp(op: OpName, attrs: Readonly<Record<string, unknown>>, impl: () => unknown): (() => unknown) | undefined {
  if (drawing) return undefined;
  const i = vmapLevels.length - 1, level = vmapLevels[i]!;
  if (level.randomness === 'same') return undefined;
  if (level.randomness === 'error') {
    throw new AutogradError(`vmap: ${op} draws random numbers inside vmap; pass { randomness: 'different' } (each sample its own draw) or { randomness: 'same' } (one draw for all) to vmap`);
  }
  if (op !== 'rand' && op !== 'randn') throw new AutogradError(`vmap: ${op} with randomness 'different' is not supported; draw the numbers outside vmap and pass them in`);
  return () => {
    drawing = true;
    try {
      const one = impl() as Tensor;
      const opts = { dtype: one.dtype, device: one.device };
      const shape = [level.size, ...(attrs.shape as number[])];
      return wrap(op === 'rand' ? rand(shape, opts) : randn(shape, opts), i, []);
    } finally { drawing = false; }
  };
}

/** The dispatch hook vmap installs (once, when the first vmap opens). */
export const vmapHook: OpHook = {
  afterOp() { /* vmap acts before ops run */ },
  runInstead(op, inputs, attrs, impl) {
    if (vmapLevels.length === 0) return undefined;
    let i = -1;
    for (const t of inputs) i = Math.max(i, batchLevel(t));
    if (i < 0) return RANDOM.has(op) ? randomOp(op, attrs, impl) : undefined;
    if (op === 'dropout' && inputs.length > 1 && vmapLevels[i]!.randomness === 'error') {
      throw new AutogradError("vmap: dropout draws random numbers inside vmap; pass { randomness: 'different' } (each sample its own mask) or { randomness: 'same' } (one mask for all) to vmap, or call model.eval()");
    }
    const level = vmapLevels[i]!;
    return () => {
      const phys = inputs.map((t) => (level.strides.has(t) ? physical(t, i) : null));
      const ctx: BatchContext = {
        op, attrs, inputs, size: level.size, randomness: level.randomness,
        phys: (k) => phys[k] ?? null,
        batched: (k) => phys[k] ?? inputs[k]!.unsqueeze(0).expand([level.size, ...inputs[k]!.shape]),
      };
      const rule = getBatchRule(op);
      let out = rule ? rule(ctx) : undefined;
      if (out === RUN_PARTS) return impl();
      if (out === undefined) out = loop(op, inputs, impl, i, !!rule);
      return mapResult(out, (p) => wrap(p, i, phys));
    };
  },
};
