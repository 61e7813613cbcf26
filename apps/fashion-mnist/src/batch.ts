// How a list of Fashion-MNIST samples becomes a normalised batch. Browser-safe (no Node modules), so the
// web demo batches exactly as the command-line app does.
import { fromBlob, tensor, type Tensor } from '@flint/core';
import type { RawImage } from '@flint/data';

/** Fashion-MNIST's training-set pixel mean and standard deviation (of pixel / 255). */
export const MEAN = 0.286, STD = 0.353;

/** One item of the data set: the image (HWC uint8) and its label. */
export type Sample = [RawImage, number];

/** Collate samples into float32 [B, 1, 28, 28] images, normalised in one pass, and int64 [B] labels. */
export function collateBatch(items: Sample[]): [Tensor, Tensor] {
  const { height, width } = items[0]![0];
  const size = height * width;
  const x = new Float32Array(items.length * size), y = new Int32Array(items.length);
  const scale = 1 / (255 * STD), shift = MEAN / STD;
  items.forEach(([img, label], i) => {
    const src = img.data, off = i * size;
    for (let k = 0; k < size; k++) x[off + k] = src[k]! * scale - shift;
    y[i] = label;
  });
  return [fromBlob(x, [items.length, 1, height, width]), tensor(y, { dtype: 'int64' })];
}
