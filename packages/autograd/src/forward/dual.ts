// Dual numbers for forward mode: each jvp opens a level that maps primal tensors to tangents, and a
// dispatch hook computes each op's output tangents from its inputs' with the op's forward rule. While a
// rule runs for a level, that level and the ones inside it are suspended (the rule's own ops are not
// differentiated again at them), while outer levels keep propagating: that is what makes jvp nest.
import { isFloating, keep, zerosLike, type OpCall, type OpHook, type Tensor } from '@flint/core';
import { AutogradError } from '../graph.js';
import { isNondifferentiable } from '../rules/registry.js';
import { ensureForwardRules, getForwardRule, type ForwardContext } from './registry.js';
import { inheritBatch } from '../func/vmap/batched.js';

interface Level { readonly tangents: WeakMap<Tensor, Tensor>; readonly owned: Tensor[] }

const levels: Level[] = [];
/** Levels below this index propagate; rules suspend their own level and the inner ones. */
let live = 0;
/** A saved tensor (a view the tape keeps) stands for the tensor it was saved from. */
const origins = new WeakMap<Tensor, Tensor>();

/** Records that `view` stands for `original` (the tape's saved tensors), so it finds original's tangents. */
export function markOrigin(view: Tensor, original: Tensor): void { origins.set(view, origins.get(original) ?? original); }

function lookup(level: Level, t: Tensor): Tensor | undefined {
  const d = level.tangents.get(t);
  if (d) return d;
  const o = origins.get(t);
  return o ? level.tangents.get(o) : undefined;
}

/** Gives `t` the tangent `d` at level `level`; the level frees it when it closes. */
function attach(level: Level, t: Tensor, d: Tensor): void {
  keep(d);
  level.owned.push(d);
  level.tangents.set(t, d);
}

/** Copies every live tangent of `from` to `to` (a view standing for it). */
export function copyTangents(from: Tensor, to: Tensor): void {
  for (let i = 0; i < live; i++) { const d = lookup(levels[i]!, from); if (d) levels[i]!.tangents.set(to, d); }
}

/** Whether any input carries a tangent at a live level. */
const anyTangent = (inputs: readonly Tensor[]): boolean => {
  for (let i = 0; i < live; i++) if (inputs.some((t) => lookup(levels[i]!, t))) return true;
  return false;
};

/** Matches a tangent to its primal: broadcast to its shape, cast to its dtype. */
function fit(d: Tensor, out: Tensor): Tensor {
  let r = d;
  if (r.ndim !== out.ndim || r.shape.some((s, i) => s !== out.shape[i])) r = r.expand([...out.shape]);
  if (r.dtype !== out.dtype) r = r.to(out.dtype);
  return r;
}

function propagate(call: OpCall, index: number): void {
  const level = levels[index]!;
  const tangents = call.inputs.map((t) => lookup(level, t) ?? null);
  if (!tangents.some(Boolean)) return;
  const outs = call.outputs.filter((o) => isFloating(o.dtype) && !call.inputs.includes(o));
  if (outs.length === 0) return;
  if (call.decomposed && outs.every((o) => level.tangents.has(o))) return;
  const rule = getForwardRule(call.op, call.attrs);
  if (!rule) {
    throw new AutogradError(`${call.op}: no forward-mode (jvp) rule is registered for this op${call.decomposed ? ' and this backend ran it as one fused kernel' : ''}; ` +
      'it can\'t be used inside jvp/jacfwd/hessian; register one with defineForwardRule()');
  }
  const ctx: ForwardContext = { op: call.op, attrs: call.attrs, inputs: call.inputs, outputs: call.outputs, tangent: (i) => tangents[i] ?? null };
  const saved = live;
  live = index;
  let result: (Tensor | null)[];
  try { result = rule.jvp(ctx); } finally { live = saved; }
  call.outputs.forEach((o, i) => {
    const d = result[i];
    if (!d || !outs.includes(o) || level.tangents.has(o)) return;
    let r = fit(d, o);
    // an input's tangent passed through (identity rules) gets its own handle: the level frees what it attaches
    if (tangents.includes(r)) { const v = r.viewAs(r.shape, r.strides, r.offset); copyTangents(r, v); inheritBatch(r, v); r = v; }
    attach(level, o, r);
  });
}

/** The forward-mode dispatch hook: output tangents from input tangents, one live level at a time. */
export const forwardHook: OpHook = {
  recordInside(op, inputs, attrs) {
    return live > 0 && !isNondifferentiable(op) && !getForwardRule(op, attrs) && anyTangent(inputs);
  },
  afterOp(call) {
    if (live === 0 || isNondifferentiable(call.op)) return;
    for (let i = live - 1; i >= 0; i--) propagate(call, i);
  },
};

/** An open forward-mode level, as jvp uses it. */
export interface DualLevel {
  /** Makes `primal` (a fresh alias the caller made) carry `tangent` at this level. */
  dual(primal: Tensor, tangent: Tensor): Tensor;
  /** The tangent `t` carries at this level (zeros when it carries none). */
  tangentOf(t: Tensor): Tensor;
}

/**
 * Runs fn inside a new forward-mode level; the level's tangents are freed when it closes, except the
 * tensors fn's `keepAlive` list names (what fn returns to its caller).
 */
export function withDualLevel<R>(fn: (level: DualLevel) => { result: R; keepAlive: readonly Tensor[] }): R {
  if (live !== levels.length) throw new AutogradError('jvp: a new forward-mode level was opened inside a forward rule; forward rules must not call jvp');
  ensureForwardRules();
  const level: Level = { tangents: new WeakMap(), owned: [] };
  levels.push(level);
  live = levels.length;
  let kept: readonly Tensor[] = [];
  try {
    const api: DualLevel = {
      dual(primal, tangent) {
        level.tangents.set(primal, tangent);
        return primal;
      },
      tangentOf: (t) => lookup(level, t) ?? zerosLike(t),
    };
    const r = fn(api);
    kept = r.keepAlive;
    return r.result;
  } finally {
    levels.pop();
    live = levels.length;
    for (const d of level.owned) if (!kept.includes(d) && !d.isDisposed) d.dispose();
  }
}

/** Called by the tape when an op writes in place: the target takes the result's tangents. */
export function onInPlaceTangent(target: Tensor, src: Tensor): void {
  for (let i = 0; i < live; i++) {
    const level = levels[i]!;
    const d = lookup(level, src);
    if (d) level.tangents.set(target, d);
    else if (level.tangents.has(target)) attach(level, target, zerosLike(target));
  }
}
