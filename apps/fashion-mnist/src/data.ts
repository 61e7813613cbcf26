// Where the images come from (the full data set when installed, else the subset committed with the app),
// and (re-exported from batch.ts) how a list of samples becomes a normalised batch.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FashionMNIST } from '@flint/data/node';

export { MEAN, STD, collateBatch, type Sample } from './batch.js';

/** Debian's dataset-fashion-mnist installs the released files here. */
export const SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';
/** The first 4000 training and 1000 test images, committed with the app (see data/LICENSE). */
export const SUBSET_DIR = fileURLToPath(new URL('../data', import.meta.url));

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
