// The dispatch hook that records the graph as ops run, and the extension core forwards Tensor's
// gradient members to.
import { DTypeError, ShapeError, checkOptions, full, isFloating, keep, stridedOffsets, tensor, zeros, type AutogradExtension, type GradFn, type OpCall, type OpHook, type Tensor } from '@flint/core';
import { runBackward } from './engine.js';
import type { Edge } from './graph.js';
import { AutogradError, FnNode, OpNode, edgeOf, meta, peekMeta, setGradFn, tracks, type Node } from './graph.js';
import { isGradEnabled, setGradEnabled } from './mode.js';
import { getRule, isNondifferentiable } from './rules/registry.js';
import { onInPlaceTangent } from './forward/dual.js';
import { disposePhysicals, inheritBatch, onInPlaceBatched } from './func/vmap/batched.js';

const VIEW_OPS = new Set(['reshape', 'view', 'permute', 'transpose', 't', 'unsqueeze', 'squeeze', 'expand', 'narrow', 'select', 'split', 'index']);
const info = (t: Tensor) => ({ shape: t.shape, dtype: t.dtype, device: t.device });

export const tapeHook: OpHook = {
  recordInside(op, inputs, attrs) {
    return isGradEnabled() && !getRule(op, attrs) && !isNondifferentiable(op) && inputs.some(tracks);
  },
  afterOp(call: OpCall) {
    if (!isGradEnabled() || isNondifferentiable(call.op)) return;
    const needs = call.inputs.map(tracks);
    if (!needs.some(Boolean)) return;
    if (call.decomposed) return guardDecomposed(call, needs);
    const rule = getRule(call.op, call.attrs);
    if (!rule) throw new AutogradError(`${call.op}: no gradient rule is registered for this op; it can't be used on tensors that require grad`);
    const outs = call.outputs.filter((o) => isFloating(o.dtype) && !call.inputs.includes(o));
    if (outs.length === 0) return;
    const node = new OpNode(call.op, rule, call.attrs, call.inputs.map(info), call.outputs.map(info), needs,
      call.inputs.map((t, i) => (needs[i] ? edgeOf(t) : null)));
    call.outputs.forEach((o, i) => {
      if (!outs.includes(o)) return;
      setGradFn(o, node, i);
      if (VIEW_OPS.has(call.op) && o.storage === call.inputs[0]!.storage) meta(o).base = peekMeta(call.inputs[0]!)?.base ?? call.inputs[0]!;
    });
    node.save(rule.save?.(call) ?? []);
  },
};

/**
 * An op differentiated through its parts must have produced graph-connected outputs; one that ran a
 * backend kernel directly did not, so its outputs get a node that fails loudly at backward time
 * instead of silently giving no gradient.
 */
function guardDecomposed(call: OpCall, needs: boolean[]): void {
  const loose = call.outputs.filter((o) => isFloating(o.dtype) && !call.inputs.includes(o) && !tracks(o));
  if (loose.length === 0) return;
  const node = new FnNode(`${call.op}Backward`, call.inputs.map((t, i) => (needs[i] ? edgeOf(t) : null)), () => {
    throw new AutogradError(`${call.op}: the derivative is not implemented (no gradient rule, and this backend computed it with a fused kernel); ` +
      'compute it from differentiable ops, or register a rule with defineRule()');
  });
  loose.forEach((o) => setGradFn(o, node, call.outputs.indexOf(o)));
}

/** Accumulates the gradient of `t` into the `.grad` of the leaves it depends on (what `t.backward()` calls). */
export function backward(t: Tensor, gradient?: Tensor, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
  checkOptions('backward', opts, ['retainGraph', 'createGraph']);
  const edge = edgeOf(t);
  if (!edge) throw new AutogradError(`backward: the tensor (shape [${t.shape.join(',')}]) does not require grad and has no gradFn; call requiresGrad_() on the inputs you want gradients for`);
  if (!gradient && t.numel() !== 1) throw new AutogradError(`backward: grad can be implicitly created only for scalar outputs, got shape [${t.shape.join(',')}]; pass a gradient of the same shape`);
  // the seed is one tensor (a reshape of tensor(1) would leave its base alive after g.dispose())
  const g = gradient ?? setGradEnabled(false, () => full(t.shape, 1, { dtype: t.dtype, device: t.device }));
  if (gradient && (gradient.ndim !== t.ndim || gradient.shape.some((d, i) => d !== t.shape[i]))) {
    throw new ShapeError(`backward: gradient shape [${gradient.shape.join(',')}] doesn't match the output's [${t.shape.join(',')}]`);
  }
  runBackward([{ edge, grad: g }], opts);
  if (!gradient) g.dispose();
}

/** Index of every element of `view` within `base`'s row-major order (both view one storage). */
function viewIndex(base: Tensor, view: Tensor): number[] {
  const pos = new Map<number, number>();
  stridedOffsets(base.shape, base.strides, base.offset).forEach((o, k) => pos.set(o, k));
  return Array.from(stridedOffsets(view.shape, view.strides, view.offset), (o) => {
    const k = pos.get(o);
    if (k === undefined) throw new AutogradError('in-place on a view: the view reaches outside its base tensor');
    return k;
  });
}

