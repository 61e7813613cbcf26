// Parameter: a Tensor a Module owns and trains. It shares the storage of the tensor it wraps and is
// kept out of any enclosing scope(), since a module outlives the scope that happened to build it.
import { Tensor, keep } from '@flint/core';
import '@flint/autograd';

/** A tensor that a Module owns and trains: requires grad by default, and lives outside any `scope()`. */
export class Parameter extends Tensor {
  /** Wrap `data`'s storage (no copy); the caller still owns (and may dispose) `data`. */
  constructor(data: Tensor, requiresGrad = true) {
    super(data.storage, data.shape, data.strides, data.offset);
    keep(this);
    if (requiresGrad) this.requiresGrad_(true);
  }
}

/** Make a Parameter from a freshly made tensor and let go of the temporary handle. */
export function param(data: Tensor, requiresGrad = true): Parameter {
  const p = new Parameter(data, requiresGrad);
  data.dispose();
  return p;
}

/** Keep a freshly made buffer tensor alive past the current scope. */
export function buffer(data: Tensor): Tensor {
  return keep(data);
}
