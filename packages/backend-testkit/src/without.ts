// One backend, fewer kernels: the same backend with some (or the whole optional tier) taken out, so every
// op that would use them takes core's composite path. For tests of composites and fallbacks.
import type { Backend, KernelName } from '@flint/core';
import { OPTIONAL_KERNELS } from '@flint/core';

/** `factory`'s backend without the kernels in `drop` ('optional': every optional kernel), named `name`. */
export function withoutKernels(factory: () => Backend, drop: 'optional' | readonly KernelName[], name?: string): () => Backend {
  const gone = new Set<string>(drop === 'optional' ? OPTIONAL_KERNELS : drop);
  return () => {
    const b = factory();
    return { ...b, name: name ?? b.name, kernels: Object.fromEntries(Object.entries(b.kernels).filter(([k]) => !gone.has(k))) };
  };
}
