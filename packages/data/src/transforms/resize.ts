// Resize (bilinear, align_corners=False, no antialias: PyTorch's interpolate coordinates) and
// RandomResizedCrop, on RawImage or Tensor [C,H,W]. Integer images are rounded half-to-even, as torch does.
import { checkOptions, optionKeys } from '@flint/core';
import type { RandomSource } from '../random.js';
import { randint, resolveRandom } from '../random.js';
import type { Transform } from './compose.js';
import type { Image, Pixels } from './image.js';
import { pair, pixelsOf, remap, roundHalfEven } from './image.js';

/** Bilinearly resample the window (top, left, h, w) of the image to outH x outW. */
export function resizedWindow(img: Image, p: Pixels, top: number, left: number, h: number, w: number, outH: number, outW: number): Image {
  const axis = (inSize: number, outSize: number, offset: number) => {
    const scale = inSize / outSize;
    const i0 = new Int32Array(outSize), i1 = new Int32Array(outSize), lam = new Float64Array(outSize);
    for (let o = 0; o < outSize; o++) {
      const src = Math.max(0, (o + 0.5) * scale - 0.5); // PyTorch clamps negative source coordinates to 0
      const f = Math.min(Math.floor(src), inSize - 1);
      i0[o] = offset + f;
      i1[o] = offset + Math.min(f + 1, inSize - 1);
      lam[o] = src - f;
    }
    return { i0, i1, lam };
  };
  const ys = axis(h, outH, top), xs = axis(w, outW, left);
  const d = p.data;
  return remap(img, p, outH, outW, (c, y, x) => {
    const base = c * p.sc, ly = ys.lam[y]!, lx = xs.lam[x]!;
    const r0 = base + ys.i0[y]! * p.sy, r1 = base + ys.i1[y]! * p.sy;
    const x0 = xs.i0[x]! * p.sx, x1 = xs.i1[x]! * p.sx;
    return (1 - ly) * ((1 - lx) * d[r0 + x0]! + lx * d[r0 + x1]!) + ly * ((1 - lx) * d[r1 + x0]! + lx * d[r1 + x1]!);
  });
}

/** Output size for torchvision's Resize(size): an int matches the shorter edge, keeping the aspect ratio. */
export function resizeOutput(h: number, w: number, size: number | readonly [number, number], maxSize?: number): [number, number] {
  if (typeof size !== 'number') return pair('Resize', size);
  const [short, long] = h <= w ? [h, w] : [w, h];
  let newShort = size, newLong = Math.floor((size * long) / short);
  if (maxSize !== undefined && newLong > maxSize) { newShort = Math.floor((maxSize * newShort) / newLong); newLong = maxSize; }
  return h <= w ? [newShort, newLong] : [newLong, newShort];
}

/**
 * Resizes bilinearly to [h, w], or the shorter side to `size` keeping the aspect ratio (longer side capped at
 * `maxSize`).
 */
export function resize(img: Image, size: number | readonly [number, number], maxSize?: number): Image {
  const p = pixelsOf('Resize', img);
  const [oh, ow] = resizeOutput(p.h, p.w, size, maxSize);
  return resizedWindow(img, p, 0, 0, p.h, p.w, oh, ow);
}

/** Resizes images (torchvision's Resize, bilinear): see {@link resize}. */
export class Resize implements Transform<Image, Image> {
  /**
   * @param size - [h, w], or the length of the shorter side
   * @param opts - `maxSize` caps the longer side
   */
  constructor(readonly size: number | readonly [number, number], readonly opts: { maxSize?: number } = {}) {
    if (typeof size === 'number' && (!Number.isInteger(size) || size <= 0)) throw new RangeError(`Resize: size must be a positive integer or [h, w], got ${size}`);
  }
  apply(img: Image): Image { return resize(img, this.size, this.opts.maxSize); }
}

/** Options of {@link RandomResizedCrop}. */
export interface RandomResizedCropOptions {
  /** Range of the crop's area, as a fraction of the image's (default [0.08, 1]). */
  scale?: readonly [number, number];
  /** Range of the crop's aspect ratio (default [3/4, 4/3]). */
  ratio?: readonly [number, number];
  /** The random source (default: the DataLoader's per-item stream, or the global one). */
  generator?: RandomSource;
}

/** A crop of random area and aspect ratio, resized to `size` (torchvision's get_params, 10 tries then a center crop). */
export class RandomResizedCrop implements Transform<Image, Image> {
  /** The output's [height, width]. */
  readonly size: [number, number];
  /** Range of the crop's area, as a fraction of the image's. */
  readonly scale: readonly [number, number];
  /** Range of the crop's aspect ratio. */
  readonly ratio: readonly [number, number];
  /**
   * @param size - the output size: one number for a square, or [h, w]
   * @param opts - scale, ratio and random source
   */
  constructor(size: number | readonly [number, number], readonly opts: RandomResizedCropOptions = {}) {
    checkOptions('RandomResizedCrop', opts, optionKeys<RandomResizedCropOptions>()('scale', 'ratio', 'generator'));
    this.size = pair('RandomResizedCrop', size);
    this.scale = opts.scale ?? [0.08, 1];
    this.ratio = opts.ratio ?? [3 / 4, 4 / 3];
    if (this.scale[0] > this.scale[1] || this.ratio[0] > this.ratio[1]) throw new RangeError('RandomResizedCrop: scale and ratio should be of kind (min, max)');
  }

  /** [top, left, height, width] of the crop. */
  params(height: number, width: number, rng: RandomSource): [number, number, number, number] {
    const area = height * width;
    const [lr0, lr1] = [Math.log(this.ratio[0]), Math.log(this.ratio[1])];
    for (let attempt = 0; attempt < 10; attempt++) {
      const target = area * (this.scale[0] + rng.uniform() * (this.scale[1] - this.scale[0]));
      const aspect = Math.exp(lr0 + rng.uniform() * (lr1 - lr0));
      const w = roundHalfEven(Math.sqrt(target * aspect)), h = roundHalfEven(Math.sqrt(target / aspect));
      if (w > 0 && w <= width && h > 0 && h <= height) return [randint(rng, 0, height - h + 1), randint(rng, 0, width - w + 1), h, w];
    }
    const inRatio = width / height;
    let w = width, h = height;
    if (inRatio < this.ratio[0]) h = roundHalfEven(w / this.ratio[0]);
    else if (inRatio > this.ratio[1]) w = roundHalfEven(h * this.ratio[1]);
    return [Math.floor((height - h) / 2), Math.floor((width - w) / 2), h, w];
  }

  apply(img: Image): Image {
    const p = pixelsOf('RandomResizedCrop', img);
    const [top, left, h, w] = this.params(p.h, p.w, resolveRandom(this.opts.generator));
    return resizedWindow(img, p, top, left, h, w, this.size[0], this.size[1]);
  }
}
