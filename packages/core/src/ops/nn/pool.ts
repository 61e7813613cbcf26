// 2-d max/average pooling (and their backward ops) plus adaptive average pooling, with torch's output-size,
// ceilMode and divisor rules. Composites gather every window at once, then reduce over the window axis.
import { isFloating } from '../../dtype.js';
import { apply, hasKernel, runKernel } from '../../dispatch.js';
import { DTypeError, ShapeError, fmtShape } from '../../errors.js';
import type { KernelAttrsOf } from '../../schema/index.js';
import type { Tensor } from '../../tensor.js';
import { div } from '../binary.js';
import { full, tensor } from '../creation.js';
import { gather, scatterAdd } from '../indexing.js';
import { matmul } from '../linalg.js';
import type { ValuesIndices } from '../reduce.js';
import { amax, max, sum } from '../reduce.js';
import { castTo, contig } from '../util.js';
import type { IntPair, Windows } from './util.js';
import { batched4d, pair, poolWindows, requireSameFloat, requireSameNumeric, windowIndex } from './util.js';
import { checkOptions, optionKeys } from '../../names.js';

interface Pool extends Windows { N: number; C: number; H: number; W: number; ph: number; pw: number }

/** torch's pooling_output_shape: floor or ceil, and in ceil mode the last window must start inside input + left pad. */
function outSize(size: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = size + 2 * p - d * (k - 1) - 1;
  let out = Math.floor((span + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (out - 1) * s >= size + p) out--;
  return out;
}

function geometry(op: string, shape: readonly number[], k: [number, number], s: [number, number], p: [number, number], d: [number, number], ceil: boolean, what = 'input'): Pool {
  const [N, C, H, W] = batched4d(op, what, shape);
  if (p[0] > Math.floor(k[0] / 2) || p[1] > Math.floor(k[1] / 2)) {
    throw new ShapeError(`${op}: padding ${fmtShape(p)} must be at most half the kernel size ${fmtShape(k)}; use padding <= ${fmtShape(k.map((v) => Math.floor(v / 2)))}`);
  }
  const Ho = outSize(H, k[0], s[0], p[0], d[0], ceil), Wo = outSize(W, k[1], s[1], p[1], d[1], ceil);
  if (Ho < 1 || Wo < 1) {
    throw new ShapeError(`${op}: ${what} ${fmtShape(shape)} is too small for kernel ${fmtShape(k)} (stride ${fmtShape(s)}, padding ${fmtShape(p)}, dilation ${fmtShape(d)}): the output would be ${Ho}x${Wo}`);
  }
  // ceil mode's last window may run past the padded input: pad enough to gather it
  const Hp = Math.max(H + 2 * p[0], (Ho - 1) * s[0] + d[0] * (k[0] - 1) + 1);
  const Wp = Math.max(W + 2 * p[1], (Wo - 1) * s[1] + d[1] * (k[1] - 1) + 1);
  return { N, C, H, W, ph: p[0], pw: p[1], Hp, Wp, kh: k[0], kw: k[1], sh: s[0], sw: s[1], dh: d[0], dw: d[1], Ho, Wo };
}

const padding4 = (g: Pool): [number, number, number, number] => [g.ph, g.Hp - g.H - g.ph, g.pw, g.Wp - g.W - g.pw];
const outShape = (g: Pool, unbatched: boolean): number[] => (unbatched ? [g.C, g.Ho, g.Wo] : [g.N, g.C, g.Ho, g.Wo]);
const as4d = (x: Tensor): Tensor => (x.ndim === 3 ? x.unsqueeze(0) : x);

function checkGradOut(op: string, gradOut: Tensor, g: Pool, unbatched: boolean): void {
  const want = outShape(g, unbatched);
  if (gradOut.ndim !== want.length || gradOut.shape.some((v, i) => v !== want[i])) {
    throw new ShapeError(`${op}: gradOut ${fmtShape(gradOut.shape)} doesn't match the pooling output ${fmtShape(want)}`);
  }
}

/**
 * Options of {@link maxPool2d}, torch's keyword arguments in camelCase.
 * @property stride - step of the window (default: the kernel size)
 * @property padding - implicit -inf padding on both sides (default 0)
 * @property dilation - spacing between window elements (default 1)
 * @property ceilMode - round the output size up instead of down (default false)
 * @property returnIndices - also return the flat index of each maximum (default false)
 */
export interface MaxPool2dOptions { stride?: IntPair | null; padding?: IntPair; dilation?: IntPair; ceilMode?: boolean; returnIndices?: boolean }
const MAXPOOL_KEYS = optionKeys<MaxPool2dOptions>()('stride', 'padding', 'dilation', 'ceilMode', 'returnIndices');

/** Flat input index (h*W + w) of each (window, tap) pair, for mapping a window argmax back to the input. */
function tapSources(g: Pool): Int32Array {
  const K = g.kh * g.kw, out = new Int32Array(g.Ho * g.Wo * K);
  for (let oh = 0; oh < g.Ho; oh++) for (let ow = 0; ow < g.Wo; ow++) {
    for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) {
      out[(oh * g.Wo + ow) * K + i * g.kw + j] = (oh * g.sh - g.ph + i * g.dh) * g.W + ow * g.sw - g.pw + j * g.dw;
    }
  }
  return out;
}

