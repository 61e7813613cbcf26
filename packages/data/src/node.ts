/**
 * `@flint/data/node`: everything in `@flint/data`, plus readers of dataset files on disk and a DataLoader
 * that can load in worker threads.
 * @module @flint/data/node
 */
export * from './index.js';
export { DataLoader } from './node/loader.js';
export { MNIST, FashionMNIST, CIFAR10 } from './node/vision.js';
export type { FileVisionOptions } from './node/vision.js';
export { ChestXray14 } from './node/chestxray.js';
export type { ChestXray14Options } from './node/chestxray.js';
export { IMDB } from './node/imdb.js';
export type { IMDBOptions } from './node/imdb.js';
export { findFile, readBytes } from './node/files.js';
export { createWorkerPool } from './node/pool.js';
export type { WorkerPoolOptions } from './node/pool.js';
export type { ReadOptions } from './node/files.js';