const views = new WeakMap<Node, GradFn>();
/** The public face of a graph node (a name and where gradients go next), not the node itself. */
function publicNode(n: Node): GradFn {
  let v = views.get(n);
  if (!v) {
    v = Object.freeze({ name: n.name, get nextFunctions() { return n.edges.map((e) => (e ? publicNode(e.node) : null)); } });
    views.set(n, v);
  }
  return v;
}

export const extension: AutogradExtension = {
  getRequiresGrad: tracks,
  isGradEnabled,
  setRequiresGrad(t, v) {
    const m = meta(t);
    if (m.gradFn) {
      if (!v) throw new AutogradError(`requiresGrad: you can only change the flag of leaf tensors; use detach() to cut a result ('${m.gradFn.name}') from the graph`);
      return;
    }
    if (v && !isFloating(t.dtype)) throw new DTypeError(`requiresGrad: only floating-point tensors can require gradients, got ${t.dtype}`);
    m.requiresGrad = v;
  },
  getGrad: (t) => peekMeta(t)?.grad ?? null,
  setGrad(t, g) {
    if (g && (g.ndim !== t.ndim || g.shape.some((d, i) => d !== t.shape[i]))) throw new ShapeError(`grad: assigned grad of shape [${g.shape.join(',')}] to a tensor of shape [${t.shape.join(',')}]`);
    const m = meta(t);
    // the gradient belongs to its tensor: replacing it (or setting null, as zeroGrad does) frees the old one
    const old = m.grad;
    m.grad = g ? keep(g) : null;
    if (old && old !== g && !old.isDisposed) old.dispose();
  },
  getGradFn: (t) => { const n = peekMeta(t)?.gradFn; return n ? publicNode(n) : null; },
  isLeaf: (t) => !peekMeta(t)?.gradFn,
  retainGrad(t) {
    const m = meta(t);
    if (!m.gradFn) { if (!m.requiresGrad) throw new AutogradError("retainGrad: can't retain the gradient of a tensor that doesn't require grad"); return; }
    m.retainsGrad = true;
    m.gradFn.retained.set(m.outputNr, t);
  },
  backward,
  registerHook(t, fn) {
    const edge = edgeOf(t);
    if (!edge) throw new AutogradError("registerHook: can't register a hook on a tensor that doesn't require grad");
    const list = 'leaf' in edge.node ? (edge.node as unknown as { hooks: typeof fn[] }).hooks : (edge.node.preHooks.get(edge.nr) ?? (edge.node.preHooks.set(edge.nr, []), edge.node.preHooks.get(edge.nr)!));
    list.push(fn);
    return () => { const i = list.indexOf(fn); if (i >= 0) list.splice(i, 1); };
  },
  detach: (t) => { const v = t.viewAs(t.shape, t.strides, t.offset); inheritBatch(t, v); return v; },
  inPlaceSource(op, target) {
    if (!isGradEnabled() || !tracks(target)) return target;
    const m = meta(target);
    if (!m.gradFn) throw new AutogradError(`${op}: a leaf tensor that requires grad is being used in an in-place operation; wrap the update in noGrad(), or work on a clone()`);
    if (m.base && !peekMeta(m.base)?.gradFn && tracks(m.base)) throw new AutogradError(`${op}: a view of a leaf tensor that requires grad is being used in an in-place operation; use noGrad() or clone() the leaf first`);
    return target.clone();
  },
  onInPlace(op, target, src) {
    onInPlaceBatched(target, src);
    onInPlaceTangent(target, src);
    if (!isGradEnabled()) return;
    const srcEdge = edgeOf(src);
    const m = meta(target);
    const base = m.base;
    if (!base || base.isDisposed) {
      if (srcEdge || m.gradFn) setGradFn(target, srcEdge?.node ?? null, srcEdge?.nr ?? 0);
      return;
    }
    // In place on a view: the base's new value is its old value with the view's region replaced.
    if (!srcEdge && !tracks(base)) return;
    const idx = viewIndex(base, target);
    const oldEdge = edgeOf(base);
    const baseShape = base.shape, viewShape = target.shape, device = base.device;
    const index = keep(tensor(idx, { dtype: 'int32', device }));
    const node = new FnNode(`CopySlices(${op})`, [oldEdge, srcEdge], ([g]) => {
      if (!g) return [null, null];
      const flat = g.reshape(-1);
      const toSrc = flat.gather(0, index).reshape(viewShape);
      // the old base gets g with the view's region taken out (the view's elements are distinct)
      const toBase = flat.scatterAdd(0, index, toSrc.reshape(-1).neg()).reshape(baseShape);
      return [toBase, toSrc];
    }, () => index.dispose());
    setGradFn(base, node, 0);
    const viewNode = new FnNode('AsStridedBackward', [{ node, nr: 0 }], ([g]) => {
      if (!g) return [null];
      const src = g.reshape(-1);
      return [zeros([baseShape.reduce((a, b) => a * b, 1)], { dtype: g.dtype, device }).scatterAdd(0, index, src).reshape(baseShape)];
    });
    setGradFn(target, viewNode, 0);
  },
  onDispose(t) {
    disposePhysicals(t);
    const m = peekMeta(t);
    if (!m) return;
    if (m.gradFn) { const n = m.gradFn; m.gradFn = null; n.unref(); }
    if (m.grad && !m.grad.isDisposed) m.grad.dispose();
    m.grad = null;
  },
};

export type { Edge };
