// Linear, Identity and Flatten.
import { linear, zeros, type Tensor } from '@flint/core';
import { resetLinearLike } from '../init.js';
import { Module, inputError, pyBool } from '../module.js';
import { param, type Parameter } from '../parameter.js';

export interface LinearOptions { bias?: boolean; device?: string; dtype?: 'float32' | 'float64' }

/** y = x Wᵀ + b, with W of shape [outFeatures, inFeatures]. */
export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, { bias = true, device, dtype }: LinearOptions = {}) {
    super();
    this.weight = param(zeros([outFeatures, inFeatures], { device, dtype }));
    this.bias = bias ? param(zeros([outFeatures], { device, dtype })) : null;
    this.resetParameters();
  }
  resetParameters(): void { resetLinearLike(this.weight, this.bias); }
  override forward(x: Tensor): Tensor {
    if (x.ndim < 1 || x.shape[x.ndim - 1] !== this.inFeatures) throw inputError(this, `[..., ${this.inFeatures}]`, x.shape);
    return linear(x, this.weight, this.bias);
  }
  override extraRepr(): string { return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`; }
}

/** Returns its input unchanged (a placeholder layer). */
export class Identity extends Module {
  override forward(x: Tensor): Tensor { return x; }
}

/** Flattens dims startDim..endDim (default: all but the batch dim). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) { super(); }
  override forward(x: Tensor): Tensor { return x.flatten(this.startDim, this.endDim); }
  override extraRepr(): string { return `start_dim=${this.startDim}, end_dim=${this.endDim}`; }
}
