// torch.func.grad and torch.func.vjp on the tape: each call differentiates with fresh inputs, so
// transforms nest (an inner one records its backward pass when an outer one needs it).
import { checkOptions, isTensor, zerosLike, type Tensor } from '@flint/core';
import { grad as autogradGrad } from '../grad.js';
import { AutogradError, tracks } from '../graph.js';
import { setGradEnabled } from '../mode.js';
import { adopt, detached, flatten, argIndices, asList, checkSameShape, checkTensors, differentiable, inReverse, splitAux, type Argnums } from './util.js';

/** Options of `func.grad`, as torch.func.grad's keyword arguments. */
export interface FuncGradOptions {
  /** Which positional arguments to differentiate (default 0); a list gives a list of gradients. */
  argnums?: Argnums;
  /** The function returns [output, aux]; aux comes back untouched beside the gradients. */
  hasAux?: boolean;
}

/** The gradient of one argument, in its structure: a tensor, an array of them, or an object of them by name. */
export type Gradient = Tensor | Tensor[] | Record<string, Tensor>;
/** A gradient (or one per argnum) as grad() returns it. */
export type Gradients = Gradient | Gradient[];

/** Gradients of f's scalar output at `args`, and the output itself (torch.func.grad_and_value). */
export function gradAndValueAt(op: string, fn: (...args: never[]) => unknown, args: unknown[], opts: FuncGradOptions): { grads: Gradient[]; value: Tensor; aux: unknown; many: boolean } {
  checkOptions(op, opts, ['argnums', 'hasAux']);
  const argnums = opts.argnums ?? 0;
  const idx = argIndices(op, argnums, args);
  return inReverse((nestedDepth) => {
    const trees = idx.map((i) => flatten(args[i]));
    const made = trees.flatMap((t) => t.leaves.map(differentiable));
    const callArgs = [...args];
    let at = 0;
    idx.forEach((i, k) => { const n = trees[k]!.leaves.length; callArgs[i] = trees[k]!.rebuild(made.slice(at, at + n).map((m) => m.leaf)); at += n; });
    const r = setGradEnabled(true, () => (fn as (...a: unknown[]) => unknown)(...callArgs));
    const [out, aux] = splitAux<Tensor>(op, r, opts.hasAux ?? false);
    if (!isTensor(out)) throw new AutogradError(`${op}: the function must return a Tensor${opts.hasAux ? ' (first of [output, aux])' : ''}, got ${typeof out}`);
    if (out.numel() !== 1) throw new AutogradError(`${op}: the function must return a scalar (one element), got shape [${out.shape.join(',')}]; use vjp or jacrev for other outputs`);
    const leaves = made.map((m) => m.leaf);
    const nested = nestedDepth || made.some((m) => m.nested);
    const flat = tracks(out)
      ? autogradGrad([out], leaves, { createGraph: nested, allowUnused: true }).map((g, k) => (g ? adopt(g) : zerosLike(leaves[k]!)))
      : leaves.map((l) => zerosLike(l));
    at = 0;
    const grads = trees.map((t) => { const n = t.leaves.length; const g = t.rebuild(flat.slice(at, at + n)); at += n; return g; });
    return { grads, value: nested ? out : detached(out), aux, many: typeof argnums !== 'number' };
  });
}

/**
 * torch.func.grad: a function returning the gradient of `fn`'s scalar output with respect to the
 * arguments at `argnums` (one tensor, or a list for a list of argnums); with `hasAux`, [gradient, aux].
 */
export function grad<A extends unknown[]>(fn: (...args: A) => unknown, opts: FuncGradOptions = {}): (...args: A) => Gradients | [Gradients, unknown] {
  return (...args: A) => {
    const r = gradAndValueAt('func.grad', fn as (...a: never[]) => unknown, args, opts);
    const g = r.many ? r.grads : r.grads[0]!;
    return opts.hasAux ? [g, r.aux] : g;
  };
}

/** torch.func.grad_and_value: like `func.grad`, returning [gradient, value] (with hasAux, [gradient, [value, aux]]). */
export function gradAndValue<A extends unknown[]>(fn: (...args: A) => unknown, opts: FuncGradOptions = {}): (...args: A) => [Gradients, Tensor | [Tensor, unknown]] {
  return (...args: A) => {
    const r = gradAndValueAt('func.gradAndValue', fn as (...a: never[]) => unknown, args, opts);
    return [r.many ? r.grads : r.grads[0]!, opts.hasAux ? [r.value, r.aux] : r.value];
  };
}

/** Options of `func.vjp`. */
export interface VjpOptions {
  /** The function returns [output, aux]; aux is returned third. */
  hasAux?: boolean;
}

/** Maps cotangents (one per output) to the vector-Jacobian products, one per primal. */
export type VjpFn = (cotangents: Tensor | readonly Tensor[]) => Tensor[];

/**
 * torch.func.vjp: runs `fn` at `primals` and returns [output, vjpFn] (and aux with hasAux); vjpFn(v) is
 * vᵀJ for each primal, and may be called many times.
 */
export function vjp(fn: (...args: Tensor[]) => Tensor | Tensor[] | [unknown, unknown], primals: Tensor | readonly Tensor[], opts: VjpOptions = {}): [Tensor | Tensor[], VjpFn, unknown?] {
  checkOptions('func.vjp', opts, ['hasAux']);
  const ps = checkTensors('func.vjp', 'primal', asList(primals));
  return inReverse((nestedDepth) => {
    const made = ps.map(differentiable);
    const leaves = made.map((m) => m.leaf);
    const r = setGradEnabled(true, () => fn(...leaves));
    const [out, aux] = splitAux<Tensor | Tensor[]>('func.vjp', r, opts.hasAux ?? false);
    const outs = checkTensors('func.vjp', 'output', isTensor(out) ? [out] : (out as unknown[]));
    const nested = nestedDepth || made.some((m) => m.nested);
    const vjpFn: VjpFn = (cotangents) => inReverse((innerDepth) => {
      const cts = checkTensors('func.vjp', 'cotangent', asList(cotangents));
      if (cts.length !== outs.length) throw new AutogradError(`func.vjp: got ${cts.length} cotangent(s) for ${outs.length} output(s)`);
      cts.forEach((c, i) => checkSameShape('func.vjp', `cotangent ${i}`, outs[i]!, c));
      const live = outs.map((o, i) => (tracks(o) ? i : -1)).filter((i) => i >= 0);
      if (live.length === 0) return leaves.map((l) => zerosLike(l));
      const gs = autogradGrad(live.map((i) => outs[i]!), leaves, { gradOutputs: live.map((i) => cts[i]!), retainGraph: true, createGraph: nested || innerDepth || cts.some(tracks), allowUnused: true });
      return gs.map((g, k) => (g ? adopt(g) : zerosLike(leaves[k]!)));
    });
    const shown = isTensor(out) ? (nested ? out : detached(out)) : outs.map((o) => (nested ? o : detached(o)));
    return opts.hasAux ? [shown, vjpFn, aux] : [shown, vjpFn];
  });
}
