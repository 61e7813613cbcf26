// torch.nn.init: in-place initialisers with PyTorch's fan computations and gains. Values come from
// Flint's generator (seed with manualSeed), so they match PyTorch in distribution, not bit for bit.
import { checkOptions, fmtShape, full, rand, randn, scope, ShapeError, type Tensor } from '@flint/core';
import { noGrad } from '@flint/autograd';

/** The nonlinearities {@link calculateGain} knows, by torch's names. */
export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';
/** Whether the Kaiming initialisers scale by the fan-in (preserving forward variance) or the fan-out (backward). */
export type FanMode = 'fan_in' | 'fan_out';

/** torch.nn.init.calculate_gain. */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d': case 'sigmoid':
      return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu': return 3 / 4;
    default: throw new Error(`calculateGain: unsupported nonlinearity '${String(nonlinearity)}'`);
  }
}

/** fan_in = size(1) * receptive field, fan_out = size(0) * receptive field (torch's _calculate_fan_in_and_fan_out). */
export function calculateFanInAndFanOut(t: Tensor | readonly number[]): { fanIn: number; fanOut: number } {
  const shape = Array.isArray(t) ? (t as readonly number[]) : (t as Tensor).shape;
  if (shape.length < 2) throw new ShapeError(`init: fan in and fan out can't be computed for a tensor with fewer than 2 dimensions (shape ${fmtShape(shape)})`);
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

function fill(t: Tensor, make: () => Tensor): Tensor {
  noGrad(() => scope(() => { t.copy_(make()); }));
  return t;
}
const like = (t: Tensor) => ({ dtype: t.dtype, device: t.device });

/** Fill with U(a, b). */
export const uniform_ = (t: Tensor, a = 0, b = 1): Tensor => fill(t, () => rand([...t.shape], like(t)).mul(b - a).add(a));
/** Fill with N(mean, std²). */
export const normal_ = (t: Tensor, mean = 0, std = 1): Tensor => fill(t, () => randn([...t.shape], like(t)).mul(std).add(mean));
/** Fills `t` with `value` in place; returns `t`. */
export const constant_ = (t: Tensor, value: number): Tensor => fill(t, () => full([...t.shape], value, like(t)));
/** Fills `t` with zeros in place; returns `t`. */
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
/** Fills `t` with ones in place; returns `t`. */
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/**
 * Options of {@link kaimingUniform_} and {@link kaimingNormal_}.
 * @property a - the negative slope of the leaky ReLU that follows (default 0)
 * @property mode - scale by the fan-in (default) or the fan-out
 * @property nonlinearity - the nonlinearity whose gain is used (default `'leaky_relu'`)
 */
export interface KaimingOptions { a?: number; mode?: FanMode; nonlinearity?: Nonlinearity }

function kaimingStd(op: string, t: Tensor, { a = 0, mode = 'fan_in', nonlinearity = 'leaky_relu' }: KaimingOptions): number {
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new Error(`${op}: mode must be 'fan_in' or 'fan_out', got '${String(mode)}'`);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const fan = mode === 'fan_in' ? fanIn : fanOut;
  if (fan === 0) return 0; // torch warns and leaves a zero-element tensor alone
  return calculateGain(nonlinearity, a) / Math.sqrt(fan);
}

/** He uniform: U(-b, b) with b = gain * sqrt(3 / fan). */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  checkOptions('kaimingUniform_', opts, ['a', 'mode', 'nonlinearity']);
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', t, opts);
  return uniform_(t, -bound, bound);
}
/** He normal: N(0, (gain / sqrt(fan))²). */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  checkOptions('kaimingNormal_', opts, ['a', 'mode', 'nonlinearity']);
  return normal_(t, 0, kaimingStd('kaimingNormal_', t, opts));
}

/**
 * Options of {@link xavierUniform_} and {@link xavierNormal_}.
 * @property gain - scaling factor (default 1)
 */
export interface XavierOptions { gain?: number }
/** Glorot uniform: U(-b, b) with b = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform_(t: Tensor, o: XavierOptions = {}): Tensor {
  checkOptions('xavierUniform_', o, ['gain']);
  const { gain = 1 } = o;
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound);
}
/** Glorot normal: N(0, gain² * 2 / (fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, o: XavierOptions = {}): Tensor {
  checkOptions('xavierNormal_', o, ['gain']);
  const { gain = 1 } = o;
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

/** The default init of Linear/Conv weights (kaiming uniform, a=√5) and their biases (U(±1/√fanIn)). */
export function resetLinearLike(weight: Tensor, bias: Tensor | null, fanIn = calculateFanInAndFanOut(weight).fanIn): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias) {
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound);
  }
}
