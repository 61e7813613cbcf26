// PNG → RawImage (HWC) through fast-png (pure JS, runs in browsers and Node). 8- and 16-bit grayscale,
// gray+alpha, RGB, RGBA, palette and 1/2/4-bit images; the declared size is checked against what the
// compressed bytes can hold before anything is allocated.
import { decode } from 'fast-png';
import type { RawImage } from '../transforms/image.js';
import { FormatError } from './errors.js';

export type ImageMode = 'L' | 'RGB' | 'RGBA';
export interface DecodePngOptions {
  /** Convert to 1 (L), 3 (RGB) or 4 (RGBA) channels like PIL's Image.convert; kept as stored when left out. */
  mode?: ImageMode;
  /** Refuse images with more pixels than this (default 2^28). */
  maxPixels?: number;
  name?: string;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
// deflate expands at most ~1032:1; a header that claims more than that is corrupt or hostile
const MAX_DEFLATE_RATIO = 1100;

export function decodePng(bytes: Uint8Array, opts: DecodePngOptions = {}): RawImage {
  const name = opts.name ?? 'PNG';
  if (bytes.length < 33 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new FormatError(`${name}: not a PNG file (bad signature)`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(12) !== 0x49484452) throw new FormatError(`${name}: the first chunk is not IHDR`);
  const width = v.getUint32(16), height = v.getUint32(20), depth = bytes[24]!, colorType = bytes[25]!;
  const ch = CHANNELS[colorType];
  if (width === 0 || height === 0 || ch === undefined) throw new FormatError(`${name}: bad IHDR (width ${width}, height ${height}, color type ${colorType})`);
  const pixels = width * height;
  if (pixels > (opts.maxPixels ?? 2 ** 28)) throw new FormatError(`${name}: ${width}x${height} is more than the ${opts.maxPixels ?? 2 ** 28} pixels allowed (maxPixels)`);
  const rawBytes = height * (1 + Math.ceil((width * ch * depth) / 8));
  if (rawBytes > bytes.length * MAX_DEFLATE_RATIO) throw new FormatError(`${name}: truncated or corrupt: declares ${width}x${height} pixels, more than its ${bytes.length} bytes can hold`);
  let png;
  try { png = decode(bytes, { checkCrc: true }); } catch (e) { throw new FormatError(`${name}: corrupt PNG: ${(e as Error).message}`); }
  const expected = pixels * png.channels;
  let data: Uint8Array | Uint16Array;
  let channels = png.channels;
  if (png.palette) {
    const idx = unpackBits(png.data as Uint8Array, width, height, 1, png.depth);
    const pal = png.palette, alpha = png.transparency;
    channels = alpha || pal[0]!.length === 4 ? 4 : 3;
    data = new Uint8Array(pixels * channels);
    for (let i = 0; i < pixels; i++) {
      const k = idx[i]!, c = pal[k];
      if (!c) throw new FormatError(`${name}: palette index ${k} out of range (${pal.length} colors)`);
      data[i * channels] = c[0]!; data[i * channels + 1] = c[1]!; data[i * channels + 2] = c[2]!;
      if (channels === 4) data[i * channels + 3] = c[3] ?? alpha?.[k] ?? 255;
    }
  } else if (png.depth < 8) {
    const scale = 255 / ((1 << png.depth) - 1);
    data = unpackBits(png.data as Uint8Array, width, height, channels, png.depth).map((x) => Math.round(x * scale));
  } else {
    data = png.data as Uint8Array | Uint16Array;
    if (data.length !== expected) throw new FormatError(`${name}: decoded ${data.length} values, expected ${expected}`);
  }
  const img: RawImage = { data, height, width, channels };
  return opts.mode ? convertMode(img, opts.mode) : img;
}

function unpackBits(packed: Uint8Array, width: number, height: number, channels: number, depth: number): Uint8Array {
  if (depth === 8) return packed;
  const perRow = width * channels, rowBytes = Math.ceil((perRow * depth) / 8), mask = (1 << depth) - 1;
  if (packed.length < rowBytes * height) throw new FormatError(`PNG: image data is short (${packed.length} of ${rowBytes * height} bytes)`);
  const out = new Uint8Array(perRow * height);
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < perRow; i++) {
      const bit = i * depth;
      out[y * perRow + i] = (packed[y * rowBytes + (bit >> 3)]! >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
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
