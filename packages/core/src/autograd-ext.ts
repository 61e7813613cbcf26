// The seam @flint/autograd plugs into: core's Tensor forwards its gradient members here.
import { FlintError } from './errors.js';
import type { Tensor } from './tensor.js';
import { setDisposeHook } from './tensor-base.js';

/** What produced a tensor, as torch's grad_fn: its name and the functions its inputs' gradients flow to. */
export interface GradFn {
  /** The node's name, as torch's: `AddBackward0`, `MmBackward0`, `AccumulateGrad`. */
  readonly name: string;
  /** One per input: where that input's gradient goes (null for inputs that need none). */
  readonly nextFunctions: readonly (GradFn | null)[];
}

/** What `@flint/autograd` provides to core: Tensor's gradient members forward here (see {@link installAutograd}). */
export interface AutogradExtension {
  /** `t.requiresGrad`. */
  getRequiresGrad(t: Tensor): boolean;
  /** `t.requiresGrad = value`. */
  setRequiresGrad(t: Tensor, value: boolean): void;
  /** `t.grad`. */
  getGrad(t: Tensor): Tensor | null;
  /** `t.grad = g`. */
  setGrad(t: Tensor, g: Tensor | null): void;
  /** `t.gradFn`. */
  getGradFn(t: Tensor): GradFn | null;
  /** `t.isLeaf`. */
  isLeaf(t: Tensor): boolean;
  /** `t.retainGrad()`. */
  retainGrad(t: Tensor): void;
  /** `t.backward(gradient, options)`. */
  backward(t: Tensor, gradient?: Tensor, options?: { retainGraph?: boolean; createGraph?: boolean }): void;
  /** `t.registerHook(fn)`; returns the function that removes the hook. */
  registerHook(t: Tensor, fn: (grad: Tensor) => Tensor | void): () => void;
  /** `t.detach()`. */
  detach(t: Tensor): Tensor;
  /** The tensor an in-place op should compute from (a copy when the graph saved `target`); may throw. */
  inPlaceSource(op: string, target: Tensor): Tensor;
  /** `target` was overwritten in place with `result` (same shape and dtype); rebase its history. */
  onInPlace(op: string, target: Tensor, result: Tensor): void;
  /** A tensor was disposed: the graph behind it may be freed. */
  onDispose(t: Tensor): void;
  /** Whether grad mode is on (ops on tensors that require grad are recorded); extensions before contract 2.2 lack it. */
  isGradEnabled?(): boolean;
}

let ext: AutogradExtension | undefined;
const KEY = Symbol.for('@flint/core.autograd');

/** Installs the autograd implementation Tensor's gradient members use (called by `@flint/autograd` when imported). */
export function installAutograd(e: AutogradExtension): void {
  ext = e;
  setDisposeHook((t) => e.onDispose(t as Tensor));
  (globalThis as unknown as Record<symbol, AutogradExtension>)[KEY] = e;
}

export function autograd(member: string): AutogradExtension {
  const e = ext ?? (globalThis as unknown as Record<symbol, AutogradExtension | undefined>)[KEY];
  if (!e) throw new FlintError(`Tensor.${member} needs automatic differentiation: install @flint/autograd and import it once ('import "@flint/autograd"')`);
  return e;
}

/** The extension if installed (core itself never requires it). */
export const autogradIfInstalled = (): AutogradExtension | undefined =>
  ext ?? (globalThis as unknown as Record<symbol, AutogradExtension | undefined>)[KEY];

/**
 * Whether autograd will record an op on these inputs (grad mode on and one of them requires grad), so an op
 * can keep what its gradient rule reads (a fused kernel's workspace) only when a gradient can be asked for.
 */
export function gradWillRecord(inputs: readonly Tensor[]): boolean {
  const e = autogradIfInstalled();
  if (!e) return false;
  if (e.isGradEnabled && !e.isGradEnabled()) return false;
  return inputs.some((t) => e.getRequiresGrad(t));
}