/** torch.nn.functional.max_pool2d; with returnIndices, indices are int64 flat h*W+w within each input plane. */
export function maxPool2d(x: Tensor, kernelSize: IntPair, opts?: MaxPool2dOptions & { returnIndices?: false }): Tensor;
export function maxPool2d(x: Tensor, kernelSize: IntPair, opts: MaxPool2dOptions & { returnIndices: true }): ValuesIndices;
export function maxPool2d(x: Tensor, kernelSize: IntPair, opts: MaxPool2dOptions = {}): Tensor | ValuesIndices {
  checkOptions('maxPool2d', opts, MAXPOOL_KEYS);
  const op = 'maxPool2d';
  const k = pair(op, 'kernelSize', kernelSize, 1);
  const s = opts.stride == null ? k : pair(op, 'stride', opts.stride, 1);
  const p = pair(op, 'padding', opts.padding ?? 0, 0), d = pair(op, 'dilation', opts.dilation ?? 1, 1);
  const ceilMode = opts.ceilMode ?? false, returnIndices = opts.returnIndices ?? false;
  const g = geometry(op, x.shape, k, s, p, d, ceilMode);
  requireSameFloat(op, x);
  const attrs = { kernelSize: k, stride: s, padding: p, dilation: d, ceilMode };
  // A kernel finds the indices anyway: the op then reports both, so autograd keeps them for the
  // backward pass instead of pooling again; the caller still gets only the values unless it asked.
  const r = apply(op, [x], { ...attrs, returnIndices }, (): Tensor | ValuesIndices => {
    const shape = outShape(g, x.ndim === 3), P = g.N * g.C;
    if (hasKernel(op, x.device)) {
      // int64 (torch's dtype) only when the caller asked for the indices; autograd, which keeps them
      // for maxPool2dBackward alone, gets int32 ones, cheaper to write and to keep
      const [values, indices] = runKernel(op, x.device, [as4d(x)],
        [{ shape: [g.N, g.C, g.Ho, g.Wo], dtype: x.dtype }, { shape: [g.N, g.C, g.Ho, g.Wo], dtype: returnIndices ? 'int64' : 'int32' }], attrs);
      return { values: values!.reshape(shape), indices: indices!.reshape(shape) };
    }
    const win = poolWindows(x.reshape([P, g.H, g.W]), g, padding4(g), -Infinity);
    if (!returnIndices) return amax(win, 2).reshape(shape);
    const m = max(win, 2, true);
    const src = tensor(tapSources(g), { dtype: 'int32', device: x.device }).reshape([1, g.Ho * g.Wo, g.kh * g.kw]);
    const indices = castTo(gather(src.expand([P, g.Ho * g.Wo, g.kh * g.kw]), 2, m.indices), 'int64');
    return { values: m.values.reshape(shape), indices: indices.reshape(shape) };
  });
  if (returnIndices || !('indices' in r)) return r;
  r.indices.dispose();
  return r.values;
}

