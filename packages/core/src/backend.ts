// The backend contract (apiVersion 2.x): what a device must provide for Flint to run on it. A backend
// sees buffers and views of them, never a Tensor; core owns reference counts. Each kernel's inputs,
// outputs and attrs are in the schema (./schema), which types `kernels` below.
import type { DType, HostArray } from './dtype.js';
import type { KernelAttrsOf, KernelName } from './schema/index.js';

/**
 * A version of the backend contract.
 * @property major - incompatible changes
 * @property minor - kernels added (optional to backends of an earlier minor)
 */
export interface ApiVersion { readonly major: number; readonly minor: number }

/**
 * The contract this core speaks. A backend of the same major and a minor up to this one is accepted;
 * kernels added in later minors are optional, so core feature-detects them in `kernels`.
 */
export const API_VERSION = { major: 2, minor: 2 } as const satisfies ApiVersion;

/** A view of a backend buffer, as kernels receive it. */
export interface KernelTensor<B = unknown> {
  /** The backend's buffer. */
  readonly buffer: B;
  /** The dtype of the elements. */
  readonly dtype: DType;
  /** The view's shape. */
  readonly shape: readonly number[];
  /** Strides in elements (0 for broadcast dims). */
  readonly strides: readonly number[];
  /** Offset in elements from the start of the buffer. */
  readonly offset: number;
}

/** A kernel's attributes (dims, options), as the schema declares them. */
export type KernelAttrs = Readonly<Record<string, unknown>>;

/**
 * A kernel reads `inputs` and writes `outputs`; on an asynchronous device it enqueues that work and
 * returns. Outputs are freshly allocated and dense, except for `copy`, whose output may be any strided
 * view; inputs marked in place in the schema (the optimizer steps) are written through their buffers.
 */
export type Kernel<B = unknown, A = KernelAttrs> = {
  // method syntax keeps the parameter types bivariant, so a Backend<MyBuffer> is a Backend
  bivariant(inputs: KernelTensor<B>[], outputs: KernelTensor<B>[], attrs: A): void;
}['bivariant'];

/** A backend's kernels, keyed by schema name with attrs typed from the schema: a misspelt name or attr doesn't compile. */
export type KernelTable<B = unknown> = { readonly [K in KernelName]?: Kernel<B, KernelAttrsOf<K>> };

/** What a backend does with one dtype. */
export interface DTypeSupport {
  /** Buffers of this dtype can be allocated, written, read, copied, cast and filled. */
  storage: boolean;
  /** Kernels compute in this dtype. */
  arithmetic: boolean;
  /** Hardware-accelerated (informational). */
  accelerated: boolean;
  /**
   * Stored, but computed as this dtype: core casts inputs to it before a kernel and results back after
   * (WGSL has no 64-bit integers: `int64: { storage: true, arithmetic: false, computeAs: 'int32' }`).
   * Users still see PyTorch's dtypes; values must fit the compute dtype.
   */
  computeAs?: DType;
}

/** Optional abilities of a backend that change what core sends it. */
export interface BackendCapabilities {
  /**
   * Kernels whose inputs may be strided views (broadcast strides of 0, permutations, offsets); core
   * makes the inputs of every other kernel dense first. Default: every kernel the schema marks strided.
   * `copy` always takes strided views: it is how core makes them dense.
   */
  readonly stridedKernels?: readonly KernelName[];
}

/** Device-side timestamps, so work can be timed without reading data back (torch.cuda.Event). */
export interface BackendTiming<M = unknown> {
  /** Mark the point in the queue after the work enqueued so far. */
  record(): M;
  /** Milliseconds between two marks, once the device has passed both. */
  elapsedMs(start: M, end: M): Promise<number>;
}

/**
 * A backend's own account of its memory.
 * @property bytes - bytes held in buffers
 * @property buffers - buffers allocated and not released
 */
export interface BackendMemory { bytes: number; buffers: number }

/** A device's implementation: allocation, transfers and kernels (see BACKENDS.md). `B` is its buffer type. */
export interface Backend<B = unknown> {
  /** The backend's name (`'cpu'`, `'mockgpu'`), for messages. */
  readonly name: string;
  /** The contract version it implements (see {@link API_VERSION}). */
  readonly apiVersion: ApiVersion;
  /** What it does with each dtype. */
  readonly dtypes: Readonly<Record<DType, DTypeSupport>>;
  /** True when readSync works (CPU); GPUs read asynchronously. */
  readonly syncRead: boolean;
  /** Limits core checks before calling the backend: the largest buffer in bytes. */
  readonly limits: { readonly maxBufferBytes: number };
  /** Vendor libraries and their versions, e.g. { cublas: '13.0' }. */
  readonly vendor?: Readonly<Record<string, string>>;
  /** Optional abilities (strided kernel inputs). */
  readonly capabilities?: BackendCapabilities;

  /** A new buffer of `numel` elements of `dtype` (contents undefined). */
  allocate(dtype: DType, numel: number): B;
  /**
   * Write host data (see `hostArray` for the typed array of each dtype) at element `offset`. The data is
   * copied before write returns: the caller may reuse its array at once.
   */
  write(buffer: B, dtype: DType, data: HostArray, offset?: number): void;
  /** Read after the work enqueued so far; rejects with the device's deferred errors (IndexError, ...). */
  read(buffer: B, dtype: DType, offset: number, numel: number): Promise<HostArray>;
  /** A synchronous read, where the device allows one (CPU). */
  readSync?(buffer: B, dtype: DType, offset: number, numel: number): HostArray;
  /** Core is done with the buffer. Queued kernels may still use it: keep it alive until they finish. */
  release(buffer: B): void;
  /** The backend's account of its memory. */
  memory(): BackendMemory;

  /** Kernels keyed by schema name; every required kernel must be present (see REQUIRED_KERNELS). */
  readonly kernels: KernelTable<B>;

  /** Wait until queued work has finished; rejects with the device's deferred errors. */
  synchronize?(): Promise<void>;
  /** Optional device timestamps; without them core times by synchronizing. */
  readonly timing?: BackendTiming;
  /** Zero-copy wrap of host memory, where the backend can (CPU). */
  wrap?(dtype: DType, data: HostArray): B | undefined;
  /** Frees the backend's own resources when it is removed. */
  dispose?(): void;
}

/** Makes a backend (possibly asynchronously, as a GPU does): what {@link registerBackend} takes. */
export type BackendFactory = () => Backend | Promise<Backend>;
