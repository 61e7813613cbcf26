// The seam @flint/autograd plugs into: core's Tensor forwards its gradient members here.
import { FlintError } from './errors.js';
import type { Tensor } from './tensor.js';
import { setDisposeHook } from './tensor-base.js';

/** What produced a tensor, as torch's grad_fn: its name and the functions its inputs' gradients flow to. */
export interface GradFn {
  readonly name: string;
  /** One per input: where that input's gradient goes (null for inputs that need none). */
  readonly nextFunctions: readonly (GradFn | null)[];
}

export interface AutogradExtension {
  getRequiresGrad(t: Tensor): boolean;
  setRequiresGrad(t: Tensor, value: boolean): void;
  getGrad(t: Tensor): Tensor | null;
  setGrad(t: Tensor, g: Tensor | null): void;
  getGradFn(t: Tensor): GradFn | null;
  isLeaf(t: Tensor): boolean;
  retainGrad(t: Tensor): void;
  backward(t: Tensor, gradient?: Tensor, options?: { retainGraph?: boolean; createGraph?: boolean }): void;
  registerHook(t: Tensor, fn: (grad: Tensor) => Tensor | void): () => void;
  detach(t: Tensor): Tensor;
  /** The tensor an in-place op should compute from (a copy when the graph saved `target`); may throw. */
  inPlaceSource(op: string, target: Tensor): Tensor;
  /** `target` was overwritten in place with `result` (same shape and dtype); rebase its history. */
  onInPlace(op: string, target: Tensor, result: Tensor): void;
  /** A tensor was disposed: the graph behind it may be freed. */
  onDispose(t: Tensor): void;
}

let ext: AutogradExtension | undefined;
const KEY = Symbol.for('@flint/core.autograd');

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
