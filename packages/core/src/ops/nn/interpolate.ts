// interpolate: torch.nn.functional.interpolate for 3-d [N, C, L] ('nearest', 'nearest-exact', 'linear') and
// 4-d [N, C, H, W] ('nearest', 'nearest-exact', 'bilinear') inputs. Separable: each spatial dim is resampled
// by host-computed source indices (indexSelect) and, for the linear modes, weights; the index arithmetic
// follows ATen's (area_pixel_compute_source_index) in the input's precision, so the picks agree with torch.
import type { DType } from '../../dtype.js';
import { isFloating } from '../../dtype.js';
import { apply } from '../../dispatch.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { add, mul } from '../binary.js';
import { tensor } from '../creation.js';
import { indexSelect } from '../indexing.js';
import { checkOptions, optionKeys } from '../../names.js';

/** How {@link interpolate} computes output values. */
export type InterpolateMode = 'nearest' | 'nearest-exact' | 'linear' | 'bilinear';

/** Options of {@link interpolate}, torch's keyword arguments in camelCase. */
export interface InterpolateOptions {
  /** The output's spatial size (a number for every spatial dim, or one per dim). Give size or scaleFactor. */
  size?: number | readonly number[];
  /** Multiplies each spatial size (output = floor(input * scaleFactor)). */
  scaleFactor?: number | readonly number[];
  /** 'nearest' (default), 'nearest-exact', 'linear' (3-d) or 'bilinear' (4-d). */
  mode?: InterpolateMode;
  /** Linear modes only: align the corner pixels' centres (default false). */
  alignCorners?: boolean | null;
  /** Compute the source positions from the output size instead of the given scale factor (default false). */
  recomputeScaleFactor?: boolean | null;
}

const LINEAR: Record<number, InterpolateMode> = { 1: 'linear', 2: 'bilinear' };

function perDim(op: string, what: string, v: number | readonly number[], n: number): number[] {
  const list = typeof v === 'number' ? new Array<number>(n).fill(v) : [...v];
  if (list.length !== n) throw new ValueError(`${op}: ${what} has ${list.length} values but the input has ${n} spatial dim(s); give one per spatial dim, or a number`);
  return list;
}

/** ATen's compute_scales_value: 1/scale when a scale factor is used, else input/output, rounded by `f`. */
const ratioOf = (inSize: number, outSize: number, scale: number | undefined, f: (v: number) => number): number =>
  (scale !== undefined && scale > 0 ? f(1 / scale) : f(inSize / outSize));

/** Source indices (and, for the linear modes, the second index and its weight) for one dim, as ATen computes them. */
function plan(mode: InterpolateMode, inSize: number, outSize: number, scale: number | undefined, alignCorners: boolean, dtype: DType) {
  const i0 = new Int32Array(outSize);
  if (mode === 'nearest' || mode === 'nearest-exact') {
    // ATen's nearest_idx / nearest_exact_idx work in float32 whatever the dtype
    const r = ratioOf(inSize, outSize, scale, Math.fround);
    for (let o = 0; o < outSize; o++) {
      if (mode === 'nearest-exact') i0[o] = Math.min(Math.floor(Math.fround((o + 0.5) * r)), inSize - 1);
      else i0[o] = outSize === inSize ? o : outSize === 2 * inSize ? o >> 1 : Math.min(Math.floor(Math.fround(o * r)), inSize - 1);
    }
    return { i0 };
  }
  // area_pixel_compute_scale / area_pixel_compute_source_index in the input's precision
  const f = dtype === 'float32' ? Math.fround : (v: number) => v;
  const i1 = new Int32Array(outSize), w1 = new Float64Array(outSize);
  const r = alignCorners ? (outSize > 1 ? f((inSize - 1) / (outSize - 1)) : 0) : ratioOf(inSize, outSize, scale, f);
  for (let o = 0; o < outSize; o++) {
    if (outSize === inSize) { i0[o] = i1[o] = o; continue; }
    const src = Math.max(alignCorners ? f(r * o) : f(r * (o + 0.5) - 0.5), 0);
    const a = Math.trunc(src);
    i0[o] = a;
    i1[o] = a + (a < inSize - 1 ? 1 : 0);
    w1[o] = Math.min(Math.max(f(src - a), 0), 1);
  }
  return { i0, i1, w1 };
}

