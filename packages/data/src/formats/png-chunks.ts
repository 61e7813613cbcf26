// The PNG container: signature, IHDR checked against the PNG specification (bit depths allowed per color type,
// compression/filter/interlace methods), then every chunk with its CRC and the ordering rules for PLTE, tRNS,
// IDAT and IEND. Nothing here allocates more than the chunk list.
import { FormatError } from './errors.js';
import { isGzip } from './gzip.js';

export interface PngHeader {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlace: 0 | 1;
  /** Samples per pixel as stored: 1 for gray and palette indices, 2 gray + alpha, 3 RGB, 4 RGBA. */
  channels: number;
}

export interface PngChunks {
  /** PLTE: RGB triples (color type 3; ignored, as the specification allows, for 2 and 6). */
  palette?: Uint8Array;
  /** tRNS for color type 3: alpha of the first palette entries. */
  alpha?: Uint8Array;
  /** The IDAT chunks' data, in order (one zlib stream split across them). */
  idat: Uint8Array[];
  idatBytes: number;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const COLOR_TYPES: Record<number, { name: string; channels: number; depths: number[] }> = {
  0: { name: 'gray', channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { name: 'RGB', channels: 3, depths: [8, 16] },
  3: { name: 'palette', channels: 1, depths: [1, 2, 4, 8] },
  4: { name: 'gray + alpha', channels: 2, depths: [8, 16] },
  6: { name: 'RGBA', channels: 4, depths: [8, 16] },
};
export const colorTypeName = (t: number): string => `color type ${t} (${COLOR_TYPES[t]?.name ?? 'unknown'})`;

/** Signature and IHDR, validated; the IHDR's CRC is checked later with the other chunks. */
export function readHeader(bytes: Uint8Array, name: string): PngHeader {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new FormatError(`${name}: not a PNG file (bad signature${isGzip(bytes) ? '; these bytes are gzip data' : ''})`);
  }
  const v = view(bytes);
  if (bytes.length < 33 || v.getUint32(8) !== 13 || v.getUint32(12) !== 0x49484452) throw new FormatError(`${name}: truncated or corrupt: the first chunk is not a 13-byte IHDR`);
  const width = v.getUint32(16), height = v.getUint32(20), depth = bytes[24]!, colorType = bytes[25]!;
  const [compression, filter, interlace] = [bytes[26]!, bytes[27]!, bytes[28]!];
  const bad = (why: string) => new FormatError(`${name}: invalid IHDR: ${why}`);
  if (width === 0 || height === 0 || width > 2 ** 31 - 1 || height > 2 ** 31 - 1) throw bad(`${width}x${height} pixels (each side must be 1 to 2^31-1)`);
  const ct = COLOR_TYPES[colorType];
  if (!ct) throw bad(`color type ${colorType} is not a PNG color type (0, 2, 3, 4 or 6)`);
  if (!ct.depths.includes(depth)) throw bad(`bit depth ${depth} is not allowed for ${colorTypeName(colorType)}; the PNG specification allows ${ct.depths.join(', ')}`);
  if (compression !== 0) throw bad(`compression method ${compression} is not 0 (deflate)`);
  if (filter !== 0) throw bad(`filter method ${filter} is not 0 (adaptive)`);
  if (interlace !== 0 && interlace !== 1) throw bad(`interlace method ${interlace} is not 0 (none) or 1 (Adam7)`);
  return { width, height, depth, colorType, interlace, channels: ct.channels };
}

/** Walk the chunks after IHDR: CRCs, critical chunks in their places, PLTE and tRNS checked against the header. */
export function readChunks(bytes: Uint8Array, h: PngHeader, name: string): PngChunks {
  const v = view(bytes);
  const out: PngChunks = { idat: [], idatBytes: 0 };
  let pos = 8, idatEnded = false;
  for (;;) {
    if (pos + 12 > bytes.length) throw new FormatError(`${name}: truncated: no IEND chunk`);
    const length = v.getUint32(pos), type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (length > 2 ** 31 - 1) throw new FormatError(`${name}: corrupt: the ${type} chunk at byte ${pos} declares ${length} bytes`);
    if (pos + 12 + length > bytes.length) throw new FormatError(`${name}: truncated: the ${type} chunk at byte ${pos} needs ${12 + length} bytes, the file has ${bytes.length - pos}`);
    const body = bytes.subarray(pos + 8, pos + 8 + length);
    if (crc32(bytes.subarray(pos + 4, pos + 8 + length)) !== v.getUint32(pos + 8 + length)) throw new FormatError(`${name}: CRC mismatch in the ${type} chunk at byte ${pos} (the file is corrupt)`);
    const where = `the ${type} chunk at byte ${pos}`;
    if (type === 'IHDR') {
      if (pos !== 8) throw new FormatError(`${name}: a second IHDR chunk (${where})`);
    } else if (type === 'IDAT') {
      if (idatEnded) throw new FormatError(`${name}: IDAT chunks are not consecutive (${where})`);
      if (h.colorType === 3 && !out.palette) throw new FormatError(`${name}: ${colorTypeName(3)} needs a PLTE chunk before the image data, and has none`);
      out.idat.push(body);
      out.idatBytes += length;
    } else if (type === 'IEND') {
      break;
    } else {
      if (out.idat.length > 0) idatEnded = true;
      if (type === 'PLTE') readPalette(body, h, out, `${name}: ${where}`);
      else if (type === 'tRNS' && h.colorType === 3) {
        if (!out.palette) throw new FormatError(`${name}: ${where} comes before the PLTE chunk`);
        if (length > out.palette.length / 3) throw new FormatError(`${name}: ${where} has ${length} alpha values for ${out.palette.length / 3} palette entries`);
        out.alpha = body;
      } else if ((type.charCodeAt(0) & 0x20) === 0) {
        throw new FormatError(`${name}: unknown critical chunk ${type} (${where}); a decoder must not skip it`);
      }
    }
    pos += 12 + length;
  }
  if (out.idat.length === 0) throw new FormatError(`${name}: no IDAT chunk (no image data)`);
  return out;
}

function readPalette(body: Uint8Array, h: PngHeader, out: PngChunks, at: string): void {
  if (h.colorType === 0 || h.colorType === 4) throw new FormatError(`${at}: a PLTE chunk is not allowed in a ${colorTypeName(h.colorType)} image`);
  if (out.palette) throw new FormatError(`${at}: a second PLTE chunk`);
  if (out.idat.length > 0) throw new FormatError(`${at}: PLTE comes after the image data`);
  const n = body.length / 3;
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new FormatError(`${at}: PLTE of ${body.length} bytes is not 1 to 256 RGB entries`);
  if (h.colorType === 3 && n > 2 ** h.depth) throw new FormatError(`${at}: PLTE has ${n} entries, more than a ${h.depth}-bit image can index (${2 ** h.depth})`);
  if (h.colorType === 3) out.palette = body;
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

let table: Uint32Array | undefined;
/** CRC-32 as PNG (and zlib, gzip) define it. */
export function crc32(bytes: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
