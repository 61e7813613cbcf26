// Shared pieces of the function transforms: argnums, the inputs a transform differentiates, and the
// nesting depth that tells a reverse transform to record its backward pass for an outer one.
import { ShapeError, isTensor, type Tensor } from '@flint/core';
import { AutogradError } from '../graph.js';
import { tracks } from '../graph.js';
import { copyTangents } from '../forward/dual.js';
import { inheritBatch, transferOwned } from './vmap/batched.js';

/** Which positional arguments a transform differentiates: one index, or several. */
export type Argnums = number | readonly number[];

/** The argnums as a list of valid indices into `args`. */
export function argIndices(op: string, argnums: Argnums, args: readonly unknown[]): number[] {
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  if (list.length === 0) throw new AutogradError(`${op}: argnums is empty; name at least one argument to differentiate`);
  return list.map((a) => {
    const i = a < 0 ? a + args.length : a;
    if (!Number.isInteger(i) || i < 0 || i >= args.length) throw new AutogradError(`${op}: argnums ${a} is out of range for ${args.length} argument(s)`);
    if (!isTensor(args[i]) && !isTree(args[i])) throw new AutogradError(`${op}: argument ${i} (argnums) must be a Tensor, an array of them or an object of them (parameters by name), got ${typeof args[i]}`);
    return i;
  });
}

let reverseDepth = 0;
/** Run fn as one reverse transform (grad, vjp, jacrev); nested ones record their backward passes. */
export function inReverse<R>(fn: (nested: boolean) => R): R {
  reverseDepth++;
  try { return fn(reverseDepth > 1); } finally { reverseDepth--; }
}

/**
 * A fresh input for a reverse transform standing for `x`: a view that starts a new gradient path (one
 * already on an outer transform's tape stays connected to it), keeping x's tangents and vmap batch dims.
 */
export function differentiable(x: Tensor): { leaf: Tensor; nested: boolean } {
  const leaf = alias(x);
  if (tracks(x)) return { leaf, nested: true };
  if (!leaf.dtype.startsWith('float') && leaf.dtype !== 'bfloat16') {
    throw new AutogradError(`the function transforms differentiate floating-point inputs only, got ${leaf.dtype}; convert with .float()`);
  }
  leaf.requiresGrad_(true);
  return { leaf, nested: false };
}

/**
 * A new tensor object for the same values: a recorded view when x is on the tape (so the path to it stays),
 * else a detached view; either way it keeps x's tangents and vmap batch dims.
 */
export function alias(x: Tensor): Tensor {
  if (tracks(x)) return x.view([...x.shape]);
  const v = x.detach();
  copyTangents(x, v);
  inheritBatch(x, v);
  return v;
}

/** A detached view of x that keeps its tangents and batch dims (what a transform returns). */
export function detached(x: Tensor): Tensor {
  const v = x.detach();
  copyTangents(x, v);
  inheritBatch(x, v);
  return v;
}

/**
 * A tensor of the current scope standing for `t` (a result autograd or a transform kept out of scopes):
 * a recorded view when t is on the tape, else a detached view with its tangents and batch dims; t is
 * disposed (the view keeps its storage, and the view's graph node its history).
 */
export function adopt(t: Tensor): Tensor {
  let v: Tensor;
  if (tracks(t)) v = t.view([...t.shape]);
  else {
    v = t.viewAs(t.shape, t.strides, t.offset);
    copyTangents(t, v);
    inheritBatch(t, v);
    transferOwned(t, v);
  }
  t.dispose();
  return v;
}

/** One tensor or a list of them, as a list. */
export const asList = (x: Tensor | readonly Tensor[]): Tensor[] => (isTensor(x) ? [x] : [...x]);

/** Checks that `xs` holds tensors only, naming the transform and the role. */
export function checkTensors(op: string, role: string, xs: readonly unknown[]): Tensor[] {
  xs.forEach((x, i) => { if (!isTensor(x)) throw new AutogradError(`${op}: ${role} ${i} must be a Tensor, got ${x === null ? 'null' : typeof x}`); });
  return xs as Tensor[];
}

/** Splits a hasAux function's result into [output, aux]. */
export function splitAux<O>(op: string, r: unknown, hasAux: boolean): [O, unknown] {
  if (!hasAux) return [r as O, undefined];
  if (!Array.isArray(r) || r.length !== 2) throw new AutogradError(`${op}: with hasAux the function must return [output, aux], got ${Array.isArray(r) ? `an array of ${r.length}` : typeof r}`);
  return [r[0] as O, r[1]];
}

/** Same shape, for the error messages of cotangents and tangents. */
export function checkSameShape(op: string, what: string, a: Tensor, b: Tensor): void {
  if (a.ndim !== b.ndim || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(`${op}: ${what} has shape [${b.shape.join(',')}], expected [${a.shape.join(',')}] (the shape of the matching ${what.startsWith('tangent') ? 'primal' : 'output'})`);
  }
}

/** An array or plain object whose values are all tensors (a dict of parameters, as torch.func takes). */
function isTree(a: unknown): a is Tensor[] | Record<string, Tensor> {
  if (Array.isArray(a)) return a.length > 0 && a.every(isTensor);
  return !!a && typeof a === 'object' && Object.getPrototypeOf(a) === Object.prototype && Object.values(a).length > 0 && Object.values(a).every(isTensor);
}

/** A differentiable argument's tensors, and how to put tensors back into its structure. */
export function flatten(a: unknown): { leaves: Tensor[]; rebuild(ts: readonly Tensor[]): Tensor | Tensor[] | Record<string, Tensor> } {
  if (isTensor(a)) return { leaves: [a], rebuild: (ts) => ts[0]! };
  if (Array.isArray(a)) return { leaves: a as Tensor[], rebuild: (ts) => [...ts] };
  const keys = Object.keys(a as object);
  return { leaves: keys.map((k) => (a as Record<string, Tensor>)[k]!), rebuild: (ts) => Object.fromEntries(keys.map((k, i) => [k, ts[i]!])) };
}
