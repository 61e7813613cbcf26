// Pooling layers over [N, C, H, W] (or [C, H, W]).
import { adaptiveAvgPool2d, avgPool2d, checkOptions, maxPool2d, type Tensor, type ValuesIndices } from '@flint/core';
import { Module, inputError, pyBool, pyTuple } from '../module.js';

type Size = number | readonly number[];
const show = (v: Size | null | undefined): string => (v === null || v === undefined ? 'None' : pyTuple(v));

function check4d(m: Module, x: Tensor): void {
  if (x.ndim !== 3 && x.ndim !== 4) throw inputError(m, '[N, C, H, W] or [C, H, W]', x.shape);
}

/**
 * Options of {@link MaxPool2d}.
 * @property stride - step of the window (default: the kernel size)
 * @property padding - implicit -inf padding on both sides (default 0)
 * @property dilation - spacing between window elements (default 1)
 * @property returnIndices - also return the flat index of each maximum (default false)
 * @property ceilMode - round the output size up instead of down (default false)
 */
export interface MaxPool2dOptions { stride?: Size | null; padding?: Size; dilation?: Size; returnIndices?: boolean; ceilMode?: boolean }

/** Max pooling; with returnIndices: true its forward gives { values, indices } (typed so: MaxPool2d<true>). */
export class MaxPool2d<R extends boolean = false> extends Module {
  /** Step of the window. */
  readonly stride: Size;
  /** Implicit -inf padding on both sides. */
  readonly padding: Size;
  /** Spacing between window elements. */
  readonly dilation: Size;
  /** Whether forward also returns the indices of the maxima. */
  readonly returnIndices: boolean;
  /** Whether the output size is rounded up. */
  readonly ceilMode: boolean;
  /** @param kernelSize - the window size, one number or [kh, kw] */
  constructor(readonly kernelSize: Size, o: MaxPool2dOptions & { returnIndices?: R } = {}) {
    checkOptions('MaxPool2d', o, ['stride', 'padding', 'dilation', 'returnIndices', 'ceilMode']);
    const { stride = null, padding = 0, dilation = 1, returnIndices = false as R, ceilMode = false } = o;
    super();
    this.stride = stride ?? kernelSize;
    this.padding = padding;
    this.dilation = dilation;
    this.returnIndices = returnIndices;
    this.ceilMode = ceilMode;
  }
  /** The pooled values, or { values, indices } when built with returnIndices. */
  override forward(x: Tensor): R extends true ? ValuesIndices : Tensor {
    check4d(this, x);
    const opts = { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
    return (this.returnIndices ? maxPool2d(x, this.kernelSize, { ...opts, returnIndices: true }) : maxPool2d(x, this.kernelSize, opts)) as R extends true ? ValuesIndices : Tensor;
  }
  override extraRepr(): string {
    return `kernel_size=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}, dilation=${show(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}

/**
 * Options of {@link AvgPool2d}.
 * @property stride - step of the window (default: the kernel size)
 * @property padding - implicit zero padding on both sides (default 0)
 * @property ceilMode - round the output size up instead of down (default false)
 * @property countIncludePad - count the padding in the divisor (default true)
 * @property divisorOverride - divide by this instead of the window size (default null)
 */
export interface AvgPool2dOptions { stride?: Size | null; padding?: Size; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null }

/** Average pooling over [N, C, H, W] (or [C, H, W]). */
export class AvgPool2d extends Module {
  /** Step of the window. */
  readonly stride: Size;
  /** Implicit zero padding on both sides. */
  readonly padding: Size;
  /** Whether the output size is rounded up. */
  readonly ceilMode: boolean;
  /** Whether the padding counts in the divisor. */
  readonly countIncludePad: boolean;
  /** A divisor used instead of the window size, or null. */
  readonly divisorOverride: number | null;
  /** @param kernelSize - the window size, one number or [kh, kw] */
  constructor(readonly kernelSize: Size, o: AvgPool2dOptions = {}) {
    checkOptions('AvgPool2d', o, ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride']);
    const { stride = null, padding = 0, ceilMode = false, countIncludePad = true, divisorOverride = null } = o;
    super();
    this.stride = stride ?? kernelSize;
    this.padding = padding;
    this.ceilMode = ceilMode;
    this.countIncludePad = countIncludePad;
    this.divisorOverride = divisorOverride;
  }
  override forward(x: Tensor): Tensor {
    check4d(this, x);
    return avgPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride });
  }
  override extraRepr(): string { return `kernel_size=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}`; }
}

/** Average pooling to a fixed output size, whatever the input size. */
export class AdaptiveAvgPool2d extends Module {
  /** @param outputSize - the output's [H, W] (one number for both; null keeps the input's size) */
  constructor(readonly outputSize: number | readonly (number | null)[]) { super(); }
  override forward(x: Tensor): Tensor { check4d(this, x); return adaptiveAvgPool2d(x, this.outputSize); }
  override extraRepr(): string {
    const o = this.outputSize;
    return `output_size=${typeof o === 'number' ? o : `(${o.map((v) => (v === null ? 'None' : v)).join(', ')})`}`;
  }
}
