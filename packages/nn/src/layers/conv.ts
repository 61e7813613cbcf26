// Convolutions: Conv1d, Conv2d and ConvTranspose2d (whose forward is conv2d's input gradient).
import { checkOptions, conv1d, conv2d, conv2dBackwardInput, optionKeys, pad, scope, zeros, type Tensor } from '@flint/core';
import { resetLinearLike } from '../init.js';
import { Module, inputError, pyTuple } from '../module.js';
import { param, type Parameter } from '../parameter.js';

/** How a convolution pads its input: zeros, or reflected, replicated or circular values. */
export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';
type Size = number | readonly number[];

const CONV_KEYS = ['stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode', 'device', 'dtype'] as const;
/** Options of {@link Conv1d} and {@link Conv2d}, torch's keyword arguments in camelCase. */
export interface ConvOptions {
  /** Step of the kernel, one number or one per spatial dim (default 1). */
  stride?: Size;
  /** Padding on both sides of each spatial dim, or `'same'` / `'valid'` (default 0). */
  padding?: Size | 'same' | 'valid';
  /** Spacing between kernel elements (default 1). */
  dilation?: Size;
  /** Number of blocked connections from input to output channels (default 1). */
  groups?: number;
  /** Whether the layer adds a learnable bias (default true). */
  bias?: boolean;
  /** How the padding is filled (default `'zeros'`). */
  paddingMode?: PaddingMode;
  /** Device of the parameters (default: the default device). */
  device?: string;
  /** Dtype of the parameters (default float32). */
  dtype?: 'float32' | 'float64';
}

function tuple(name: string, v: Size, n: number): number[] {
  const t = typeof v === 'number' ? Array<number>(n).fill(v) : [...v];
  if (t.length !== n || t.some((x) => !Number.isInteger(x))) throw new Error(`${name} must be an integer or ${n} integers, got ${JSON.stringify(v)}`);
  return t;
}

/** Shared by Conv1d/Conv2d: PyTorch's _ConvNd fields, init and print. */
abstract class ConvNd extends Module {
  /**
   * The kernels: [outChannels, inChannels / groups, ...kernelSize] ([inChannels, outChannels / groups, ...] when
   * transposed).
   */
  weight: Parameter;
  /** The bias, [outChannels], or null. */
  bias: Parameter | null;
  /** The kernel's size in each spatial dim. */
  readonly kernelSize: number[];
  /** The step in each spatial dim. */
  readonly stride: number[];
  /** Zero padding in each spatial dim, or `'same'` / `'valid'`. */
  readonly padding: number[] | 'same' | 'valid';
  /** Spacing between kernel elements in each spatial dim. */
  readonly dilation: number[];
  /** Blocked connections from input to output channels. */
  readonly groups: number;
  /** How the padding is filled. */
  readonly paddingMode: PaddingMode;
  /** (left, right) pairs from the last dim, for non-zero padding modes. */
  readonly #explicitPad: number[];

