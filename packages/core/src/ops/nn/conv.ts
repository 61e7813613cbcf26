// 2-d (and 1-d) convolution with its two backward ops. Composite: im2col as one gather with a host-built
// index, then one batched matmul; the input gradient scatters columns back (col2im) with scatterAdd.
import { isFloating } from '../../dtype.js';
import { apply, hasKernel, runKernel } from '../../dispatch.js';
import { ShapeError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { add } from '../binary.js';
import { full } from '../creation.js';
import { scatterAdd } from '../indexing.js';
import { pad } from '../join.js';
import { matmul } from '../linalg.js';
import { sum } from '../reduce.js';
import { contig } from '../util.js';
import type { IntPair, Windows } from './util.js';
import { batched4d, im2col, pair, requireSameFloat, requireSameNumeric, windowIndex } from './util.js';
import { checkOptions, optionKeys } from '../../names.js';

/** conv2d's padding: a number or [h, w], or `'same'` / `'valid'`. */
export type ConvPadding = IntPair | 'same' | 'valid';
/**
 * Options of {@link conv2d}, torch's keyword arguments in camelCase.
 * @property stride - step of the kernel, a number or [h, w] (default 1)
 * @property padding - zero padding on both sides, or `'same'` / `'valid'` (default 0)
 * @property dilation - spacing between kernel elements (default 1)
 * @property groups - blocked connections from input to output channels (default 1)
 */
export interface Conv2dOptions { stride?: IntPair; padding?: ConvPadding; dilation?: IntPair; groups?: number }
const CONV2D_KEYS = optionKeys<Conv2dOptions>()('stride', 'padding', 'dilation', 'groups');

/** Options resolved to pairs; 'same' becomes symmetric padding plus `extra` rows/cols on the bottom/right. */
interface Resolved { stride: [number, number]; padding: [number, number]; extra: [number, number]; dilation: [number, number]; groups: number }

function resolve(op: string, opts: Conv2dOptions, kh: number, kw: number): Resolved {
  const stride = pair(op, 'stride', opts.stride ?? 1, 1), dilation = pair(op, 'dilation', opts.dilation ?? 1, 1);
  const groups = opts.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new ShapeError(`${op}: groups must be a positive integer, got ${groups}`);
  const p = opts.padding ?? 0;
  if (p === 'valid') return { stride, padding: [0, 0], extra: [0, 0], dilation, groups };
  if (p === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1) throw new ShapeError(`${op}: padding='same' is not supported for strided convolutions (stride ${fmtShape(stride)}); use numeric padding`);
    // torch pads the odd extra on the bottom/right
    const th = dilation[0] * (kh - 1), tw = dilation[1] * (kw - 1);
    const padding: [number, number] = [Math.floor(th / 2), Math.floor(tw / 2)];
    return { stride, padding, extra: [th - 2 * padding[0], tw - 2 * padding[1]], dilation, groups };
  }
  return { stride, padding: pair(op, 'padding', p, 0), extra: [0, 0], dilation, groups };
}

const kernelAttrs = (r: Resolved) => ({ stride: r.stride, padding: r.padding, dilation: r.dilation, groups: r.groups });

interface Geometry extends Windows { N: number; C: number; H: number; W: number; O: number }

/** Validate input/weight shapes against the options; H and W include the 'same' extra. */
function geometry(op: string, x: readonly number[], w: readonly number[], r: Resolved, what = 'input'): Geometry {
  const [N, C, H0, W0] = batched4d(op, what, x);
  if (w.length !== 4) throw new ShapeError(`${op}: weight must be 4-d [outChannels, inChannels/groups, kh, kw], got ${fmtShape(w)}`);
  const [O, Cg, kh, kw] = w as [number, number, number, number];
  if (C !== Cg * r.groups) throw new ShapeError(`${op}: ${what} ${fmtShape(x)} has ${C} channels but weight ${fmtShape(w)} expects ${Cg * r.groups} (groups=${r.groups})`);
  if (O % r.groups !== 0) throw new ShapeError(`${op}: weight ${fmtShape(w)} has ${O} output channels, which groups=${r.groups} doesn't divide`);
  const H = H0 + r.extra[0], W = W0 + r.extra[1];
  const Hp = H + 2 * r.padding[0], Wp = W + 2 * r.padding[1];
  const [dh, dw] = r.dilation, [sh, sw] = r.stride;
  const ekh = dh * (kh - 1) + 1, ekw = dw * (kw - 1) + 1;
  if (ekh > Hp || ekw > Wp) {
    throw new ShapeError(`${op}: the (dilated) kernel ${ekh}x${ekw} is larger than the padded ${what} ${Hp}x${Wp} (${what} ${fmtShape(x)}, padding ${fmtShape(r.padding)}); use a smaller kernel or more padding`);
  }
  return { N, C, H, W, O, Hp, Wp, kh, kw, sh, sw, dh, dw, Ho: Math.floor((Hp - ekh) / sh) + 1, Wo: Math.floor((Wp - ekw) / sw) + 1 };
}

