// The tape: per-tensor autograd state, graph nodes, saved tensors, and node lifetimes.
// A node lives while a tensor it produced is alive or a later node points at it; when neither holds,
// its saved tensors are released (the dispose-based analogue of PyTorch's reference counting).
import { FlintError, keep, type OpName, type Tensor } from '@flint/core';
import type { GradContext, GradRule, InputInfo } from './rules/registry.js';
import { markOrigin } from './forward/dual.js';
import { inheritBatch } from './func/vmap/batched.js';

export interface Edge { node: Node; nr: number }

/**
 * Thrown for misuse of autograd: backward through a freed graph, a tensor that does not require grad, a missing rule.
 */
export class AutogradError extends FlintError {}

export abstract class Node {
  /** Live tensors produced by this node plus nodes that point at it. */
  refs = 0;
  /** Saved tensors released (after backward without retainGraph, or when unreferenced). */
  freed = false;
  readonly preHooks = new Map<number, ((g: Tensor) => Tensor | void)[]>();
  readonly retained = new Map<number, Tensor>();
  constructor(readonly name: string, readonly edges: readonly (Edge | null)[]) {
    for (const e of edges) if (e) e.node.refs++;
  }
  abstract apply(grads: (Tensor | null)[]): (Tensor | null)[];
  releaseSaved(): void { this.freed = true; }
  /**
   * Drop one reference; free this node (and, transitively, its inputs) when none are left. A loop, not
   * recursion: the graph of a long unrolled computation is millions of nodes deep.
   */
  unref(): void {
    const pending: Node[] = [this];
    for (let n = pending.pop(); n; n = pending.pop()) {
      if (--n.refs > 0 || !n.freesInputs) continue;
      n.releaseSaved();
      for (const e of n.edges) if (e) pending.push(e.node);
    }
  }
  /** Whether an unreferenced node frees its saved tensors and lets go of its inputs (not for a leaf's accumulator). */
  protected get freesInputs(): boolean { return true; }
}

interface SavedTensor { view: Tensor; version: number }

/**
 * A saved tensor: a view of the same storage, kept out of scopes, that stands for the original in the
 * graph (a weak edge, no reference count: the node that saved it keeps its producers alive), so a
 * backward recorded with createGraph reaches the original's history.
 */
export function savedView(t: Tensor): Tensor {
  const v = keep(t.viewAs(t.shape, t.strides, t.offset));
  const e = edgeOf(t);
  if (e) meta(v).edge = e;
  markOrigin(v, t);
  inheritBatch(t, v);
  return v;
}

/** A node for one recorded op, backed by its gradient rule. */
export class OpNode extends Node {
  private saved: SavedTensor[] = [];
  constructor(
    readonly op: OpName,
    readonly rule: GradRule,
    readonly attrs: Readonly<Record<string, unknown>>,
    readonly inputs: readonly InputInfo[],
    readonly outputs: readonly InputInfo[],
    readonly needs: readonly boolean[],
    edges: readonly (Edge | null)[],
  ) {
    super(`${op[0]!.toUpperCase()}${op.slice(1)}Backward`, edges);
  }

  /** Keep what backward needs; call after the outputs point at this node, so saved outputs do too. */
  save(tensors: readonly Tensor[]): void {
    // a saved tensor is a view of the same storage, kept out of scopes; the version detects in-place edits
    this.saved = tensors.map((t) => ({ view: savedView(t), version: t.storage.version }));
  }

