// ToTensor and Normalize: from decoded pixels to the normalised float tensors a network takes.
import { Tensor, fromBlob, scope, tensor } from '@flint/core';
import type { Transform } from './compose.js';
import type { Image } from './image.js';
import { isRawImage } from './image.js';

/**
 * RawImage HWC → float32 tensor [C,H,W] scaled to [0, 1] (8-bit / 255, 16-bit / 65535, float as is);
 * a uint8 tensor [C,H,W] is scaled by 1/255, a float tensor passes through.
 */
export class ToTensor implements Transform<Image, Tensor> {
  apply(img: Image): Tensor {
    if (img instanceof Tensor) {
      if (img.dtype === 'uint8') return scope(() => img.to('float32').div(255));
      if (img.dtype === 'float32') return img;
      throw new TypeError(`ToTensor: expected a uint8 or float32 tensor, got ${img.dtype}`);
    }
    if (!isRawImage(img)) throw new TypeError('ToTensor: expected a RawImage { data, height, width, channels } or a Tensor');
    const { data, height: h, width: w, channels: c } = img;
    if (data.length !== h * w * c) throw new RangeError(`ToTensor: RawImage data has ${data.length} values, ${h}x${w}x${c} needs ${h * w * c}`);
    // divide (not multiply by 1/255) so the float32 values match torchvision's img.float().div(255)
    const div = data instanceof Uint8Array ? 255 : data instanceof Uint16Array ? 65535 : 1;
    const out = new Float32Array(c * h * w);
    const hw = h * w;
    for (let i = 0; i < hw; i++) for (let k = 0; k < c; k++) out[k * hw + i] = data[i * c + k]! / div;
    return fromBlob(out, [c, h, w]);
  }
}

/** (x - mean[c]) / std[c] per channel of a float tensor [C,H,W] (or [..., C, H, W]). */
export class Normalize implements Transform<Tensor, Tensor> {
  /** Per-channel means. */
  readonly mean: number[];
  /** Per-channel standard deviations. */
  readonly std: number[];
  constructor(mean: number | readonly number[], std: number | readonly number[]) {
    this.mean = typeof mean === 'number' ? [mean] : [...mean];
    this.std = typeof std === 'number' ? [std] : [...std];
    if (this.std.some((s) => s === 0)) throw new RangeError(`Normalize: std evaluated to zero after conversion to float32, leading to division by zero (std [${this.std.join(', ')}])`);
  }
  apply(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new TypeError('Normalize: expected a float tensor [C,H,W]; add ToTensor() before it');
    if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new TypeError(`Normalize: expected a floating point tensor, got ${x.dtype}`);
    if (x.ndim < 3) throw new RangeError(`Normalize: expected a tensor [..., C, H, W], got shape [${x.shape.join(',')}]`);
    const c = x.shape[x.ndim - 3]!;
    for (const [name, v] of [['mean', this.mean], ['std', this.std]] as const) {
      if (v.length !== 1 && v.length !== c) throw new RangeError(`Normalize: ${name} has ${v.length} values for ${c} channels`);
    }
    return scope(() => {
      const opts = { dtype: x.dtype, device: x.device };
      const m = tensor(this.mean, opts).reshape(-1, 1, 1);
      const s = tensor(this.std, opts).reshape(-1, 1, 1);
      return x.sub(m).div(s);
    });
  }
}
