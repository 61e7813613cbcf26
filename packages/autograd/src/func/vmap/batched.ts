// Batched tensors for vmap: inside a vmap level a tensor the function sees (the logical tensor, without
// the batch dim) is a view of sample 0 of a physical tensor whose batch dim is hidden; each level
// remembers the size and storage stride of that dim, so the physical view can be rebuilt from the
// logical one at any time (for every level it is batched at).
import { keep, type Tensor } from '@flint/core';
import { AutogradError, meta } from '../../graph.js';

/** One vmap level: the batch size and, per logical tensor, the storage stride of its hidden batch dim. */
export interface VmapLevel {
  /** The batch size. */
  readonly size: number;
  /** The hidden batch dim's stride of each batched tensor. */
  readonly strides: WeakMap<Tensor, number>;
  /** How random ops behave: 'error', 'different' (per sample) or 'same'. */
  readonly randomness: 'error' | 'different' | 'same';
  /** The physical tensor object behind a logical one an op returned (it carries the tape's and jvp's state). */
  readonly physicals: WeakMap<Tensor, Tensor>;
  /** The same for vmap's own inputs, which the caller owns. */
  readonly borrowed: WeakMap<Tensor, Tensor>;
}

/** The open vmap levels, outermost first. */
export const vmapLevels: VmapLevel[] = [];

/** The innermost level `t` is batched at (its index), or -1. */
export function batchLevel(t: Tensor): number {
  for (let i = vmapLevels.length - 1; i >= 0; i--) if (vmapLevels[i]!.strides.has(t)) return i;
  return -1;
}

/** Makes `to` (a view of the same elements as `from`) batched wherever `from` is. */
export function inheritBatch(from: Tensor, to: Tensor): void {
  for (const level of vmapLevels) {
    const s = level.strides.get(from);
    if (s !== undefined) level.strides.set(to, s);
  }
}

/** The physical tensor of `t` at level i: its hidden batch dim in front, as a view of the same storage. */
export function physical(t: Tensor, i: number): Tensor {
  const level = vmapLevels[i]!;
  const known = level.physicals.get(t) ?? level.borrowed.get(t);
  if (known && !known.isDisposed) return known;
  const stride = level.strides.get(t)!;
  const p = t.viewAs([level.size, ...t.shape], [stride, ...t.strides], t.offset);
  // the physical view is itself batched at the outer levels
  for (let j = 0; j < i; j++) { const s = vmapLevels[j]!.strides.get(t); if (s !== undefined) vmapLevels[j]!.strides.set(p, s); }
  return p;
}

/** The logical tensor for a physical one at level i (batch dim in front): sample 0, batch dim hidden. */
export function logical(p: Tensor, i: number): Tensor {
  const t = p.viewAs(p.shape.slice(1), p.strides.slice(1), p.offset);
  for (let j = 0; j < i; j++) { const s = vmapLevels[j]!.strides.get(p); if (s !== undefined) vmapLevels[j]!.strides.set(t, s); }
  vmapLevels[i]!.strides.set(t, p.strides[0]!);
  return t;
}

/** The physical tensor each logical one owns (kept out of scopes, freed with its logical tensor, after its level closed too). */
const owners = new WeakMap<Tensor, Tensor>();

/** Records that logical `t` at level i stands for physical `p`, which it owns from now on. */
export function own(t: Tensor, p: Tensor, i: number): void {
  vmapLevels[i]!.physicals.set(t, p);
  owners.set(t, keep(p));
  meta(t); // core tells autograd of a disposal only for tensors with autograd state
}

/** Hands what `from` owns (and stands for) to `to`, a view of the same elements. */
export function transferOwned(from: Tensor, to: Tensor): void {
  for (const level of vmapLevels) { const p = level.physicals.get(from); if (p) level.physicals.set(to, p); }
  const p = owners.get(from);
  if (p) { owners.delete(from); owners.set(to, p); meta(to); }
}

/** Gives up ownership of the physical tensor behind `t` (vmap returns it); the caller now owns it. */
export function release(t: Tensor): void { owners.delete(t); }

/** Frees the physical tensor behind a logical one being disposed. */
export function disposePhysicals(t: Tensor): void {
  const p = owners.get(t);
  if (p) { owners.delete(t); if (!p.isDisposed) p.dispose(); }
}

/**
 * After an in-place op wrote sample 0 of a batched tensor (core copies into the logical view), write
 * every sample: the physical result into the physical target.
 */
export function onInPlaceBatched(target: Tensor, src: Tensor): void {
  const ls = batchLevel(src), lt = batchLevel(target);
  const i = Math.max(ls, lt);
  if (i < 0) return;
  if (lt !== i) {
    throw new AutogradError(`vmap: an in-place op writes a batched result into a tensor that is not batched at this vmap level (shape [${target.shape.join(',')}]); use the out-of-place op, or clone() the target`);
  }
  const pt = physical(target, i);
  const ps = ls === i ? physical(src, i) : src.unsqueeze(0).expand([vmapLevels[i]!.size, ...src.shape]);
  pt.copy_(ps);
}
