// In-memory image datasets over parsed bytes (browser-safe): MNIST-style IDX and CIFAR-10 binary.
// Items are [image, label]: the image a RawImage (HWC uint8, like torchvision's PIL image) passed through
// `transform`, the label a number passed through `targetTransform`.
import { checkOptions } from '@flint/core';
import { Dataset, checkIndex } from '../dataset.js';
import { CIFAR10_CLASSES, parseCifar10 } from '../formats/cifar.js';
import { maybeGunzip } from '../formats/gzip.js';
import { parseIdxPair } from '../formats/idx.js';
import type { TransformLike } from '../transforms/compose.js';
import { runTransform } from '../transforms/compose.js';
import type { RawImage } from '../transforms/image.js';

/** Options of the image datasets. */
export interface VisionOptions<I, L> {
  /** Applied to each image (a RawImage, HWC uint8). */
  transform?: TransformLike<RawImage, I>;
  /** Applied to each label. */
  targetTransform?: TransformLike<number, L>;
}

/** Images [N, H, W, C] uint8 (HWC per image) and labels. */
export class ImageLabelDataset<I = RawImage, L = number> extends Dataset<[I, L]> {
  /**
   * @param images - every image's bytes, [N, H, W, C] uint8
   * @param labels - one label byte per image
   * @param height - each image's height
   * @param width - each image's width
   * @param channels - each image's channels
   * @param opts - transforms
   */
  constructor(
    readonly images: Uint8Array,
    readonly labels: Uint8Array,
    readonly height: number,
    readonly width: number,
    readonly channels: number,
    readonly opts: VisionOptions<I, L> = {},
  ) {
    super();
    if (images.length !== labels.length * height * width * channels) throw new RangeError(`ImageLabelDataset: ${images.length} image bytes for ${labels.length} images of ${height}x${width}x${channels}`);
  }
  get length(): number { return this.labels.length; }
  /** The raw image at index i, before any transform. */
  image(index: number): RawImage {
    const i = checkIndex(this.constructor.name, index, this.length), size = this.height * this.width * this.channels;
    return { data: this.images.subarray(i * size, (i + 1) * size), height: this.height, width: this.width, channels: this.channels };
  }
  getItem(index: number): [I, L] {
    const img = this.image(index), label = this.labels[checkIndex(this.constructor.name, index, this.length)]!;
    const x = this.opts.transform ? runTransform(this.opts.transform, img) : (img as unknown as I);
    const y = this.opts.targetTransform ? runTransform(this.opts.targetTransform, label) : (label as unknown as L);
    return [x, y];
  }
}

/** Fashion-MNIST's ten class names, by label. */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

/**
 * MNIST / Fashion-MNIST from the bytes of an images and a labels IDX file (gzip or not); `maxBytes` caps what
 * each may decompress to (default 1 GiB).
 */
export async function mnistFromBytes<I = RawImage, L = number>(images: Uint8Array, labels: Uint8Array, opts: VisionOptions<I, L> & { maxBytes?: number } = {}): Promise<ImageLabelDataset<I, L>> {
  checkOptions('mnistFromBytes', opts, ['transform', 'targetTransform', 'maxBytes']);
  const { maxBytes } = opts;
  const p = parseIdxPair(await maybeGunzip(images, { name: 'images', maxBytes }), await maybeGunzip(labels, { name: 'labels', maxBytes }));
  return new ImageLabelDataset(p.images, p.labels, p.height, p.width, 1, opts);
}

/** MNIST / Fashion-MNIST fetched from `baseUrl` (the released file names, .gz). */
export async function mnistFromUrl<I = RawImage, L = number>(baseUrl: string, opts: VisionOptions<I, L> & { train?: boolean; maxBytes?: number } = {}): Promise<ImageLabelDataset<I, L>> {
  checkOptions('mnistFromUrl', opts, ['transform', 'targetTransform', 'train', 'maxBytes']);
  const prefix = opts.train ?? true ? 'train' : 't10k';
  const get = async (f: string) => {
    const r = await fetch(new URL(f, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`));
    if (!r.ok) throw new Error(`mnistFromUrl: ${f}: HTTP ${r.status}`);
    return new Uint8Array(await r.arrayBuffer());
  };
  return mnistFromBytes(await get(`${prefix}-images-idx3-ubyte.gz`), await get(`${prefix}-labels-idx1-ubyte.gz`), opts);
}

/** CIFAR-10 from the bytes of one or more binary batches (records stored CHW; items come out HWC); `names` for errors. */
export function cifar10FromBytes<I = RawImage, L = number>(batches: readonly Uint8Array[], opts: VisionOptions<I, L> = {}, names?: readonly string[]): ImageLabelDataset<I, L> {
  checkOptions('cifar10FromBytes', opts, ['transform', 'targetTransform']);
  const parsed = batches.map((b, i) => parseCifar10(b, names?.[i] ?? `CIFAR-10 batch ${i}`));
  const n = parsed.reduce((a, p) => a + p.count, 0);
  const images = new Uint8Array(n * 3072), labels = new Uint8Array(n);
  let k = 0;
  for (const p of parsed) {
    for (let i = 0; i < p.count; i++, k++) {
      labels[k] = p.labels[i]!;
      for (let px = 0; px < 1024; px++) for (let c = 0; c < 3; c++) images[k * 3072 + px * 3 + c] = p.images[i * 3072 + c * 1024 + px]!;
    }
  }
  return new ImageLabelDataset(images, labels, 32, 32, 3, opts);
}

export { CIFAR10_CLASSES };
