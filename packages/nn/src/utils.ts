// torch.nn.utils: gradient clipping and flattening parameters to one vector.
import { assertAsync, cat, checkOptions, scope, stack, type Tensor, tensor } from '@flint/core';
import { noGrad } from '@flint/autograd';

const withGrad = (ps: Iterable<Tensor>): Tensor[] => [...ps].filter((p) => p.grad);

/**
 * Scale gradients so their joint `normType`-norm is at most maxNorm; returns that total norm (before
 * clipping) as a 0-d tensor the caller owns.
 */
export function clipGradNorm_(parameters: Iterable<Tensor> | Tensor, maxNorm: number, normType = 2, o: { errorIfNonfinite?: boolean } = {}): Tensor {
  checkOptions('clipGradNorm_', o, ['errorIfNonfinite']);
  const { errorIfNonfinite = false } = o;
  const ps = withGrad(parameters instanceof Object && Symbol.iterator in parameters ? (parameters as Iterable<Tensor>) : [parameters as Tensor]);
  if (!ps.length) return tensor(0);
  return noGrad(() => scope(() => {
    const grads = ps.map((p) => p.grad!);
    const norms = grads.map((g) => (normType === Infinity ? g.abs().amax() : g.abs().pow(normType).sum().pow(1 / normType)));
    const all = stack(norms);
    const total = normType === Infinity ? all.amax() : all.pow(normType).sum().pow(1 / normType);
    if (errorIfNonfinite) {
      // immediate where the device reads synchronously; on an asynchronous one, raised at its next read
      assertAsync(total.eq(total).logicalAnd(total.abs().ne(Infinity)), () =>
        new Error(`clipGradNorm_: the total norm of order ${normType} of the gradients is non-finite; set errorIfNonfinite: false to clip anyway`));
    }
    const coef = total.add(1e-6).reciprocal().mul(maxNorm).clamp(null, 1);
    for (const g of grads) g.mul_(coef);
    return total;
  }));
}

/** Clamp every gradient to [-clipValue, clipValue] in place. */
export function clipGradValue_(parameters: Iterable<Tensor> | Tensor, clipValue: number): void {
  const ps = withGrad(parameters instanceof Object && Symbol.iterator in parameters ? (parameters as Iterable<Tensor>) : [parameters as Tensor]);
  noGrad(() => { for (const p of ps) p.grad!.clamp_(-clipValue, clipValue); });
}

/** All parameters flattened into one 1-d tensor (a copy). */
export function parametersToVector(parameters: Iterable<Tensor>): Tensor {
  const ps = [...parameters];
  return scope(() => cat(ps.map((p) => p.reshape([-1])), 0));
}

/** Copy consecutive slices of `vec` into the parameters, in place. */
export function vectorToParameters(vec: Tensor, parameters: Iterable<Tensor>): void {
  const ps = [...parameters], total = ps.reduce((n, p) => n + p.numel(), 0);
  if (vec.ndim !== 1 || vec.shape[0] !== total) throw new Error(`vectorToParameters: expected a 1-d vector of ${total} elements, got shape [${vec.shape.join(', ')}]`);
  noGrad(() => scope(() => {
    let at = 0;
    for (const p of ps) { p.copy_(vec.narrow(0, at, p.numel()).reshape([...p.shape])); at += p.numel(); }
  }));
}
