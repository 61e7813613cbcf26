// Images as transforms see them: a RawImage (interleaved HWC, like a PIL image or an HWC ndarray; what
// the decoders return) or a Tensor [C,H,W] on a synchronously readable device (the CPU). Geometric
// transforms read pixels through strides, so both layouts share one code path and keep their kind.
import { DeviceError, Tensor, fromBlob } from '@flint/core';

/** A decoded image: interleaved HWC values, as PIL images and the decoders give. */
export interface RawImage {
  /** The values, row-major HWC. */
  data: Uint8Array | Uint16Array | Float32Array;
  /** Height in pixels. */
  height: number;
  /** Width in pixels. */
  width: number;
  /** Channels per pixel (1, 3 or 4). */
  channels: number;
}
/** What the image transforms take: a RawImage, or a Tensor [C,H,W] on a synchronously readable device. */
export type Image = RawImage | Tensor;

/** Whether `v` is a RawImage. */
export function isRawImage(v: unknown): v is RawImage {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as RawImage;
  return (r.data instanceof Uint8Array || r.data instanceof Uint16Array || r.data instanceof Float32Array)
    && Number.isInteger(r.height) && Number.isInteger(r.width) && Number.isInteger(r.channels);
}

type PixelArray = Uint8Array | Uint16Array | Float32Array | Float64Array | Int32Array;

/** Pixel (c, y, x) is data[c * sc + y * sy + x * sx]. */
export interface Pixels { data: PixelArray; c: number; h: number; w: number; sc: number; sy: number; sx: number; integer: boolean; max: number }

export function pixelsOf(op: string, img: Image): Pixels {
  if (img instanceof Tensor) {
    if (img.ndim !== 3) throw new RangeError(`${op}: expected an image tensor [C,H,W], got shape [${img.shape.join(',')}]`);
    const [c, h, w] = img.shape as [number, number, number];
    if (!img.storage.backend.syncRead) {
      throw new DeviceError(`${op}: image transforms work on host pixels, and '${img.device}' reads asynchronously; ` +
        'apply transforms before moving images to the device (as a Dataset does), or bring one back with await img.toAsync(\'cpu\')');
    }
    const data = img.dataSync() as PixelArray;
    if (!(data instanceof Uint8Array || data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array) || img.dtype === 'bool') {
      throw new TypeError(`${op}: image tensors must be float32, float64, int32 or uint8, got ${img.dtype}`);
    }
    return { data, c, h, w, sc: h * w, sy: w, sx: 1, integer: img.dtype === 'uint8' || img.dtype === 'int32', max: img.dtype === 'uint8' ? 255 : Infinity };
  }
  if (!isRawImage(img)) throw new TypeError(`${op}: expected a RawImage { data, height, width, channels } or a Tensor [C,H,W]`);
  const { data, height: h, width: w, channels: c } = img;
  if (data.length !== h * w * c) throw new RangeError(`${op}: RawImage data has ${data.length} values, ${h}x${w}x${c} needs ${h * w * c}`);
  return { data, c, h, w, sc: 1, sy: w * c, sx: c, integer: !(data instanceof Float32Array), max: data instanceof Uint8Array ? 255 : data instanceof Uint16Array ? 65535 : Infinity };
}

/** A new image of the same kind, layout and element type, h x w, filled by value(c, y, x). */
export function remap(src: Image, p: Pixels, h: number, w: number, value: (c: number, y: number, x: number) => number): Image {
  const out = new (p.data.constructor as new (n: number) => PixelArray)(p.c * h * w);
  const raw = !(src instanceof Tensor);
  const [sc, sy, sx] = raw ? [1, w * p.c, p.c] : [h * w, w, 1];
  for (let c = 0; c < p.c; c++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let v = value(c, y, x);
        if (p.integer) v = Math.min(p.max, Math.max(0, roundHalfEven(v)));
        out[c * sc + y * sy + x * sx] = v;
      }
    }
  }
  if (raw) return { data: out as RawImage['data'], height: h, width: w, channels: p.c };
  return fromBlob(out as Float32Array, [p.c, h, w], { dtype: (src as Tensor).dtype, device: (src as Tensor).device });
}

/** Python's round(): halves go to the even neighbour (torch.round does the same). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export const imageSize = (p: Pixels): [number, number] => [p.h, p.w];

/** (h, w) from an int (square) or a pair. */
export function pair(op: string, size: number | readonly [number, number]): [number, number] {
  const [h, w] = typeof size === 'number' ? [size, size] : size;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h <= 0 || w <= 0) throw new RangeError(`${op}: size must be positive integers, got ${String(size)}`);
  return [h, w];
}