/** Gradient of maxPool2d: gradOut scattered to the argmax positions `indices` of an input of `inputShape`. */
export function maxPool2dBackward(gradOut: Tensor, indices: Tensor, inputShape: readonly number[]): Tensor {
  const op = 'maxPool2dBackward';
  const [N, C, H, W] = batched4d(op, 'inputShape', inputShape);
  if (indices.dtype !== 'int64' && indices.dtype !== 'int32') throw new DTypeError(`${op}: indices must be int64 (from maxPool2d's returnIndices), got ${indices.dtype}`);
  const lead = inputShape.length === 3 ? [C] : [N, C];
  if (gradOut.ndim !== inputShape.length || gradOut.shape.some((v, i) => v !== indices.shape[i]) || lead.some((v, i) => v !== gradOut.shape[i])) {
    throw new ShapeError(`${op}: gradOut ${fmtShape(gradOut.shape)} and indices ${fmtShape(indices.shape)} must match each other and the leading dims of inputShape ${fmtShape(inputShape)}`);
  }
  return apply(op, [gradOut, indices], { inputShape: [...inputShape] }, () => {
    const L = gradOut.shape[gradOut.ndim - 2]! * gradOut.shape[gradOut.ndim - 1]!;
    if (hasKernel(op, gradOut.device)) {
      const gx = runKernel(op, gradOut.device, [as4d(gradOut), as4d(indices)], [{ shape: [N, C, H, W], dtype: gradOut.dtype }], { inputShape: [N, C, H, W] })[0]!;
      return gx.reshape([...inputShape]);
    }
    const zeros = full([N * C, H * W], 0, { dtype: gradOut.dtype, device: gradOut.device });
    return scatterAdd(zeros, 1, indices.reshape([N * C, L]), gradOut.reshape([N * C, L])).reshape([...inputShape]);
  });
}

/**
 * Options of {@link avgPool2d}, torch's keyword arguments in camelCase.
 * @property stride - step of the window (default: the kernel size)
 * @property padding - implicit zero padding on both sides (default 0)
 * @property ceilMode - round the output size up instead of down (default false)
 * @property countIncludePad - count the padding in the divisor (default true)
 * @property divisorOverride - divide by this instead of the window size (default null)
 */
export interface AvgPool2dOptions { stride?: IntPair | null; padding?: IntPair; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null }
const AVGPOOL_KEYS = optionKeys<AvgPool2dOptions>()('stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride');
/**
 * Options of {@link avgPool2dBackward}: those of the forward pass and its kernel size.
 * @property kernelSize - the window size of the forward pass
 */
export interface AvgPool2dBackwardOptions extends AvgPool2dOptions { kernelSize: IntPair }

interface AvgSetup { g: Pool; attrs: KernelAttrsOf<'avgPool2d'>; countIncludePad: boolean; divisorOverride: number | null }

function avgSetup(op: string, shape: readonly number[], kernelSize: IntPair, opts: AvgPool2dOptions, what = 'input'): AvgSetup {
  const k = pair(op, 'kernelSize', kernelSize, 1);
  const s = opts.stride == null ? k : pair(op, 'stride', opts.stride, 1);
  const p = pair(op, 'padding', opts.padding ?? 0, 0);
  const ceilMode = opts.ceilMode ?? false, countIncludePad = opts.countIncludePad ?? true, divisorOverride = opts.divisorOverride ?? null;
  if (divisorOverride !== null && (!Number.isInteger(divisorOverride) || divisorOverride === 0)) {
    throw new ShapeError(`${op}: divisorOverride must be a nonzero integer, got ${divisorOverride}`);
  }
  const g = geometry(op, shape, k, s, p, [1, 1], ceilMode, what);
  return { g, countIncludePad, divisorOverride, attrs: { kernelSize: k, stride: s, padding: p, ceilMode, countIncludePad, divisorOverride } };
}

