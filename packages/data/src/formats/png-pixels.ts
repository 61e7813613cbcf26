// PNG image data → samples: inflate (stopping at the exact size the IHDR implies, so a zlib bomb in IDAT costs
// nothing), undo the scanline filters in place, and place Adam7 passes. Samples come out one per element:
// 1/2/4-bit values unpacked (not scaled), 16-bit as Uint16Array.
import { Unzlib } from 'fflate';
import { FormatError, SizeLimitError } from './errors.js';
import type { PngHeader } from './png-chunks.js';
import { colorTypeName } from './png-chunks.js';

interface Pass { x0: number; y0: number; dx: number; dy: number; width: number; height: number; stride: number }

// Adam7: [x0, y0, dx, dy] of passes 1..7
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;
const INPUT_SLICE = 16384; // inflate this much compressed data at a time: at most ~16 MB of output past the cap

/** The passes holding pixels (one for non-interlaced images), with each scanline's byte count (no filter byte). */
export function passes(h: PngHeader): Pass[] {
  const bits = h.channels * h.depth;
  const layout = h.interlace ? ADAM7 : [[0, 0, 1, 1] as const];
  return layout.map(([x0, y0, dx, dy]) => {
    const width = Math.ceil((h.width - x0) / dx), height = Math.ceil((h.height - y0) / dy);
    return { x0, y0, dx, dy, width, height, stride: Math.ceil((width * bits) / 8) };
  }).filter((p) => p.width > 0 && p.height > 0);
}

/** Bytes of filtered scanlines (each with its filter byte) the IHDR implies. */
export const rawSize = (h: PngHeader): number => passes(h).reduce((n, p) => n + p.height * (1 + p.stride), 0);

/** Inflate the IDAT stream into exactly `size` bytes; more or less is corrupt. */
export function inflateImageData(idat: readonly Uint8Array[], size: number, h: PngHeader, name: string): Uint8Array {
  const out = new Uint8Array(size);
  let n = 0;
  const over = () => new SizeLimitError(`${name}: image data inflates to more than the ${size} bytes its IHDR declares (${h.width}x${h.height}, ${h.depth}-bit ${colorTypeName(h.colorType).replace(/^color type \d+ \((.*)\)$/, '$1')})`, size);
  const z = new Unzlib((chunk) => {
    if (n + chunk.length > size) throw over();
    out.set(chunk, n);
    n += chunk.length;
  });
  try {
    idat.forEach((data, c) => {
      for (let off = 0; off < data.length || (off === 0 && c === idat.length - 1); off += INPUT_SLICE) {
        z.push(data.subarray(off, off + INPUT_SLICE), c === idat.length - 1 && off + INPUT_SLICE >= data.length);
      }
    });
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(`${name}: corrupt image data (zlib: ${(e as Error).message}) after ${n} of ${size} bytes`);
  }
  if (n < size) throw new FormatError(`${name}: image data is short: ${n} of ${size} bytes`);
  return out;
}

/** Unfilter `raw` in place and gather the samples, row-major, `h.channels` per pixel. */
export function unpackSamples(raw: Uint8Array, h: PngHeader, name: string): Uint8Array | Uint16Array {
  const ch = h.channels, depth = h.depth, bpp = Math.max(1, (ch * depth) >> 3);
  const out = depth === 16 ? new Uint16Array(h.width * h.height * ch) : new Uint8Array(h.width * h.height * ch);
  let pos = 0, line = 0;
  for (const p of passes(h)) {
    let prev = -1; // start of the previous unfiltered scanline of this pass; none for the first
    for (let y = 0; y < p.height; y++, line++) {
      const filter = raw[pos]!, start = pos + 1;
      if (filter > 4) throw new FormatError(`${name}: scanline ${line} has filter type ${filter} (0-4 are defined); the image data is corrupt`);
      unfilter(raw, start, p.stride, prev, filter, bpp);
      const row = (p.y0 + y * p.dy) * h.width;
      if (depth === 8 && p.dx === 1) out.set(raw.subarray(start, start + p.stride), row * ch);
      else if (depth === 16) {
        for (let x = 0; x < p.width; x++) {
          const o = (row + p.x0 + x * p.dx) * ch, s = start + x * ch * 2;
          for (let c = 0; c < ch; c++) out[o + c] = (raw[s + 2 * c]! << 8) | raw[s + 2 * c + 1]!;
        }
      } else if (depth === 8) {
        for (let x = 0; x < p.width; x++) for (let c = 0; c < ch; c++) out[(row + p.x0 + x * p.dx) * ch + c] = raw[start + x * ch + c]!;
      } else { // 1, 2, 4 bits: gray or palette, one sample per pixel, the leftmost in the high bits
        const mask = (1 << depth) - 1;
        for (let x = 0; x < p.width; x++) {
          const bit = x * depth;
          out[row + p.x0 + x * p.dx] = (raw[start + (bit >> 3)]! >> (8 - depth - (bit & 7))) & mask;
        }
      }
      prev = start;
      pos = start + p.stride;
    }
  }
  return out;
}

/** PNG's filters undone for the scanline at raw[start, start + n), against the one at `prev` (-1: zeros). */
function unfilter(raw: Uint8Array, start: number, n: number, prev: number, filter: number, bpp: number): void {
  const up = (i: number) => (prev < 0 ? 0 : raw[prev + i]!);
  switch (filter) {
    case 1: for (let i = bpp; i < n; i++) raw[start + i] = (raw[start + i]! + raw[start + i - bpp]!) & 0xff; break;
    case 2: if (prev >= 0) for (let i = 0; i < n; i++) raw[start + i] = (raw[start + i]! + raw[prev + i]!) & 0xff; break;
    case 3:
      for (let i = 0; i < n; i++) raw[start + i] = (raw[start + i]! + ((i >= bpp ? raw[start + i - bpp]! : 0) + up(i) >> 1)) & 0xff;
      break;
    case 4:
      for (let i = 0; i < n; i++) {
        const a = i >= bpp ? raw[start + i - bpp]! : 0, b = up(i), c = i >= bpp ? up(i - bpp) : 0;
        const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
        raw[start + i] = (raw[start + i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
      }
      break;
    default: // 0: none
  }
}
