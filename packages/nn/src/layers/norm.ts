// Normalization layers: BatchNorm1d/2d (running statistics as buffers), LayerNorm and GroupNorm.
import { batchNorm, batchNormRelu, checkOptions, layerNorm, ones, optionKeys, scope, type Tensor, zeros } from '@flint/core';
import { noGrad } from '@flint/autograd';
import { Module, inputError, pyBool, pyFloat, pyTuple } from '../module.js';
import { buffer, param, type Parameter } from '../parameter.js';

/** Options of {@link BatchNorm1d} and {@link BatchNorm2d}. */
export interface BatchNormOptions {
  /** Added to the variance for numerical stability (default 1e-5). */
  eps?: number;
  /** null: a cumulative moving average (1 / numBatchesTracked). */
  momentum?: number | null;
  /** Whether the layer has a learnable per-channel scale and shift (default true). */
  affine?: boolean;
  /** Whether running mean and variance are kept for eval mode (default true). */
  trackRunningStats?: boolean;
  /** Device of the parameters and buffers (default: the default device). */
  device?: string;
  /** Dtype of the parameters and buffers (default float32). */
  dtype?: 'float32' | 'float64';
}

abstract class BatchNormBase extends Module {
  /** The learnable per-channel scale, [numFeatures], or null. */
  weight: Parameter | null;
  /** The learnable per-channel shift, [numFeatures], or null. */
  bias: Parameter | null;
  /** The running mean, a buffer under torch's state-dict name (null without running statistics). */
  declare running_mean: Tensor | null;
  /** The running variance, a buffer under torch's state-dict name (null without running statistics). */
  declare running_var: Tensor | null;
  /** Training batches seen, a buffer under torch's state-dict name (null without running statistics). */
  declare num_batches_tracked: Tensor | null;
  /** Added to the variance for numerical stability. */
  readonly eps: number;
  /** The running statistics' update factor; null: a cumulative average. */
  readonly momentum: number | null;
  /** Whether the layer has a learnable per-channel scale and shift. */
  readonly affine: boolean;
  /** Whether running statistics are kept for eval mode. */
  readonly trackRunningStats: boolean;

  /** @param numFeatures - the number of channels C */
  constructor(readonly numFeatures: number, opts: BatchNormOptions = {}) {
    super();
    checkOptions(this.constructor.name, opts, optionKeys<BatchNormOptions>()('eps', 'momentum', 'affine', 'trackRunningStats', 'device', 'dtype'));
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
  /** The running mean, or null. */
  get runningMean(): Tensor | null { return this.running_mean; }
  /** The running variance, or null. */
  get runningVar(): Tensor | null { return this.running_var; }
  /** Training batches seen, or null. */
  get numBatchesTracked(): Tensor | null { return this.num_batches_tracked; }

  /** Resets the running statistics: mean 0, variance 1, no batches tracked. */
  resetRunningStats(): void {
    noGrad(() => { this.running_mean?.zero_(); this.running_var?.fill_(1); this.num_batches_tracked?.zero_(); });
  }

  protected abstract checkInput(x: Tensor): void;

  override forward(x: Tensor): Tensor { return this.normalize(x, batchNorm); }

  /**
   * relu(this.forward(x)) as one op (core's batchNormRelu): the same values and running-statistics update, in
   * one pass over memory where the backend has the fused kernel. For BN-ReLU pairs (DenseNet, ResNet).
   */
  forwardRelu(x: Tensor): Tensor { return this.normalize(x, batchNormRelu); }

  private normalize(x: Tensor, norm: typeof batchNorm): Tensor {
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
      return norm(x, useRunning ? this.running_mean : null, useRunning ? this.running_var : null, {
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
  /** Throws unless `x` is [N, C] or [N, C, L] with C = numFeatures. */
  protected checkInput(x: Tensor): void {
    if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[1] !== this.numFeatures) throw inputError(this, `[N, ${this.numFeatures}] or [N, ${this.numFeatures}, L]`, x.shape);
  }
}

/** Batch normalization over [N, C, H, W]. */
export class BatchNorm2d extends BatchNormBase {
  /** Throws unless `x` is [N, C, H, W] with C = numFeatures. */
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4 || x.shape[1] !== this.numFeatures) throw inputError(this, `[N, ${this.numFeatures}, H, W]`, x.shape);
  }
}

/**
 * Options of {@link LayerNorm}.
 * @property eps - added to the variance for numerical stability (default 1e-5)
 * @property elementwiseAffine - whether the layer has a learnable scale (and shift) per element (default true)
 * @property bias - whether the affine part has a shift (default true)
 * @property device - device of the parameters (default: the default device)
 * @property dtype - dtype of the parameters (default float32)
 */
export interface LayerNormOptions { eps?: number; elementwiseAffine?: boolean; bias?: boolean; device?: string; dtype?: 'float32' | 'float64' }

/** Normalizes over the trailing `normalizedShape` dims. */
export class LayerNorm extends Module {
  /** The learnable scale, shaped like `normalizedShape`, or null. */
  weight: Parameter | null;
  /** The learnable shift, shaped like `normalizedShape`, or null. */
  bias: Parameter | null;
  /** The trailing dims normalized over. */
  readonly normalizedShape: number[];
  /** Added to the variance for numerical stability. */
  readonly eps: number;
  /** Whether the layer has a learnable scale (and shift). */
  readonly elementwiseAffine: boolean;
  constructor(normalizedShape: number | readonly number[], o: LayerNormOptions = {}) {
    checkOptions('LayerNorm', o, ['eps', 'elementwiseAffine', 'bias', 'device', 'dtype']);
    const { eps = 1e-5, elementwiseAffine = true, bias = true, device, dtype } = o;
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

/**
 * Options of {@link GroupNorm}.
 * @property eps - added to the variance for numerical stability (default 1e-5)
 * @property affine - whether the layer has a learnable per-channel scale and shift (default true)
 * @property device - device of the parameters (default: the default device)
 * @property dtype - dtype of the parameters (default float32)
 */
export interface GroupNormOptions { eps?: number; affine?: boolean; device?: string; dtype?: 'float32' | 'float64' }

/** Normalizes each group of numChannels / numGroups channels of [N, C, *]. */
export class GroupNorm extends Module {
  /** The learnable per-channel scale, [numChannels], or null. */
  weight: Parameter | null;
  /** The learnable per-channel shift, [numChannels], or null. */
  bias: Parameter | null;
  /** Added to the variance for numerical stability. */
  readonly eps: number;
  /** Whether the layer has a learnable per-channel scale and shift. */
  readonly affine: boolean;
  /**
   * @param numGroups - the number of groups the channels are split into
   * @param numChannels - the number of channels C of the input, divisible by numGroups
   */
  constructor(readonly numGroups: number, readonly numChannels: number, o: GroupNormOptions = {}) {
    checkOptions('GroupNorm', o, ['eps', 'affine', 'device', 'dtype']);
    const { eps = 1e-5, affine = true, device, dtype } = o;
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