/** Per-output-position divisors, exactly torch's avg_pool2d rule (windows clipped to input + padding). */
function divisors(a: AvgSetup, dtype: Tensor['dtype'], device: string): Tensor {
  const { g } = a, out = new Float64Array(g.Ho * g.Wo);
  for (let oh = 0; oh < g.Ho; oh++) for (let ow = 0; ow < g.Wo; ow++) {
    let hs = oh * g.sh - g.ph, ws = ow * g.sw - g.pw;
    let he = Math.min(hs + g.kh, g.H + g.ph), we = Math.min(ws + g.kw, g.W + g.pw);
    const poolSize = (he - hs) * (we - ws);
    hs = Math.max(hs, 0); ws = Math.max(ws, 0); he = Math.min(he, g.H); we = Math.min(we, g.W);
    out[oh * g.Wo + ow] = a.divisorOverride ?? (a.countIncludePad ? poolSize : (he - hs) * (we - ws));
  }
  return tensor(out, { dtype, device });
}

/** torch.nn.functional.avg_pool2d. */
export function avgPool2d(x: Tensor, kernelSize: IntPair, opts: AvgPool2dOptions = {}): Tensor {
  checkOptions('avgPool2d', opts, AVGPOOL_KEYS);
  const op = 'avgPool2d';
  const a = avgSetup(op, x.shape, kernelSize, opts), { g } = a;
  requireSameNumeric(op, x);
  return apply(op, [x], a.attrs, () => {
    const shape = outShape(g, x.ndim === 3);
    if (isFloating(x.dtype) && hasKernel(op, x.device)) {
      return runKernel(op, x.device, [as4d(x)], [{ shape: [g.N, g.C, g.Ho, g.Wo], dtype: x.dtype }], a.attrs)[0]!.reshape(shape);
    }
    const win = poolWindows(x.reshape([g.N * g.C, g.H, g.W]), g, padding4(g), 0);
    // integer windows divide toward zero, as torch's integer average pooling does
    return div(sum(win, 2, false, { dtype: x.dtype }), divisors(a, x.dtype, x.device), isFloating(x.dtype) ? {} : { roundingMode: 'trunc' }).reshape(shape);
  });
}

/** Gradient of avgPool2d for an input of `inputShape`; opts are avgPool2d's, with kernelSize. */
export function avgPool2dBackward(gradOut: Tensor, inputShape: readonly number[], opts: AvgPool2dBackwardOptions): Tensor {
  const op = 'avgPool2dBackward';
  const a = avgSetup(op, inputShape, opts.kernelSize, opts, 'inputShape'), { g } = a;
  checkGradOut(op, gradOut, g, inputShape.length === 3);
  requireSameFloat(op, gradOut);
  return apply(op, [gradOut], { ...a.attrs, inputShape: [...inputShape] }, () => {
    const in4 = [g.N, g.C, g.H, g.W];
    if (hasKernel(op, gradOut.device)) {
      return runKernel(op, gradOut.device, [as4d(gradOut)], [{ shape: in4, dtype: gradOut.dtype }], { ...a.attrs, inputShape: in4 })[0]!.reshape([...inputShape]);
    }
    const P = g.N * g.C, L = g.Ho * g.Wo, K = g.kh * g.kw;
    const share = div(gradOut.reshape([P, L]), divisors(a, gradOut.dtype, gradOut.device));
    const src = share.reshape([P, L, 1]).expand([P, L, K]).reshape([P, L * K]);
    const idx = windowIndex(gradOut.device, 1, g, 'windows-first').reshape([1, L * K]).expand([P, L * K]);
    const zeros = full([P, g.Hp * g.Wp], 0, { dtype: gradOut.dtype, device: gradOut.device });
    const acc = scatterAdd(zeros, 1, idx, src).reshape([P, g.Hp, g.Wp]).narrow(1, g.ph, g.H).narrow(2, g.pw, g.W);
    return contig(acc).reshape([...inputShape]);
  });
}

