// PNG → RawImage (HWC), decoded here (pure JS over fflate's inflate, so it runs in browsers and Node): every
// color type at every bit depth the specification allows, Adam7-interlaced or not. The header is validated and
// the declared size checked against what the compressed bytes can hold before anything is allocated, and the
// image data is inflated only up to the size the header implies.
import { checkOptions, optionKeys } from '@flint/core';
import type { RawImage } from '../transforms/image.js';
import { FormatError } from './errors.js';
import { readChunks, readHeader } from './png-chunks.js';
import { inflateImageData, rawSize, unpackSamples } from './png-pixels.js';

/** Channel layouts, by PIL's names: L (grey), RGB, RGBA. */
export type ImageMode = 'L' | 'RGB' | 'RGBA';
/** Options of {@link decodePng}. */
export interface DecodePngOptions {
  /** Convert to 1 (L), 3 (RGB) or 4 (RGBA) channels like PIL's Image.convert; kept as stored when left out. */
  mode?: ImageMode;
  /** Refuse images with more pixels than this (default 2^28). */
  maxPixels?: number;
  /** What to call the image in errors (default `'PNG'`). */
  name?: string;
}

// deflate expands at most ~1032:1; a header that claims more than that is corrupt or hostile
const MAX_DEFLATE_RATIO = 1100;

/**
 * Samples as stored, except: palette images come out RGB (RGBA when the file has a tRNS chunk), and 1/2/4-bit
 * gray is scaled to 0..255 like PIL's L. 16-bit images give a Uint16Array. A gray or RGB image's tRNS color key
 * is not applied (as PIL, which keeps it in info['transparency']).
 */
export function decodePng(bytes: Uint8Array, opts: DecodePngOptions = {}): RawImage {
  checkOptions('decodePng', opts, optionKeys<DecodePngOptions>()('mode', 'maxPixels', 'name'));
  const name = opts.name ?? 'PNG';
  const h = readHeader(bytes, name);
  const { width, height } = h, pixels = width * height, maxPixels = opts.maxPixels ?? 2 ** 28;
  if (pixels > maxPixels) throw new FormatError(`${name}: ${width}x${height} is more than the ${maxPixels} pixels allowed (maxPixels)`);
  const size = rawSize(h);
  if (size > bytes.length * MAX_DEFLATE_RATIO) throw new FormatError(`${name}: truncated or corrupt: declares ${width}x${height} pixels, more than its ${bytes.length} bytes can hold`);
  const chunks = readChunks(bytes, h, name);
  const samples = unpackSamples(inflateImageData(chunks.idat, size, h, name), h, name);
  let data = samples, channels = h.channels;
  if (chunks.palette) {
    const pal = chunks.palette, alpha = chunks.alpha, entries = pal.length / 3;
    channels = alpha ? 4 : 3;
    const out = new Uint8Array(pixels * channels);
    for (let i = 0; i < pixels; i++) {
      const k = samples[i]!;
      if (k >= entries) throw new FormatError(`${name}: palette index ${k} is out of range (the PLTE has ${entries} entries)`);
      out[i * channels] = pal[3 * k]!; out[i * channels + 1] = pal[3 * k + 1]!; out[i * channels + 2] = pal[3 * k + 2]!;
      if (alpha) out[i * channels + 3] = k < alpha.length ? alpha[k]! : 255;
    }
    data = out;
  } else if (h.depth < 8) {
    const scale = 255 / ((1 << h.depth) - 1); // 1 → 255, 2 → 85, 4 → 17: exact
    for (let i = 0; i < data.length; i++) data[i] = data[i]! * scale;
  }
  const img: RawImage = { data, height, width, channels };
  return opts.mode ? convertMode(img, opts.mode) : img;
}

/** PIL-style conversion: gray → RGB replicates, alpha is dropped (not composited), RGB → L by ITU-R 601-2 luma. */
export function convertMode(img: RawImage, mode: ImageMode): RawImage {
  const target = mode === 'L' ? 1 : mode === 'RGB' ? 3 : 4;
  const { data, width, height, channels } = img;
  if (channels === target) return img;
  const n = width * height;
  const out = new (data.constructor as new (n: number) => Uint8Array | Uint16Array)(n * target);
  const max = data instanceof Uint16Array ? 65535 : 255;
  const color = channels >= 3;
  for (let i = 0; i < n; i++) {
    const s = i * channels;
    const r = data[s]!, g = color ? data[s + 1]! : r, b = color ? data[s + 2]! : r;
    const a = channels === 2 ? data[s + 1]! : channels === 4 ? data[s + 3]! : max;
    if (target === 1) out[i] = color ? Math.floor((r * 19595 + g * 38470 + b * 7471 + 0x8000) / 65536) : r;
    else { out[i * target] = r; out[i * target + 1] = g; out[i * target + 2] = b; if (target === 4) out[i * target + 3] = a; }
  }
  return { data: out, width, height, channels: target };
}