  apply(grads: (Tensor | null)[]): (Tensor | null)[] {
    if (this.freed) {
      throw new AutogradError(`${this.name}: trying to backward through the graph a second time (or its saved tensors were already freed); ` +
        `pass { retainGraph: true } to the first backward() or grad() if you need to backward twice`);
    }
    const ctx: GradContext = {
      op: this.op, attrs: this.attrs, inputs: this.inputs, outputs: this.outputs,
      needsGrad: (i) => this.needs[i] ?? false,
      saved: (i) => {
        const s = this.saved[i]!;
        if (s.view.storage.version !== s.version) {
          throw new AutogradError(`${this.name}: one of the tensors saved for the gradient (shape [${s.view.shape.join(',')}], ${s.view.dtype}) ` +
            `was modified by an in-place operation after '${this.op}' used it (version ${s.version} -> ${s.view.storage.version}); ` +
            `use the out-of-place op, or clone() the tensor before modifying it`);
        }
        return s.view;
      },
    };
    return this.rule.backward(ctx, grads);
  }

  override releaseSaved(): void {
    if (this.freed) return;
    super.releaseSaved();
    for (const s of this.saved) s.view.dispose();
    this.saved = [];
  }
}

/** Accumulates into a leaf's .grad. */
export class AccumulateGrad extends Node {
  readonly hooks: ((g: Tensor) => Tensor | void)[] = [];
  /** Called with the leaf after each accumulation into its .grad (registerPostAccumulateGradHook). */
  readonly postHooks: ((leaf: Tensor) => void)[] = [];
  constructor(readonly leaf: Tensor) { super('AccumulateGrad', []); }
  apply(): (Tensor | null)[] { return []; }
  protected override get freesInputs(): boolean { return false; }
}

/** A node whose backward is a plain function (custom Functions, in-place on views). */
export class FnNode extends Node {
  constructor(name: string, edges: readonly (Edge | null)[], private fn: (grads: (Tensor | null)[]) => (Tensor | null)[], private onRelease?: () => void) {
    super(name, edges);
  }
  apply(grads: (Tensor | null)[]): (Tensor | null)[] {
    if (this.freed) throw new AutogradError(`${this.name}: trying to backward through the graph a second time; pass { retainGraph: true } to the first backward()`);
    return this.fn(grads);
  }
  override releaseSaved(): void {
    if (this.freed) return;
    super.releaseSaved();
    this.onRelease?.();
  }
}

/** Per-tensor autograd state, kept in Tensor._ag. */
export interface Meta {
  /** Leaf flag: the user asked for gradients of this tensor. */
  requiresGrad: boolean;
  grad: Tensor | null;
  gradFn: Node | null;
  outputNr: number;
  accumulator?: AccumulateGrad;
  retainsGrad: boolean;
  /** For views recorded while tracking: the tensor whose storage they view. */
  base?: Tensor;
  /** For saved tensors: the edge of the tensor they stand for. */
  edge?: Edge;
}

export function meta(t: Tensor): Meta {
  let m = t._ag as Meta | undefined;
  if (!m) t._ag = m = { requiresGrad: false, grad: null, gradFn: null, outputNr: 0, retainsGrad: false };
  return m;
}
export const peekMeta = (t: Tensor): Meta | undefined => t._ag as Meta | undefined;

/** Whether t takes part in the graph (a leaf that requires grad, or a result of recorded ops). */
export function tracks(t: Tensor): boolean {
  const m = peekMeta(t);
  return !!m && (m.requiresGrad || m.gradFn !== null || m.edge !== undefined);
}

/** The edge a gradient for t flows along. */
export function edgeOf(t: Tensor): Edge | null {
  const m = peekMeta(t);
  if (!m) return null;
  if (m.edge) return m.edge;
  if (m.gradFn) return { node: m.gradFn, nr: m.outputNr };
  if (m.requiresGrad) {
    m.accumulator ??= new AccumulateGrad(t);
    return { node: m.accumulator, nr: 0 };
  }
  return null;
}

/** Point t at a new producer, keeping node reference counts right. */
export function setGradFn(t: Tensor, node: Node | null, nr: number): void {
  const m = meta(t);
  if (node) node.refs++;
  const old = m.gradFn;
  m.gradFn = node;
  m.outputNr = nr;
  old?.unref();
}