function checkBias(op: string, b: Tensor | null | undefined, w: Tensor): void {
  if (b && (b.ndim !== 1 || b.shape[0] !== w.shape[0])) {
    throw new ShapeError(`${op}: bias ${fmtShape(b.shape)} must have shape [${w.shape[0]}], one value per output channel of weight ${fmtShape(w.shape)}`);
  }
}

function checkGradOut(op: string, gradOut: Tensor, g: Geometry, unbatched: boolean): void {
  const want = unbatched ? [g.O, g.Ho, g.Wo] : [g.N, g.O, g.Ho, g.Wo];
  if (gradOut.ndim !== want.length || gradOut.shape.some((d, i) => d !== want[i])) {
    throw new ShapeError(`${op}: gradOut ${fmtShape(gradOut.shape)} doesn't match the conv output ${fmtShape(want)}`);
  }
}

const padSym = (x: Tensor, r: Resolved): Tensor => (r.padding[0] || r.padding[1] ? pad(x, [r.padding[1], r.padding[1], r.padding[0], r.padding[0]]) : x);
const padExtra = (x: Tensor, r: Resolved): Tensor => (r.extra[0] || r.extra[1] ? pad(x, [0, r.extra[1], 0, r.extra[0]]) : x);
const as4d = (x: Tensor): Tensor => (x.ndim === 3 ? x.unsqueeze(0) : x);

/** torch.nn.functional.conv2d: x [N,C,H,W] or [C,H,W], w [O, C/groups, kh, kw], b [O]. */
export function conv2d(x: Tensor, w: Tensor, b?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  checkOptions('conv2d', opts, CONV2D_KEYS);
  const r = resolve('conv2d', opts, w.shape[2] ?? 1, w.shape[3] ?? 1);
  const g = geometry('conv2d', x.shape, w.shape, r);
  checkBias('conv2d', b, w);
  const attrs = { ...kernelAttrs(r), padding: typeof opts.padding === 'string' ? opts.padding : r.padding };
  // autocast may cast the inputs: the dtype check is on what the op computes with
  return apply('conv2d', b ? [x, w, b] : [x, w], attrs, ([x0, w0, b0]) => {
    const x = x0!, w = w0!, b = b0;
    requireSameNumeric('conv2d', x, w, b);
    const xi = padExtra(as4d(x), r);
    let y: Tensor;
    // the kernel convolves floats; integer convolutions (exact, as torch's) take the composite
    if (isFloating(x.dtype) && hasKernel('conv2d', x.device)) {
      y = runKernel('conv2d', x.device, b ? [xi, w, b] : [xi, w], [{ shape: [g.N, g.O, g.Ho, g.Wo], dtype: x.dtype }], kernelAttrs(r))[0]!;
    } else {
      const G = r.groups, K = (g.C / G) * g.kh * g.kw, L = g.Ho * g.Wo;
      const cols = im2col(padSym(xi, r), g).reshape([g.N, G, K, L]);
      y = matmul(w.reshape([G, g.O / G, K]), cols).reshape([g.N, g.O, g.Ho, g.Wo]);
      if (b) y = add(y, b.reshape([1, g.O, 1, 1]));
    }
    return x.ndim === 3 ? y.squeeze(0) : y;
  });
}

/** Gradient of conv2d with respect to its input, for an input of `inputShape`. */
export function conv2dBackwardInput(gradOut: Tensor, w: Tensor, inputShape: readonly number[], opts: Conv2dOptions = {}): Tensor {
  const op = 'conv2dBackwardInput';
  const r = resolve(op, opts, w.shape[2] ?? 1, w.shape[3] ?? 1);
  const g = geometry(op, inputShape, w.shape, r, 'inputShape');
  checkGradOut(op, gradOut, g, inputShape.length === 3);
  requireSameFloat(op, gradOut, w);
  return apply(op, [gradOut, w], { ...kernelAttrs(r), inputShape: [...inputShape] }, () => {
    const padded = [g.N, g.C, g.H, g.W], go = as4d(gradOut);
    let gx: Tensor;
    if (hasKernel(op, w.device)) {
      gx = runKernel(op, w.device, [go, w], [{ shape: padded, dtype: w.dtype }], { ...kernelAttrs(r), inputShape: padded })[0]!;
    } else {
      const G = r.groups, K = (g.C / G) * g.kh * g.kw, L = g.Ho * g.Wo;
      const wT = w.reshape([G, g.O / G, K]).transpose(1, 2);
      const cols = matmul(wT, go.reshape([g.N, G, g.O / G, L])).reshape([g.N, g.C * g.kh * g.kw * L]);
      const idx = windowIndex(w.device, g.C, g, 'taps-first');
      const P = idx.numel();
      const zeros = full([g.N, g.C * g.Hp * g.Wp], 0, { dtype: w.dtype, device: w.device });
      gx = scatterAdd(zeros, 1, idx.reshape([1, P]).expand([g.N, P]), cols).reshape([g.N, g.C, g.Hp, g.Wp]);
      gx = gx.narrow(2, r.padding[0], g.H).narrow(3, r.padding[1], g.W);
    }
    // drop the 'same' extra (it sits on the bottom/right)
    if (r.extra[0] || r.extra[1]) gx = gx.narrow(2, 0, g.H - r.extra[0]).narrow(3, 0, g.W - r.extra[1]);
    gx = contig(gx);
    return inputShape.length === 3 ? gx.squeeze(0) : gx;
  });
}

