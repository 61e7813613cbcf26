// Crops and flips (torchvision semantics), on RawImage or Tensor [C,H,W].
import { checkOptions, optionKeys } from '@flint/core';
import type { RandomSource } from '../random.js';
import { randint, resolveRandom } from '../random.js';
import type { Transform } from './compose.js';
import type { Image, Pixels } from './image.js';
import { pair, pixelsOf, remap, roundHalfEven } from './image.js';

/**
 * How padding is filled: a constant, the edge pixel, or a reflection without (`reflect`) or with (`symmetric`) the
 * edge.
 */
export type PadMode = 'constant' | 'edge' | 'reflect' | 'symmetric';

/** Index into [0, n) for a padded coordinate i, or -1 for the constant fill. */
export function padIndex(i: number, n: number, mode: PadMode): number {
  if (i >= 0 && i < n) return i;
  if (mode === 'constant') return -1;
  if (mode === 'edge') return i < 0 ? 0 : n - 1;
  if (n === 1) return 0;
  if (mode === 'reflect') { const period = 2 * (n - 1); let k = ((i % period) + period) % period; if (k >= n) k = period - k; return k; }
  const period = 2 * n; let k = ((i % period) + period) % period; if (k >= n) k = period - 1 - k; return k; // symmetric
}

/** The pixels of a top x left window of size h x w, reading outside the image through the pad mode. */
export function window(img: Image, p: Pixels, top: number, left: number, h: number, w: number, mode: PadMode = 'constant', fill = 0): Image {
  return remap(img, p, h, w, (c, y, x) => {
    const sy = padIndex(top + y, p.h, mode), sx = padIndex(left + x, p.w, mode);
    return sy < 0 || sx < 0 ? fill : p.data[c * p.sc + sy * p.sy + sx * p.sx]!;
  });
}

/** crop(img, top, left, height, width) (torchvision.transforms.functional.crop; zero outside). */
export function crop(img: Image, top: number, left: number, height: number, width: number): Image {
  return window(img, pixelsOf('crop', img), top, left, height, width);
}

/** Crops the center [h, w] (torchvision's CenterCrop: too-small images are zero-padded first). */
export class CenterCrop implements Transform<Image, Image> {
  /** The crop's [height, width]. */
  readonly size: [number, number];
  constructor(size: number | readonly [number, number]) { this.size = pair('CenterCrop', size); }
  apply(img: Image): Image {
    const p = pixelsOf('CenterCrop', img);
    const [th, tw] = this.size;
    // torchvision pads a too-small image with zeros first, then crops at round((H - h) / 2)
    const top = th > p.h ? -Math.floor((th - p.h) / 2) : roundHalfEven((p.h - th) / 2);
    const left = tw > p.w ? -Math.floor((tw - p.w) / 2) : roundHalfEven((p.w - tw) / 2);
    return window(img, p, top, left, th, tw);
  }
}

/** Options of {@link RandomCrop}. */
export interface RandomCropOptions {
  /** int (all sides), [left/right, top/bottom] or [left, top, right, bottom]. */
  padding?: number | readonly number[];
  /** Pad images smaller than the crop (default false). */
  padIfNeeded?: boolean;
  /** The constant padding value (default 0). */
  fill?: number;
  /** How padding is filled (default `'constant'`). */
  padMode?: PadMode;
  /** The random source (default: the DataLoader's per-item stream, or the global one). */
  generator?: RandomSource;
}

/** Crops a random [h, w] window, after optional padding. */
export class RandomCrop implements Transform<Image, Image> {
  /** The crop's [height, width]. */
  readonly size: [number, number];
  private readonly pad: [number, number, number, number];
  /**
   * @param size - the crop size: one number for a square, or [h, w]
   * @param opts - padding and random source
   */
  constructor(size: number | readonly [number, number], readonly opts: RandomCropOptions = {}) {
    checkOptions('RandomCrop', opts, optionKeys<RandomCropOptions>()('padding', 'padIfNeeded', 'fill', 'padMode', 'generator'));
    this.size = pair('RandomCrop', size);
    const p = opts.padding ?? 0;
    const q = typeof p === 'number' ? [p, p, p, p] : p.length === 2 ? [p[0]!, p[1]!, p[0]!, p[1]!] : p.length === 4 ? [...p] : null;
    if (!q || q.some((v) => !Number.isInteger(v) || v < 0)) throw new RangeError(`RandomCrop: padding must be a non-negative int or a sequence of 2 or 4, got ${String(p)}`);
    this.pad = q as [number, number, number, number];
  }
  apply(img: Image): Image {
    const p = pixelsOf('RandomCrop', img);
    const [th, tw] = this.size;
    let [l, t, r, b] = this.pad;
    if (this.opts.padIfNeeded) {
      if (p.w + l + r < tw) { const d = tw - (p.w + l + r); l += d; r += d; }
      if (p.h + t + b < th) { const d = th - (p.h + t + b); t += d; b += d; }
    }
    const H = p.h + t + b, W = p.w + l + r;
    if (H < th || W < tw) throw new RangeError(`RandomCrop: required crop size (${th}, ${tw}) is larger than input image size (${H}, ${W})`);
    const rng = resolveRandom(this.opts.generator);
    const i = randint(rng, 0, H - th + 1), j = randint(rng, 0, W - tw + 1);
    return window(img, p, i - t, j - l, th, tw, this.opts.padMode ?? 'constant', this.opts.fill ?? 0);
  }
}

/** Mirror left-right. */
export function hflip(img: Image): Image {
  const p = pixelsOf('hflip', img);
  return remap(img, p, p.h, p.w, (c, y, x) => p.data[c * p.sc + y * p.sy + (p.w - 1 - x) * p.sx]!);
}

/** Mirrors an image left-right with probability `p`. */
export class RandomHorizontalFlip implements Transform<Image, Image> {
  /**
   * @param p - the probability of flipping (default 0.5)
   * @param opts - the random source
   */
  constructor(readonly p = 0.5, readonly opts: { generator?: RandomSource } = {}) {}
  apply(img: Image): Image { return resolveRandom(this.opts.generator).uniform() < this.p ? hflip(img) : img; }
}
