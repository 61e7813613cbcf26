// A worker module for the DataLoader tests: builds Fashion-MNIST with its transforms inside the worker.
import type { Tensor } from '@flint/core';
import type { RawImage } from '../node.js';
import { Compose, FashionMNIST, Normalize, RandomCrop, RandomHorizontalFlip, ToTensor } from '../node.js';

export function build(root: string, train: boolean) {
  return new FashionMNIST(root, { train, transform: new Compose<RawImage, Tensor>([new RandomCrop(4, { padding: 1 }), new RandomHorizontalFlip(), new ToTensor(), new Normalize(0.5, 0.25)]) });
}

export class Failing { constructor() { throw new Error('cannot build this dataset'); } }
