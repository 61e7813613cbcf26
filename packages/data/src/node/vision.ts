// MNIST, Fashion-MNIST and CIFAR-10 from their released files (Node).
import { checkOptions, optionKeys } from '@flint/core';
import { join } from 'node:path';
import type { WorkerSpec } from '../dataset.js';
import type { VisionOptions } from '../datasets/vision.js';
import { ImageLabelDataset, cifar10FromBytes } from '../datasets/vision.js';
import { parseIdxPair } from '../formats/idx.js';
import type { RawImage } from '../transforms/image.js';
import { findFile, readBytes } from './files.js';

/** Options of the file-based image datasets. */
export interface FileVisionOptions<I, L> extends VisionOptions<I, L> {
  /** Load the training split (default true) or the test split. */
  train?: boolean;
  /** Cap in bytes on what each .gz file may decompress to (default 1 GiB): a gzip bomb fails at the cap. */
  maxBytes?: number;
}

function loadIdx(what: string, root: string, sub: string, train: boolean, maxBytes: number | undefined) {
  const prefix = train ? 'train' : 't10k';
  const dirs = [root, join(root, sub, 'raw'), join(root, sub)];
  const files = [`${prefix}-images-idx3-ubyte`, `${prefix}-labels-idx1-ubyte`].map((f) => findFile(what, dirs, [`${f}.gz`, f, f.replace(/-idx(\d)-/, '.idx$1-')]));
  const read = (i: number, kind: string) => readBytes(files[i]!, { maxBytes, expected: `${what}'s ${kind} file (IDX)` });
  return parseIdxPair(read(0, 'images'), read(1, 'labels'), files as [string, string]);
}

/** A worker can rebuild a built-in dataset only without transforms (functions don't cross threads). */
const builtinSpec = (name: string, root: string, opts: FileVisionOptions<unknown, unknown>): WorkerSpec | undefined =>
  opts.transform || opts.targetTransform ? undefined : { builtin: name, args: [root, { train: opts.train ?? true, maxBytes: opts.maxBytes }] };

const FILE_VISION_KEYS = optionKeys<FileVisionOptions<unknown, unknown>>()('transform', 'targetTransform', 'train', 'maxBytes');

/**
 * MNIST from `root` holding train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz), t10k-... (also
 * torchvision's root/MNIST/raw layout).
 */
export class MNIST<I = RawImage, L = number> extends ImageLabelDataset<I, L> {
  /** The name workers know it by, and torchvision's folder name under root. */
  static readonly builtin: string = 'MNIST';
  /**
   * @param root - the folder holding the IDX files
   * @param opts - split, transforms and decompression cap
   */
  constructor(readonly root: string, opts: FileVisionOptions<I, L> = {}) {
    const name = (new.target as unknown as { builtin: string }).builtin;
    checkOptions(name, opts, FILE_VISION_KEYS);
    const p = loadIdx(name, root, name, opts.train ?? true, opts.maxBytes);
    super(p.images, p.labels, p.height, p.width, 1, opts);
    this.train = opts.train ?? true;
  }
  /** Whether this is the training split. */
  readonly train: boolean;
  override workerInit(): WorkerSpec | undefined { return builtinSpec((this.constructor as typeof MNIST).builtin, this.root, this.opts as FileVisionOptions<unknown, unknown>); }
}

/** Fashion-MNIST: the same files and layout as MNIST (Debian's dataset-fashion-mnist: /usr/share/datasets/fashion-mnist). */
export class FashionMNIST<I = RawImage, L = number> extends MNIST<I, L> {
  static override readonly builtin: string = 'FashionMNIST';
}

/**
 * CIFAR-10 binary version: root holding data_batch_1..5.bin and test_batch.bin (or root/cifar-10-batches-bin);
 * each may be gzip-compressed as NAME.bin.gz.
 */
export class CIFAR10<I = RawImage, L = number> extends ImageLabelDataset<I, L> {
  /** Whether this is the training split. */
  readonly train: boolean;
  /**
   * @param root - the folder holding the binary batches
   * @param opts - split, transforms and decompression cap
   */
  constructor(readonly root: string, opts: FileVisionOptions<I, L> = {}) {
    checkOptions('CIFAR10', opts, FILE_VISION_KEYS);
    const train = opts.train ?? true;
    const names = train ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ['test_batch.bin'];
    const dirs = [root, join(root, 'cifar-10-batches-bin')];
    const files: string[] = [];
    const batches = names.map((n) => {
      files.push(findFile('CIFAR10', dirs, [n, `${n}.gz`]));
      return readBytes(files[files.length - 1]!, { maxBytes: opts.maxBytes, expected: 'a CIFAR-10 binary batch file' });
    });
    const d = cifar10FromBytes(batches, { transform: opts.transform, targetTransform: opts.targetTransform }, files);
    super(d.images, d.labels, 32, 32, 3, opts);
    this.train = train;
  }
  override workerInit(): WorkerSpec | undefined { return builtinSpec('CIFAR10', this.root, this.opts as FileVisionOptions<unknown, unknown>); }
}
