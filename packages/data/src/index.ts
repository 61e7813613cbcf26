/**
 * `@flint/data` (browser-safe): datasets, DataLoader (main-thread loading), transforms, and format
 * parsers over bytes. File-path readers and worker threads are in `@flint/data/node`.
 * @module @flint/data
 */
export { Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, randomSplit } from './dataset.js';
export type { WorkerSpec } from './dataset.js';
export { Generator, globalRandom } from './random.js';
export type { RandomSource } from './random.js';
export { SequentialSampler, RandomSampler, SubsetRandomSampler, BatchSampler } from './loader/sampler.js';
export type { Sampler, RandomSamplerOptions } from './loader/sampler.js';
export { DistributedSampler } from './loader/distributed-sampler.js';
export type { DistributedSamplerOptions } from './loader/distributed-sampler.js';
export { defaultCollate } from './loader/collate.js';
export { DataLoader } from './loader/dataloader.js';
export type { DataLoaderOptions, Collated, BatchSamplerLike, WorkerPool } from './loader/dataloader.js';
export { DataLoaderError, DataLoaderTimeoutError } from './loader/errors.js';

export { Compose, Lambda } from './transforms/compose.js';
export type { Transform, TransformLike } from './transforms/compose.js';
export type { RawImage, Image } from './transforms/image.js';
export { isRawImage } from './transforms/image.js';
export { ToTensor, Normalize } from './transforms/tensor.js';
export { CenterCrop, RandomCrop, RandomHorizontalFlip, crop, hflip } from './transforms/geometric.js';
export type { PadMode, RandomCropOptions } from './transforms/geometric.js';
export { Resize, RandomResizedCrop, resize } from './transforms/resize.js';
export type { RandomResizedCropOptions } from './transforms/resize.js';

export { FormatError, SizeLimitError } from './formats/errors.js';
export { parseIdx, parseIdxPair, encodeIdx, IDX_IMAGES, IDX_LABELS } from './formats/idx.js';
export type { IdxArray } from './formats/idx.js';
export { parseCifar10, CIFAR_RECORD } from './formats/cifar.js';
export { decodePng, convertMode } from './formats/png.js';
export type { DecodePngOptions, ImageMode } from './formats/png.js';
export { parseCsv } from './formats/csv.js';
export { parseChestXrayCsv, parseImageList, splitByPatient, CHESTXRAY14_LABELS } from './formats/chestxray.js';
export type { ChestXrayEntry } from './formats/chestxray.js';
export { tokenize, Vocabulary, padSequence, PAD, START, OOV } from './formats/text.js';
export type { PadSide } from './formats/text.js';
export { gunzip, maybeGunzip, isGzip, DEFAULT_MAX_BYTES } from './formats/gzip.js';
export { decodeText, detectEncoding } from './formats/encoding.js';
export type { TextEncodingName } from './formats/encoding.js';

export { ImageLabelDataset, mnistFromBytes, mnistFromUrl, cifar10FromBytes, FASHION_MNIST_CLASSES, CIFAR10_CLASSES } from './datasets/vision.js';
export type { VisionOptions } from './datasets/vision.js';
export { ChestXrayDataset } from './datasets/chestxray.js';
export type { ChestXrayOptions } from './datasets/chestxray.js';
export { TextClassificationDataset, textClassification } from './datasets/text.js';
export type { TextOptions, LabelledTexts } from './datasets/text.js';
