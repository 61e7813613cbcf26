// The optional @flint/autograd peer: gradient checks run only where it can be imported. Importing it installs
// the tape for the whole process, so it is loaded only when gradient checks are on.
import type { Tensor } from '@flint/core';

/** The part of @flint/autograd the testkit uses (typed here so the testkit's types don't need the package). */
export interface AutogradApi {
  /** `@flint/autograd`'s `grad`: gradients of outputs with respect to inputs. */
  grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], opts?: { allowUnused?: boolean }): (Tensor | null)[];
  /** `@flint/autograd`'s `gradcheck`: analytic gradients against finite differences. */
  gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts?: { raiseException?: boolean }): Promise<{ ok: boolean; maxError: number; report: string }>;
}

/** What {@link loadAutograd} resolves to: the API, or the reason it could not be imported. */
export type AutogradLoad = { api: AutogradApi; reason?: undefined } | { api?: undefined; reason: string };

let loading: Promise<AutogradLoad> | undefined;

/** @flint/autograd, or why it can't be used (not installed, or it failed to load). */
export function loadAutograd(): Promise<AutogradLoad> {
  loading ??= import('@flint/autograd').then(
    (m): AutogradLoad => ({ api: m as unknown as AutogradApi }),
    (e: unknown): AutogradLoad => {
      const code = (e as { code?: string } | null)?.code;
      if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return { reason: '@flint/autograd is not installed' };
      return { reason: `@flint/autograd failed to load: ${e instanceof Error ? e.message : String(e)}` };
    },
  );
  return loading;
}
