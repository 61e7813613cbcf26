// The backward pass: walk the graph from the roots in dependency order, run each node's rule,
// sum gradients per producer, and deliver them to leaves (.grad) or to grad()'s inputs.
import { scope, keep, type Tensor } from '@flint/core';
import type { Edge, Node } from './graph.js';
import { AccumulateGrad, AutogradError, meta } from './graph.js';
import { setGradEnabled } from './mode.js';

export interface BackwardOptions { retainGraph?: boolean; createGraph?: boolean }

interface RunOptions extends BackwardOptions {
  /** grad(): capture these edges' gradients instead of accumulating into leaves. */
  capture?: readonly Edge[];
}

function collect(roots: readonly Edge[]): Map<Node, number> {
  // dependencies: how many edges point at each reachable node
  const deps = new Map<Node, number>();
  const stack: Node[] = [];
  for (const r of roots) if (!deps.has(r.node)) { deps.set(r.node, 0); stack.push(r.node); }
  const seen = new Set<Node>(stack);
  while (stack.length) {
    const n = stack.pop()!;
    for (const e of n.edges) {
      if (!e) continue;
      deps.set(e.node, (deps.get(e.node) ?? 0) + 1);
      if (!seen.has(e.node)) { seen.add(e.node); stack.push(e.node); }
    }
  }
  return deps;
}

const sumGrad = (a: Tensor | null, b: Tensor): Tensor => (a ? a.add(b) : b);

function runHooks(hooks: readonly ((g: Tensor) => Tensor | void)[] | undefined, g: Tensor): Tensor {
  for (const h of hooks ?? []) {
    const r = h(g);
    if (r) {
      if (r.ndim !== g.ndim || r.shape.some((d, i) => d !== g.shape[i])) throw new AutogradError(`hook returned a gradient of shape [${r.shape.join(',')}], expected [${g.shape.join(',')}]`);
      g = r;
    }
  }
  return g;
}

function accumulate(node: AccumulateGrad, g: Tensor, createGraph: boolean, out: Tensor[]): void {
  const leaf = node.leaf;
  if (leaf.isDisposed) return;
  g = runHooks(node.hooks, g);
  const m = meta(leaf);
  if (m.grad === null || m.grad.isDisposed) {
    m.grad = createGraph ? g : g.detach().clone();
    out.push(m.grad);
  } else if (createGraph) {
    m.grad = m.grad.add(g);
    out.push(m.grad);
  } else {
    setGradEnabled(false, () => m.grad!.add_(g));
  }
  for (const h of [...node.postHooks]) h(leaf);
}

/** Returns the captured gradients (for grad()), in the order of `opts.capture`. */
export function runBackward(roots: readonly { edge: Edge; grad: Tensor }[], opts: RunOptions): (Tensor | null)[] {
  const createGraph = opts.createGraph ?? false;
  const retainGraph = opts.retainGraph ?? createGraph;
  const captured = scope(() => {
    const deps = collect(roots.map((r) => r.edge));
    const buffers = new Map<Node, (Tensor | null)[]>();
    // Without createGraph, a gradient is freed as soon as the last buffer slot holding it is consumed (as
    // PyTorch's reference counts free it), and each rule's temporaries when the rule returns: the backward
    // pass's peak memory is then the live gradients, not every gradient and temporary it ever made.
    const early = !createGraph && !retainGraph, uses = new Map<Tensor, number>(), pinned = new Set<Tensor>(roots.map((r) => r.grad));
    const hold = (t: Tensor): void => { uses.set(t, (uses.get(t) ?? 0) + 1); };
    const drop = (t: Tensor | null | undefined): void => {
      if (!t || !early) return;
      const n = (uses.get(t) ?? 0) - 1;
      if (n > 0) { uses.set(t, n); return; }
      uses.delete(t);
      if (!pinned.has(t) && !t.isDisposed) t.dispose();
    };
    const add = (e: Edge, g: Tensor): void => {
      let b = buffers.get(e.node);
      if (!b) buffers.set(e.node, (b = []));
      const old = b[e.nr] ?? null, sum = sumGrad(old, g);
      hold(sum);
      if (sum !== g) hold(g);
      b[e.nr] = sum;
      if (old) { drop(old); drop(g); }
    };
    for (const r of roots) add(r.edge, r.grad);
    const capture = new Map<string, number>();
    opts.capture?.forEach((e, i) => capture.set(keyOf(e), i));
    const results: (Tensor | null)[] = (opts.capture ?? []).map(() => null);
    const newGrads: Tensor[] = [];
    const ready: Node[] = [...deps.keys()].filter((n) => deps.get(n) === 0);
    setGradEnabled(createGraph, () => {
      while (ready.length) {
        const node = ready.pop()!;
        const grads = buffers.get(node) ?? [];
        buffers.delete(node);
        const incoming = [...grads];
        for (let nr = 0; nr < grads.length; nr++) {
          let g = grads[nr];
          if (!g) continue;
          // a hook may keep the gradient it was given
          if (node.preHooks.get(nr)?.length) pinned.add(g);
          g = grads[nr] = runHooks(node.preHooks.get(nr), g);
          if (g !== incoming[nr]) { hold(g); incoming.push(g); }
          const retained = node.retained.get(nr);
          if (retained && !retained.isDisposed) { meta(retained).grad = createGraph ? g : g.detach().clone(); newGrads.push(meta(retained).grad!); }
          const slot = capture.get(keyOf({ node, nr }));
          if (slot !== undefined) { results[slot] = g; pinned.add(g); }
        }
        if (node instanceof AccumulateGrad) {
          if (node.hooks.length && grads[0]) pinned.add(grads[0]);
          if (!opts.capture && grads[0]) accumulate(node, grads[0], createGraph, newGrads);
        } else if (grads.some((g) => g)) {
          // the rule's temporaries end with it (only what it returns survives)
          const inGrads = early ? scope(() => node.apply(grads)) : node.apply(grads);
          node.edges.forEach((e, i) => {
            const g = inGrads[i];
            if (e && g) add(e, g);
          });
          // a returned gradient no edge takes (an input that needs none) is garbage unless it is an incoming one
          for (const g of inGrads) if (g && early && !uses.has(g) && !incoming.includes(g) && !pinned.has(g) && !g.isDisposed) g.dispose();
        }
        for (const g of incoming) drop(g);
        if (!retainGraph) node.releaseSaved();
        for (const e of node.edges) {
          if (!e) continue;
          const left = deps.get(e.node)! - 1;
          deps.set(e.node, left);
          if (left === 0) ready.push(e.node);
        }
      }
    });
    return { results, newGrads };
  });
  for (const g of captured.newGrads) keep(g);
  for (const g of captured.results) if (g) keep(g);
  return captured.results;
}

const ids = new WeakMap<Node, number>();
let nextId = 0;
function keyOf(e: Edge): string {
  let id = ids.get(e.node);
  if (id === undefined) ids.set(e.node, (id = nextId++));
  return `${id}:${e.nr}`;
}
