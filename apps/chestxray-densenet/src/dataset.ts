// ChestX-ray14 with the benchmark's transforms, as a module DataLoader workers can load by path (transforms
// are functions and don't cross threads). Images are decoded as grayscale ('L'), cropped and resized at
// one channel, then written as 3 ImageNet-normalised channels, so items are plain typed arrays:
// [Float32Array(3·S·S) CHW, Float32Array(14) multi-hot].
import { CenterCrop, ChestXray14, Compose, RandomHorizontalFlip, RandomResizedCrop, Resize, type RawImage } from '@flint/data/node';

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/** A grayscale (or RGB) uint8 image → ImageNet-normalised float32 [3, H, W], gray replicated to RGB. */
export function toNormalisedRgb(img: RawImage): Float32Array {
  const { data, height: h, width: w, channels: c } = img, hw = h * w;
  if (!(data instanceof Uint8Array) || (c !== 1 && c !== 3)) throw new TypeError(`ChestX-ray: expected an 8-bit L or RGB image, got ${c} channels of ${data.constructor.name}`);
  const out = new Float32Array(3 * hw);
  for (let k = 0; k < 3; k++) {
    const sc = 1 / (255 * IMAGENET_STD[k]!), sh = IMAGENET_MEAN[k]! / IMAGENET_STD[k]!, o = k * hw, src = c === 1 ? 0 : k;
    for (let i = 0; i < hw; i++) out[o + i] = data[i * c + src]! * sc - sh;
  }
  return out;
}

export interface ChestXrayTransformOptions {
  split: 'train' | 'test';
  /** Side of the square crop the network sees (224 in the benchmark). */
  imageSize: number;
}

/**
 * Training: RandomResizedCrop(S) + horizontal flip; evaluation: Resize(S·256/224) + CenterCrop(S), as
 * torchvision's ImageNet recipe (Resize 256, CenterCrop 224 at S = 224).
 */
export function chestXrayTransform({ split, imageSize: S }: ChestXrayTransformOptions): Compose<RawImage, Float32Array> {
  const geometric = split === 'train'
    ? [new RandomResizedCrop(S), new RandomHorizontalFlip()]
    : [new Resize(Math.round((S * 256) / 224)), new CenterCrop(S)];
  return new Compose<RawImage, Float32Array>([...geometric, toNormalisedRgb]);
}

/** The dataset a DataLoader worker builds: args are structured-cloneable. */
export function chestXrayDataset(root: string, opts: ChestXrayTransformOptions & { seed?: number }): ChestXray14<Float32Array> {
  return new ChestXray14(root, { split: opts.split, seed: opts.seed ?? 0, mode: 'L', transform: chestXrayTransform(opts) });
}
