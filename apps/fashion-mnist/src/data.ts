// Where the images come from (the full data set when installed, else the subset committed with the app),
// and how a list of samples becomes a normalised batch.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromBlob, tensor, type Tensor } from '@flint/core';
import { FashionMNIST, type RawImage } from '@flint/data/node';

/** Debian's dataset-fashion-mnist installs the released files here. */
export const SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';
/** The first 4000 training and 1000 test images, committed with the app (see data/LICENSE). */
export const SUBSET_DIR = fileURLToPath(new URL('../data', import.meta.url));
/** Fashion-MNIST's training-set pixel mean and standard deviation (of pixel / 255). */
export const MEAN = 0.286, STD = 0.353;

export type Sample = [RawImage, number];

export interface FashionData {
  train: FashionMNIST;
  test: FashionMNIST;
  dir: string;
  /** What was loaded, in words, for the log. */
  description: string;
}

const hasFiles = (dir: string): boolean => existsSync(join(dir, 'train-images-idx3-ubyte.gz')) || existsSync(join(dir, 'train-images-idx3-ubyte'));

/** `dir` when given (an error if it holds no data set), else the system copy, else the committed subset. */
export function loadFashionMnist(dir?: string): FashionData {
  const chosen = dir ?? (hasFiles(SYSTEM_DIR) ? SYSTEM_DIR : SUBSET_DIR);
  const train = new FashionMNIST(chosen, { train: true });
  const test = new FashionMNIST(chosen, { train: false });
  const what = chosen === SUBSET_DIR ? 'the subset committed with the app' : chosen === SYSTEM_DIR ? 'the full data set' : 'the data set';
  const hint = chosen === SUBSET_DIR ? ` (install Debian's dataset-fashion-mnist or pass --data DIR for all 60000)` : '';
  return { train, test, dir: chosen, description: `${what} at ${chosen}: ${train.length} training and ${test.length} test images${hint}` };
}

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