  /**
   * @param inChannels - channels of the input
   * @param outChannels - channels of the output
   * @param kernelSize - the kernel size, one number or one per spatial dim
   * @param n - the number of spatial dims
   * @param opts - stride, padding, dilation, groups, bias, device, dtype
   * @param transposed - lay the weight out for a transposed convolution
   */
  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Size, n: number, opts: ConvOptions, transposed = false) {
    super();
    const { groups = 1, bias = true, paddingMode = 'zeros', device, dtype } = opts;
    const name = this.constructor.name;
    if (!Number.isInteger(groups) || groups < 1) throw new Error(`${name}: groups must be a positive integer, got ${groups}`);
    if (inChannels % groups) throw new Error(`${name}: in_channels (${inChannels}) must be divisible by groups (${groups})`);
    if (outChannels % groups) throw new Error(`${name}: out_channels (${outChannels}) must be divisible by groups (${groups})`);
    this.kernelSize = tuple(`${name}: kernel_size`, kernelSize, n);
    this.stride = tuple(`${name}: stride`, opts.stride ?? 1, n);
    this.dilation = tuple(`${name}: dilation`, opts.dilation ?? 1, n);
    const p = opts.padding ?? 0;
    this.padding = typeof p === 'string' ? p : tuple(`${name}: padding`, p, n);
    if (p !== 'same' && p !== 'valid' && typeof p === 'string') throw new Error(`${name}: padding must be a number, a tuple, 'same' or 'valid', got '${String(p)}'`);
    if (p === 'same' && this.stride.some((s) => s !== 1)) throw new Error(`${name}: padding='same' is not supported for strided convolutions`);
    this.groups = groups;
    this.paddingMode = paddingMode;
    const pads = this.padding === 'valid' ? this.kernelSize.map(() => 0) : this.padding;
    // torch.nn.functional.pad lists (left, right) from the last dim backwards
    this.#explicitPad = this.kernelSize.map((k, i) => {
      if (pads === 'same') { const total = this.dilation[i]! * (k - 1), left = Math.floor(total / 2); return [left, total - left]; }
      return [pads[i]!, pads[i]!];
    }).reverse().flat();
    const wShape = transposed ? [inChannels, outChannels / groups, ...this.kernelSize] : [outChannels, inChannels / groups, ...this.kernelSize];
    this.weight = param(zeros(wShape, { device, dtype }));
    this.bias = bias ? param(zeros([outChannels], { device, dtype })) : null;
    this.resetParameters();
  }
  /** Reinitialises weight and bias as torch does (Kaiming uniform weight, uniform bias by fan-in). */
  resetParameters(): void { resetLinearLike(this.weight, this.bias); }

  /** Input after non-zero padding modes, and the padding left for the conv op itself. */
  protected padded(x: Tensor): { x: Tensor; padding: number[] | 'same' | 'valid' } {
    if (this.paddingMode === 'zeros') return { x, padding: this.padding };
    return { x: pad(x, this.#explicitPad, { mode: this.paddingMode }), padding: this.kernelSize.map(() => 0) };
  }

  /** Throws unless `x` is batched or unbatched input with `inChannels` channels and `spatial` spatial dims. */
  protected checkInput(x: Tensor, spatial: number): void {
    const cdim = x.ndim - spatial - 1;
    if ((x.ndim !== spatial + 1 && x.ndim !== spatial + 2) || x.shape[cdim] !== this.inChannels) {
      const dims = spatial === 1 ? 'L' : 'H, W';
      throw inputError(this, `[N, ${this.inChannels}, ${dims}] or [${this.inChannels}, ${dims}]`, x.shape);
    }
  }

  override extraRepr(): string {
    const zeros = (v: number[]) => v.every((x) => x === 0), ones = (v: number[]) => v.every((x) => x === 1);
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (!zeros(this.padding)) s += `, padding=${pyTuple(this.padding)}`;
    if (!ones(this.dilation)) s += `, dilation=${pyTuple(this.dilation)}`;
    const op = (this as { outputPadding?: number[] }).outputPadding;
    if (op && !zeros(op)) s += `, output_padding=${pyTuple(op)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=False';
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

/** 1-d convolution over [N, C, L] (or unbatched [C, L]). */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: Size, opts: ConvOptions = {}) {
    checkOptions('Conv1d', opts, CONV_KEYS);
    super(inChannels, outChannels, kernelSize, 1, opts);
  }
  override forward(x: Tensor): Tensor {
    this.checkInput(x, 1);
    return scope(() => {
      const { x: xp, padding } = this.padded(x);
      return conv1d(xp, this.weight, this.bias, { stride: this.stride, padding: typeof padding === 'string' ? padding : padding[0]!, dilation: this.dilation, groups: this.groups });
    });
  }
}

/** 2-d convolution over [N, C, H, W] (or unbatched [C, H, W]). */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: Size, opts: ConvOptions = {}) {
    checkOptions('Conv2d', opts, CONV_KEYS);
    super(inChannels, outChannels, kernelSize, 2, opts);
  }
  override forward(x: Tensor): Tensor {
    this.checkInput(x, 2);
    return scope(() => {
      const { x: xp, padding } = this.padded(x);
      return conv2d(xp, this.weight, this.bias, { stride: this.stride, padding, dilation: this.dilation, groups: this.groups });
    });
  }
}

/**
 * Options of {@link ConvTranspose2d}.
 * @property padding - implicit zero padding removed from both sides of the output (default 0)
 * @property outputPadding - extra size added to one side of the output, to pick among the shapes a stride allows
 * (default 0)
 */
export interface ConvTransposeOptions extends Omit<ConvOptions, 'padding' | 'paddingMode'> { padding?: Size; outputPadding?: Size }

/**
 * Transposed 2-d convolution ("deconvolution"): the gradient of conv2d with respect to its input, so it
 * runs on core's conv2dBackwardInput. Weight is [inChannels, outChannels / groups, kh, kw], as in PyTorch.
 */
export class ConvTranspose2d extends ConvNd {
  /** Extra size added to one side of each spatial dim of the output. */
  readonly outputPadding: number[];
  constructor(inChannels: number, outChannels: number, kernelSize: Size, opts: ConvTransposeOptions = {}) {
    checkOptions('ConvTranspose2d', opts, optionKeys<ConvTransposeOptions>()('stride', 'padding', 'outputPadding', 'dilation', 'groups', 'bias', 'device', 'dtype'));
    super(inChannels, outChannels, kernelSize, 2, { ...opts, paddingMode: 'zeros' }, true);
    this.outputPadding = tuple('ConvTranspose2d: output_padding', opts.outputPadding ?? 0, 2);
    this.outputPadding.forEach((p, i) => {
      if (p < 0 || (p >= this.stride[i]! && p >= this.dilation[i]!)) {
        throw new Error(`ConvTranspose2d: output_padding ${pyTuple(this.outputPadding)} must be smaller than either stride ${pyTuple(this.stride)} or dilation ${pyTuple(this.dilation)}`);
      }
    });
  }
  /** `outputSize` ([H, W] or [N, C, H, W]) picks the output padding, as PyTorch's forward(input, output_size). */
  override forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    this.checkInput(x, 2);
    const [H, W] = x.shape.slice(-2) as [number, number], pad = this.padding as number[];
    const base = [H, W].map((n, i) => (n - 1) * this.stride[i]! - 2 * pad[i]! + this.dilation[i]! * (this.kernelSize[i]! - 1) + 1);
    let extra = this.outputPadding;
    if (outputSize) {
      const want = outputSize.slice(-2);
      extra = want.map((w, i) => w - base[i]!);
      if (extra.some((e, i) => e < 0 || e >= Math.max(this.stride[i]!, this.dilation[i]!))) {
        throw new Error(`ConvTranspose2d: requested output size ${pyTuple(want)} is not reachable from input ${pyTuple(x.shape)}; valid sizes are ${pyTuple(base)} to ${pyTuple(base.map((b, i) => b + Math.max(this.stride[i]!, this.dilation[i]!) - 1))}`);
      }
    }
    const outShape = [...x.shape.slice(0, -3), this.outChannels, base[0]! + extra[0]!, base[1]! + extra[1]!];
    return scope(() => {
      const y = conv2dBackwardInput(x, this.weight, outShape, { stride: this.stride, padding: pad, dilation: this.dilation, groups: this.groups });
      return this.bias ? y.add(this.bias.reshape([this.outChannels, 1, 1])) : y;
    });
  }
}
