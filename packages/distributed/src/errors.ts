// Typed errors of @flint/distributed: each names the collective, the ranks involved and what to do.
import { FlintError } from '@flint/core';

/** A process group that is missing, not initialised, misused, or whose communication library failed. */
export class DistributedError extends FlintError {}

/** A collective or point-to-point operation that did not complete within the process group's timeout. */
export class DistributedTimeoutError extends DistributedError {}

/** Ranks that called a collective with different shapes, dtypes, ops or roots. */
export class CollectiveMismatchError extends DistributedError {}
