// The data and step of the DDP equivalence test: the first images of the Fashion-MNIST subset committed
// with apps/fashion-mnist (normalised as the app does), and one Adam step of the app's CNN.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { crossEntropy, fromBlob, scope, type Tensor } from '@flint/core';
import { parseIdx } from '@flint/data';
import type { Module } from '@flint/nn';
import { packageDir } from './launch.js';

const DIR = `${packageDir}/../../apps/fashion-mnist/data`;
const MEAN = 0.2860, STD = 0.3530;

/** `n` images as [n, 1, 28, 28] float32 (normalised) and their labels as int64. */
export function loadImages(n: number): { images: Float32Array; labels: BigInt64Array } {
  const img = parseIdx(new Uint8Array(gunzipSync(readFileSync(`${DIR}/train-images-idx3-ubyte.gz`))));
  const lab = parseIdx(new Uint8Array(gunzipSync(readFileSync(`${DIR}/train-labels-idx1-ubyte.gz`))));
  const images = new Float32Array(n * 784), labels = new BigInt64Array(n);
  for (let i = 0; i < n * 784; i++) images[i] = (Number(img.data[i]) / 255 - MEAN) / STD;
  for (let i = 0; i < n; i++) labels[i] = BigInt(Number(lab.data[i]));
  return { images, labels };
}

/** Samples [from, from + count) as tensors. */
export function batch(d: { images: Float32Array; labels: BigInt64Array }, from: number, count: number): [Tensor, Tensor] {
  return [fromBlob(d.images.slice(from * 784, (from + count) * 784), [count, 1, 28, 28]), fromBlob(d.labels.slice(from, from + count), [count])];
}

/** What a step needs of an optimizer. */
export interface Stepper { zeroGrad(): void; step(): void }

/** One step (zeroGrad, forward, cross-entropy, backward, optimizer step); returns the loss. */
export function step(model: Module, optimizer: Stepper, x: Tensor, y: Tensor): number {
  return scope(() => {
    optimizer.zeroGrad();
    const loss = crossEntropy(model.call(x) as Tensor, y);
    loss.backward();
    optimizer.step();
    return loss.itemSync();
  });
}
