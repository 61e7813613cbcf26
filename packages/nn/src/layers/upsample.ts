// Upsample: a module over core's interpolate (torch.nn.Upsample).
import { checkOptions, interpolate, type InterpolateMode, type InterpolateOptions, type Tensor } from '@flint/core';
import { Module, pyFloat, pyTuple } from '../module.js';

/** interpolate's options: size or scaleFactor, mode, alignCorners, recomputeScaleFactor. */
export type UpsampleOptions = InterpolateOptions;

/** Resamples [N, C, L] or [N, C, H, W] inputs to a size or by a scale factor. */
export class Upsample extends Module {
  /** The output's spatial size, or null when a scale factor is used. */
  readonly size: number | readonly number[] | null;
  /** The scale factor of each spatial size, or null when a size is used. */
  readonly scaleFactor: number | readonly number[] | null;
  /** The interpolation mode. */
  readonly mode: InterpolateMode;
  /** Linear modes: whether corner pixels' centres are aligned. */
  readonly alignCorners: boolean | null;
  /** Whether source positions are computed from the output size instead of the scale factor. */
  readonly recomputeScaleFactor: boolean | null;
  constructor(o: UpsampleOptions = {}) {
    checkOptions('Upsample', o, ['size', 'scaleFactor', 'mode', 'alignCorners', 'recomputeScaleFactor']);
    const { size, scaleFactor, mode = 'nearest', alignCorners = null, recomputeScaleFactor = null } = o;
    super();
    this.size = size ?? null;
    this.scaleFactor = scaleFactor ?? null;
    this.mode = mode;
    this.alignCorners = alignCorners;
    this.recomputeScaleFactor = recomputeScaleFactor;
  }
  override forward(x: Tensor): Tensor {
    return interpolate(x, {
      ...(this.size !== null ? { size: this.size } : {}), ...(this.scaleFactor !== null ? { scaleFactor: this.scaleFactor } : {}),
      mode: this.mode, alignCorners: this.alignCorners, recomputeScaleFactor: this.recomputeScaleFactor,
    });
  }
  override extraRepr(): string {
    const sf = this.scaleFactor;
    const info = sf !== null ? `scale_factor=${typeof sf === 'number' ? pyFloat(sf) : `(${sf.map(pyFloat).join(', ')})`}` : `size=${pyTuple(this.size ?? [])}`;
    return `${info}, mode=${this.mode}`;
  }
}