/** torch's adaptive window i of `out` over `size`: [floor(i*size/out), ceil((i+1)*size/out)), as an averaging matrix [out, size]. */
function poolingMatrix(out: number, size: number, x: Tensor): Tensor {
  const m = new Float64Array(out * size);
  for (let i = 0; i < out; i++) {
    const s = Math.floor((i * size) / out), e = Math.ceil(((i + 1) * size) / out);
    for (let j = s; j < e; j++) m[i * size + j] = 1 / (e - s);
  }
  return tensor(m, { dtype: x.dtype, device: x.device }).reshape([out, size]);
}

function adaptiveSize(op: string, shape: readonly number[], outputSize: number | readonly (number | null)[]): [number, number] {
  const [, , H, W] = batched4d(op, 'input', shape);
  const o = typeof outputSize === 'number' ? [outputSize, outputSize] : [...outputSize];
  if (o.length !== 2) throw new ShapeError(`${op}: outputSize must be an int or a pair, got ${JSON.stringify(outputSize)}`);
  const r = [o[0] ?? H, o[1] ?? W] as [number, number];
  if (r.some((v) => !Number.isInteger(v) || v < 1)) throw new ShapeError(`${op}: outputSize ${JSON.stringify(outputSize)} must hold positive integers (or null to keep a size)`);
  return r;
}

/** torch.nn.functional.adaptive_avg_pool2d; null entries of outputSize keep that size. */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  const op = 'adaptiveAvgPool2d';
  const [oh, ow] = adaptiveSize(op, x.shape, outputSize);
  requireSameFloat(op, x);
  const H = x.shape[x.ndim - 2]!, W = x.shape[x.ndim - 1]!;
  return apply(op, [x], { outputSize: [oh, ow] }, () => {
    if (H % oh === 0 && W % ow === 0) return avgPool2d(x, [H / oh, W / ow]);
    // windows are separable: average rows with one matrix, columns with another
    return matmul(matmul(poolingMatrix(oh, H, x), x), poolingMatrix(ow, W, x).t());
  });
}

/** Gradient of adaptiveAvgPool2d for an input of `inputShape`. */
export function adaptiveAvgPool2dBackward(gradOut: Tensor, inputShape: readonly number[]): Tensor {
  const op = 'adaptiveAvgPool2dBackward';
  const H = inputShape[inputShape.length - 2]!, W = inputShape[inputShape.length - 1]!;
  batched4d(op, 'inputShape', inputShape);
  const oh = gradOut.shape[gradOut.ndim - 2]!, ow = gradOut.shape[gradOut.ndim - 1]!;
  const want = [...inputShape.slice(0, -2), oh, ow];
  if (gradOut.ndim !== want.length || gradOut.shape.some((v, i) => v !== want[i])) {
    throw new ShapeError(`${op}: gradOut ${fmtShape(gradOut.shape)} must keep the leading dims of inputShape ${fmtShape(inputShape)}`);
  }
  requireSameFloat(op, gradOut);
  return apply(op, [gradOut], { inputShape: [...inputShape] }, () => {
    if (H % oh === 0 && W % ow === 0) return avgPool2dBackward(gradOut, inputShape, { kernelSize: [H / oh, W / ow] });
    return matmul(matmul(poolingMatrix(oh, H, gradOut).t(), gradOut), poolingMatrix(ow, W, gradOut));
  });
}
