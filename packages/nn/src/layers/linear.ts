// Linear, Identity and Flatten.
import { checkOptions, linear, type Tensor, zeros } from '@flint/core';
import { resetLinearLike } from '../init.js';
import { Module, inputError, pyBool } from '../module.js';
import { param, type Parameter } from '../parameter.js';

/**
 * Options of {@link Linear}.
 * @property bias - whether the layer adds a learnable bias (default true)
 * @property device - device of the parameters (default: the default device)
 * @property dtype - dtype of the parameters (default float32)
 */
export interface LinearOptions { bias?: boolean; device?: string; dtype?: 'float32' | 'float64' }

/** y = x Wᵀ + b, with W of shape [outFeatures, inFeatures]. */
export class Linear extends Module {
  /** The weight, [outFeatures, inFeatures]. */
  weight: Parameter;
  /** The bias, [outFeatures], or null. */
  bias: Parameter | null;
  /**
   * @param inFeatures - the size of each input sample
   * @param outFeatures - the size of each output sample
   */
  constructor(readonly inFeatures: number, readonly outFeatures: number, o: LinearOptions = {}) {
    checkOptions('Linear', o, ['bias', 'device', 'dtype']);
    const { bias = true, device, dtype } = o;
    super();
    this.weight = param(zeros([outFeatures, inFeatures], { device, dtype }));
    this.bias = bias ? param(zeros([outFeatures], { device, dtype })) : null;
    this.resetParameters();
  }
  /** Reinitialises weight and bias as torch does: U(-1/sqrt(inFeatures), 1/sqrt(inFeatures)). */
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
  /**
   * @param startDim - the first dim to flatten (default 1)
   * @param endDim - the last dim to flatten (default -1)
   */
  constructor(readonly startDim = 1, readonly endDim = -1) { super(); }
  override forward(x: Tensor): Tensor { return x.flatten(this.startDim, this.endDim); }
  override extraRepr(): string { return `start_dim=${this.startDim}, end_dim=${this.endDim}`; }
}