/** Resample dim `d` of x to `outSize`. */
function resample(x: Tensor, d: number, mode: InterpolateMode, outSize: number, scale: number | undefined, alignCorners: boolean): Tensor {
  const p = plan(mode, x.shape[d]!, outSize, scale, alignCorners, x.dtype);
  const idx = (a: Int32Array) => tensor(a, { dtype: 'int32', device: x.device });
  const g0 = indexSelect(x, d, idx(p.i0));
  if (!p.i1) return g0;
  const shape = x.shape.map((_, i) => (i === d ? outSize : 1));
  const f = x.dtype === 'float32' ? Math.fround : (v: number) => v;
  const w1 = tensor(p.w1, { dtype: x.dtype, device: x.device }).reshape(shape);
  const w0 = tensor(p.w1.map((w) => f(1 - w)), { dtype: x.dtype, device: x.device }).reshape(shape);
  return add(mul(g0, w0), mul(indexSelect(x, d, idx(p.i1)), w1));
}

/** torch.nn.functional.interpolate (see InterpolateOptions); antialiasing and the cubic/area modes are not supported. */
export function interpolate(x: Tensor, opts: InterpolateOptions = {}): Tensor {
  checkOptions('interpolate', opts, optionKeys<InterpolateOptions>()('size', 'scaleFactor', 'mode', 'alignCorners', 'recomputeScaleFactor'));
  const mode = opts.mode ?? 'nearest';
  const spatial = x.ndim - 2;
  if (!['nearest', 'nearest-exact', 'linear', 'bilinear'].includes(mode)) {
    throw new ValueError(`interpolate: mode must be 'nearest', 'nearest-exact', 'linear' or 'bilinear', got '${String(mode)}' ('bicubic', 'trilinear' and 'area' are not supported)`);
  }
  if (spatial !== 1 && spatial !== 2) throw new ShapeError(`interpolate: expected a 3-d [N, C, L] or 4-d [N, C, H, W] input, got shape ${fmtShape(x.shape)}`);
  if ((mode === 'linear' || mode === 'bilinear') && LINEAR[spatial] !== mode) {
    throw new ShapeError(`interpolate: got a ${x.ndim}-d input (shape ${fmtShape(x.shape)}), but mode '${mode}' needs ${mode === 'linear' ? '3-d' : '4-d'} input; use '${LINEAR[spatial]}'`);
  }
  const linear = mode === 'linear' || mode === 'bilinear';
  if (!linear && opts.alignCorners != null) {
    throw new ValueError(`interpolate: alignCorners can only be set with the linear modes ('linear', 'bilinear'), not '${mode}'`);
  }
  if ((opts.size == null) === (opts.scaleFactor == null)) {
    throw new ValueError(`interpolate: give exactly one of size and scaleFactor (got ${opts.size == null ? 'neither' : 'both'})`);
  }
  if (linear && !isFloating(x.dtype)) throw new DTypeError(`interpolate: mode '${mode}' needs a floating-point input, got ${x.dtype}; convert with x.float()`);
  const inSizes = x.shape.slice(2);
  let sizes: number[], scales: (number | undefined)[];
  if (opts.size != null) {
    sizes = perDim('interpolate', 'size', opts.size, spatial);
    scales = sizes.map(() => undefined);
  } else {
    const sf = perDim('interpolate', 'scaleFactor', opts.scaleFactor!, spatial);
    if (sf.some((s) => !(s > 0))) throw new ValueError(`interpolate: scaleFactor must be positive, got ${JSON.stringify(opts.scaleFactor)}`);
    sizes = sf.map((s, i) => Math.floor(inSizes[i]! * s));
    scales = opts.recomputeScaleFactor ? sizes.map(() => undefined) : sf;
  }
  if (sizes.some((s) => !Number.isInteger(s) || s <= 0)) {
    throw new ShapeError(`interpolate: the output size ${fmtShape(sizes)} (input ${fmtShape(x.shape)}) must be positive integers`);
  }
  const alignCorners = linear ? opts.alignCorners ?? false : false;
  return apply('interpolate', [x], { size: sizes, scales: scales.map((s) => s ?? null), mode, alignCorners }, () => {
    let out = x;
    for (let i = 0; i < spatial; i++) out = resample(out, 2 + i, mode, sizes[i]!, scales[i], alignCorners);
    return out === x ? x.clone() : out;
  });
}
