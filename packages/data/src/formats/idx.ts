// IDX (MNIST, Fashion-MNIST): big-endian magic 0x0000TTNN (TT = element type, NN = number of dims),
// then NN big-endian uint32 dims, then the elements. Sizes are checked against the bytes before any allocation.
import { FormatError } from './errors.js';

/**
 * A parsed IDX file.
 * @property dims - its dimensions
 * @property data - its elements, row-major, in the file's element type
 */
export interface IdxArray { dims: number[]; data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array }

const TYPES: Record<number, [string, number]> = { 0x08: ['uint8', 1], 0x09: ['int8', 1], 0x0b: ['int16', 2], 0x0c: ['int32', 4], 0x0d: ['float32', 4], 0x0e: ['float64', 8] };

/** Parse an (already decompressed) IDX file. `expect` checks the magic, e.g. 0x00000803 for MNIST images. */
export function parseIdx(bytes: Uint8Array, opts: { expect?: number; name?: string } = {}): IdxArray {
  const name = opts.name ?? 'IDX file';
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) throw new FormatError(`${name}: is gzip-compressed; decompress it first (gunzip)`);
  if (bytes.length < 4) throw new FormatError(`${name}: truncated: ${bytes.length} bytes, too short for the 4-byte magic number`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const hex = (m: number) => `0x${m.toString(16).padStart(8, '0')}`;
  if (opts.expect !== undefined && magic !== opts.expect) throw new FormatError(`${name}: bad magic number ${hex(magic)}, expected ${hex(opts.expect)}`);
  const type = TYPES[(magic >> 8) & 0xff], ndim = magic & 0xff;
  if ((magic & 0xffff0000) !== 0 || !type) throw new FormatError(`${name}: bad magic number ${hex(magic)} (not an IDX file)`);
  const header = 4 + 4 * ndim;
  if (bytes.length < header) throw new FormatError(`${name}: truncated header: ${ndim} dims need ${header} bytes, the file has ${bytes.length}`);
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const need = header + count * type[1];
  if (bytes.length < need) throw new FormatError(`${name}: truncated: dims [${dims.join(', ')}] need ${need} bytes, the file has ${bytes.length}`);
  if (bytes.length > need) throw new FormatError(`${name}: ${bytes.length - need} trailing bytes after dims [${dims.join(', ')}]`);
  const body = bytes.subarray(header, need);
  if (type[0] === 'uint8') return { dims, data: body.slice() };
  if (type[0] === 'int8') return { dims, data: new Int8Array(body.slice().buffer) };
  const out = type[0] === 'int16' ? new Int16Array(count) : type[0] === 'int32' ? new Int32Array(count) : type[0] === 'float32' ? new Float32Array(count) : new Float64Array(count);
  const bv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  for (let i = 0; i < count; i++) {
    out[i] = type[0] === 'int16' ? bv.getInt16(2 * i) : type[0] === 'int32' ? bv.getInt32(4 * i) : type[0] === 'float32' ? bv.getFloat32(4 * i) : bv.getFloat64(8 * i);
  }
  return { dims, data: out };
}

/** The IDX magic number of a 3-d uint8 array (image files). */
export const IDX_IMAGES = 0x00000803;
/** The IDX magic number of a 1-d uint8 array (label files). */
export const IDX_LABELS = 0x00000801;

/** MNIST-style images [N, H, W] uint8 and labels [N] uint8, checked to agree in N. */
export function parseIdxPair(images: Uint8Array, labels: Uint8Array, names: [string, string] = ['images', 'labels']): { images: Uint8Array; labels: Uint8Array; count: number; height: number; width: number } {
  const im = parseIdx(images, { expect: IDX_IMAGES, name: names[0] });
  const lb = parseIdx(labels, { expect: IDX_LABELS, name: names[1] });
  const [n, h, w] = im.dims as [number, number, number];
  if (lb.dims[0] !== n) throw new FormatError(`${names[0]} has ${n} images but ${names[1]} has ${lb.dims[0]} labels`);
  return { images: im.data as Uint8Array, labels: lb.data as Uint8Array, count: n, height: h, width: w };
}

/** Write an IDX file (tests, and exporting data). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x0800 | dims.length, false);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