/** Gradient of conv2d with respect to its weight, of `weightShape`. */
export function conv2dBackwardWeight(gradOut: Tensor, x: Tensor, weightShape: readonly number[], opts: Conv2dOptions = {}): Tensor {
  const op = 'conv2dBackwardWeight';
  const r = resolve(op, opts, weightShape[2] ?? 1, weightShape[3] ?? 1);
  const g = geometry(op, x.shape, weightShape, r);
  checkGradOut(op, gradOut, g, x.ndim === 3);
  requireSameFloat(op, gradOut, x);
  return apply(op, [gradOut, x], { ...kernelAttrs(r), weightShape: [...weightShape] }, () => {
    const xi = padExtra(as4d(x), r), go = as4d(gradOut);
    if (hasKernel(op, x.device)) {
      return runKernel(op, x.device, [go, xi], [{ shape: weightShape, dtype: x.dtype }], { ...kernelAttrs(r), weightShape: [...weightShape] })[0]!;
    }
    const G = r.groups, K = (g.C / G) * g.kh * g.kw, L = g.Ho * g.Wo;
    const cols = im2col(padSym(xi, r), g).reshape([g.N, G, K, L]);
    const perImage = matmul(go.reshape([g.N, G, g.O / G, L]), cols.transpose(2, 3));
    return sum(perImage, 0).reshape([...weightShape]);
  });
}

/** conv1d's padding: a number, or `'same'` / `'valid'`. */
export type Conv1dPadding = number | readonly number[] | 'same' | 'valid';
/**
 * Options of {@link conv1d}, torch's keyword arguments in camelCase.
 * @property stride - step of the kernel (default 1)
 * @property padding - zero padding on both sides, or `'same'` / `'valid'` (default 0)
 * @property dilation - spacing between kernel elements (default 1)
 * @property groups - blocked connections from input to output channels (default 1)
 */
export interface Conv1dOptions { stride?: number | readonly number[]; padding?: Conv1dPadding; dilation?: number | readonly number[]; groups?: number }
const CONV1D_KEYS = optionKeys<Conv1dOptions>()('stride', 'padding', 'dilation', 'groups');

function single(op: string, name: string, v: number | readonly number[], min: number): number {
  const s = typeof v === 'number' ? v : v.length === 1 ? v[0]! : NaN;
  if (!Number.isInteger(s) || s < min) throw new ShapeError(`${op}: ${name} must be an integer >= ${min} (or a 1-element list), got ${JSON.stringify(v)}`);
  return s;
}

/** torch.nn.functional.conv1d: x [N,C,L] or [C,L], w [O, C/groups, k]; runs as conv2d with unit height. */
export function conv1d(x: Tensor, w: Tensor, b?: Tensor | null, opts: Conv1dOptions = {}): Tensor {
  checkOptions('conv1d', opts, CONV1D_KEYS);
  const op = 'conv1d';
  if (x.ndim !== 2 && x.ndim !== 3) throw new ShapeError(`${op}: expected input of shape [N,C,L] or [C,L], got ${fmtShape(x.shape)}`);
  if (w.ndim !== 3) throw new ShapeError(`${op}: weight must be 3-d [outChannels, inChannels/groups, k], got ${fmtShape(w.shape)}`);
  const stride = single(op, 'stride', opts.stride ?? 1, 1), dilation = single(op, 'dilation', opts.dilation ?? 1, 1);
  const p = opts.padding ?? 0, padding = typeof p === 'string' ? p : single(op, 'padding', p, 0);
  const groups = opts.groups ?? 1, C = x.shape[x.ndim - 2]!, len = x.shape[x.ndim - 1]!;
  if (C !== w.shape[1]! * groups) throw new ShapeError(`${op}: input ${fmtShape(x.shape)} has ${C} channels but weight ${fmtShape(w.shape)} expects ${w.shape[1]! * groups} (groups=${groups})`);
  const ek = dilation * (w.shape[2]! - 1) + 1, padded = len + 2 * (typeof padding === 'number' ? padding : 0);
  if (padding !== 'same' && ek > padded) {
    throw new ShapeError(`${op}: the (dilated) kernel size ${ek} is larger than the padded input length ${padded} (input ${fmtShape(x.shape)}); use a smaller kernel or more padding`);
  }
  return apply(op, b ? [x, w, b] : [x, w], { stride, padding, dilation, groups }, ([x, w, b]) =>
    conv2d(x!.unsqueeze(-2), w!.unsqueeze(2), b, {
      stride: [1, stride], padding: typeof padding === 'string' ? padding : [0, padding], dilation: [1, dilation], groups,
    }).squeeze(-2));
}
