// Pooling layers over [N, C, H, W] (or [C, H, W]).
import { adaptiveAvgPool2d, avgPool2d, maxPool2d, type Tensor, type ValuesIndices } from '@flint/core';
import { Module, inputError, pyBool, pyTuple } from '../module.js';

type Size = number | readonly number[];
const show = (v: Size | null | undefined): string => (v === null || v === undefined ? 'None' : pyTuple(v));

function check4d(m: Module, x: Tensor): void {
  if (x.ndim !== 3 && x.ndim !== 4) throw inputError(m, '[N, C, H, W] or [C, H, W]', x.shape);
}

export interface MaxPool2dOptions { stride?: Size | null; padding?: Size; dilation?: Size; returnIndices?: boolean; ceilMode?: boolean }

/** Max pooling; with returnIndices: true its forward gives { values, indices } (typed so: MaxPool2d<true>). */
export class MaxPool2d<R extends boolean = false> extends Module {
  readonly stride: Size;
  readonly padding: Size;
  readonly dilation: Size;
  readonly returnIndices: boolean;
  readonly ceilMode: boolean;
  constructor(readonly kernelSize: Size, { stride = null, padding = 0, dilation = 1, returnIndices = false as R, ceilMode = false }: MaxPool2dOptions & { returnIndices?: R } = {}) {
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

export interface AvgPool2dOptions { stride?: Size | null; padding?: Size; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null }

export class AvgPool2d extends Module {
  readonly stride: Size;
  readonly padding: Size;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;
  constructor(readonly kernelSize: Size, { stride = null, padding = 0, ceilMode = false, countIncludePad = true, divisorOverride = null }: AvgPool2dOptions = {}) {
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

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | readonly (number | null)[]) { super(); }
  override forward(x: Tensor): Tensor { check4d(this, x); return adaptiveAvgPool2d(x, this.outputSize); }
  override extraRepr(): string {
    const o = this.outputSize;
    return `output_size=${typeof o === 'number' ? o : `(${o.map((v) => (v === null ? 'None' : v)).join(', ')})`}`;
  }
}
