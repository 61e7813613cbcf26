// Typed errors of the DataLoader: a worker that failed or exited, and a batch that took longer than `timeout`.
import { FlintError } from '@flint/core';

/** A DataLoader worker that could not build its dataset, crashed, or exited while it had work. */
export class DataLoaderError extends FlintError {}

/** A batch (or, on the main thread, an asynchronous getItem) that took longer than the loader's `timeout` seconds. */
export class DataLoaderTimeoutError extends DataLoaderError {}
