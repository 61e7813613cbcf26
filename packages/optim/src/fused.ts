// Calling a backend's fused optimizer kernel ('sgdStep', 'adamStep'; contracts in
// @flint/backend-cpu's kernels/optim.ts) when it has one and the tensors suit it.
import type { KernelAttrs, KernelTensor } from '@flint/core';
import type { Tensor } from '@flint/core';

const view = (t: Tensor): KernelTensor => ({ buffer: t.storage.buffer, dtype: t.dtype, shape: t.shape, strides: t.strides, offset: t.offset });

/**
 * Run `op` on [param, grad, ...state], updating param and state in place, and return true; or return false
 * (the caller composes ops) when the backend lacks the kernel or the tensors are not contiguous views of
 * one dtype starting at offset 0. Runs inside the caller's scope (a non-contiguous grad is copied).
 */
export function fusedStep(op: 'sgdStep' | 'adamStep', param: Tensor, grad: Tensor, state: readonly Tensor[], attrs: KernelAttrs): boolean {
  const backend = param.storage.backend;
  const kernel = backend.kernels[op];
  if (!kernel || !backend.dtypes[param.dtype]?.arithmetic) return false;
  const written = [param, ...state];
  if (grad.dtype !== param.dtype || grad.device !== param.device) return false;
  for (const t of written) {
    if (t.dtype !== param.dtype || t.device !== param.device || t.offset !== 0 || !t.isContiguous()) return false;
  }
  const g = grad.isContiguous() ? grad : grad.contiguous();
  kernel([view(param), view(g), ...state.map(view)], [], attrs);
  // in-place writes: autograd checks versions of tensors it saved
  for (const t of written) t.storage.version++;
  return true;
}
