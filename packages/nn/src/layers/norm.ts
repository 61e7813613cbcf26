// Normalization layers: BatchNorm1d/2d (running statistics as buffers), LayerNorm and GroupNorm.
import { batchNorm, layerNorm, ones, scope, zeros, type Tensor } from '@flint/core';
import { noGrad } from '@flint/autograd';
import { Module, inputError, pyBool, pyFloat, pyTuple } from '../module.js';
import { buffer, param, type Parameter } from '../parameter.js';

export interface BatchNormOptions {
  eps?: number;
  /** null: a cumulative moving average (1 / numBatchesTracked). */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
  device?: string;
  dtype?: 'float32' | 'float64';
}

abstract class BatchNormBase extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  constructor(readonly numFeatures: number, opts: BatchNormOptions = {}) {
    super();
    const { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true, device, dtype } = opts;
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.trackRunningStats = trackRunningStats;
    const like = { device, dtype };
    this.weight = affine ? param(ones([numFeatures], like)) : null;
    this.bias = affine ? param(zeros([numFeatures], like)) : null;
    this.registerBuffer('running_mean', trackRunningStats ? buffer(zeros([numFeatures], like)) : null);
    this.registerBuffer('running_var', trackRunningStats ? buffer(ones([numFeatures], like)) : null);
    this.registerBuffer('num_batches_tracked', trackRunningStats ? buffer(zeros([], { device, dtype: 'int64' })) : null);
  }
  get runningMean(): Tensor | null { return this.running_mean; }
  get runningVar(): Tensor | null { return this.running_var; }
  get numBatchesTracked(): Tensor | null { return this.num_batches_tracked; }

  resetRunningStats(): void {
    noGrad(() => { this.running_mean?.zero_(); this.running_var?.fill_(1); this.num_batches_tracked?.zero_(); });
  }

  protected abstract checkInput(x: Tensor): void;

  override forward(x: Tensor): Tensor {
    this.checkInput(x);
    let factor: number | Tensor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked) {
      const nbt = this.num_batches_tracked;
      noGrad(() => nbt.add_(1));
      // momentum null: the cumulative average, 1/numBatchesTracked, computed where the count lives
      if (this.momentum === null) factor = noGrad(() => nbt.to(x.dtype).reciprocal());
    }
    // with no running statistics, eval mode normalizes with the batch's own statistics too
    const useBatchStats = this.training || (!this.running_mean && !this.running_var);
    const useRunning = !this.training || this.trackRunningStats;
    try {
      return batchNorm(x, useRunning ? this.running_mean : null, useRunning ? this.running_var : null, {
        weight: this.weight, bias: this.bias, training: useBatchStats, momentum: factor, eps: this.eps,
      });
    } finally {
      if (typeof factor !== 'number') factor.dispose();
    }
  }
  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${pyFloat(this.momentum)}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

/** Batch normalization over [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNormBase {
  protected checkInput(x: Tensor): void {
    if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[1] !== this.numFeatures) throw inputError(this, `[N, ${this.numFeatures}] or [N, ${this.numFeatures}, L]`, x.shape);
  }
}

/** Batch normalization over [N, C, H, W]. */
export class BatchNorm2d extends BatchNormBase {
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4 || x.shape[1] !== this.numFeatures) throw inputError(this, `[N, ${this.numFeatures}, H, W]`, x.shape);
  }
}

export interface LayerNormOptions { eps?: number; elementwiseAffine?: boolean; bias?: boolean; device?: string; dtype?: 'float32' | 'float64' }

/** Normalizes over the trailing `normalizedShape` dims. */
export class LayerNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  constructor(normalizedShape: number | readonly number[], { eps = 1e-5, elementwiseAffine = true, bias = true, device, dtype }: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.eps = eps;
    this.elementwiseAffine = elementwiseAffine;
    this.weight = elementwiseAffine ? param(ones(this.normalizedShape, { device, dtype })) : null;
    this.bias = elementwiseAffine && bias ? param(zeros(this.normalizedShape, { device, dtype })) : null;
  }
  override forward(x: Tensor): Tensor {
    const ns = this.normalizedShape, tail = x.shape.slice(x.ndim - ns.length);
    if (x.ndim < ns.length || tail.some((d, i) => d !== ns[i])) throw inputError(this, `[..., ${ns.join(', ')}]`, x.shape);
    return layerNorm(x, ns, { weight: this.weight, bias: this.bias, eps: this.eps });
  }
  override extraRepr(): string { return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`; }
}

export interface GroupNormOptions { eps?: number; affine?: boolean; device?: string; dtype?: 'float32' | 'float64' }

/** Normalizes each group of numChannels / numGroups channels of [N, C, *]. */
export class GroupNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  readonly eps: number;
  readonly affine: boolean;
  constructor(readonly numGroups: number, readonly numChannels: number, { eps = 1e-5, affine = true, device, dtype }: GroupNormOptions = {}) {
    super();
    if (!Number.isInteger(numGroups) || numGroups < 1 || numChannels % numGroups) throw new Error(`GroupNorm: num_channels (${numChannels}) must be divisible by num_groups (${numGroups})`);
    this.eps = eps;
    this.affine = affine;
    this.weight = affine ? param(ones([numChannels], { device, dtype })) : null;
    this.bias = affine ? param(zeros([numChannels], { device, dtype })) : null;
  }
  override forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) throw inputError(this, `[N, ${this.numChannels}, *]`, x.shape);
    return scope(() => {
      const N = x.shape[0]!, g = x.reshape([N, this.numGroups, -1]);
      const mean = g.mean(2, true), rstd = g.var(2, true, { correction: 0 }).add(this.eps).rsqrt();
      let y = g.sub(mean).mul(rstd).reshape([...x.shape]);
      const perChannel = [1, this.numChannels, ...x.shape.slice(2).map(() => 1)];
      if (this.weight) y = y.mul(this.weight.reshape(perChannel));
      if (this.bias) y = y.add(this.bias.reshape(perChannel));
      return y;
    });
  }
  override extraRepr(): string { return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyBool(this.affine)}`; }
}
