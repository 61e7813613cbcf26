// The backend contract (apiVersion 1): what a device must provide for Flint to run on it.
// A backend sees buffers and strided views of them, never a Tensor; core owns reference counts.
import type { DType, HostArray } from './dtype.js';

export const API_VERSION = 1 as const;

/** A strided view of a backend buffer, as kernels receive it. */
export interface KernelTensor<B = unknown> {
  readonly buffer: B;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  /** Offset in elements from the start of the buffer. */
  readonly offset: number;
}

export type KernelAttrs = Readonly<Record<string, unknown>>;

/**
 * A kernel reads `inputs` and writes `outputs`. Outputs are freshly allocated and contiguous, except
 * for `copy`, whose single output may be any strided view (that is how core writes into slices).
 */
export type Kernel<B = unknown> = {
  // method syntax keeps the buffer type bivariant, so a Backend<MyBuffer> is a Backend
  bivariant(inputs: KernelTensor<B>[], outputs: KernelTensor<B>[], attrs: KernelAttrs): void;
}['bivariant'];

export interface DTypeSupport {
  /** Buffers of this dtype can be allocated, written and read. */
  storage: boolean;
  /** Kernels compute in this dtype (otherwise core reports a DTypeError naming the op). */
  arithmetic: boolean;
  /** Hardware-accelerated (informational). */
  accelerated: boolean;
}

export interface BackendMemory { bytes: number; buffers: number }

export interface Backend<B = unknown> {
  readonly name: string;
  readonly apiVersion: typeof API_VERSION;
  readonly dtypes: Readonly<Record<DType, DTypeSupport>>;
  /** True when readSync works (CPU); GPUs read asynchronously. */
  readonly syncRead: boolean;
  readonly limits: { readonly maxBufferBytes: number };
  /** Vendor libraries and their versions, e.g. { cublas: '13.0' }. */
  readonly vendor?: Readonly<Record<string, string>>;

  allocate(dtype: DType, numel: number): B;
  /** Write host data (see `hostArray` for the typed array of each dtype) at element `offset`. */
  write(buffer: B, dtype: DType, data: HostArray, offset?: number): void;
  read(buffer: B, dtype: DType, offset: number, numel: number): Promise<HostArray>;
  readSync?(buffer: B, dtype: DType, offset: number, numel: number): HostArray;
  release(buffer: B): void;
  memory(): BackendMemory;

  /** Kernels keyed by op name; see REQUIRED_KERNELS and OPTIONAL_KERNELS. */
  readonly kernels: Readonly<Partial<Record<string, Kernel<B>>>>;

  /** Wait until queued work has finished. */
  sync?(): Promise<void>;
  /** Zero-copy wrap of host memory, where the backend can (CPU). */
  wrap?(dtype: DType, data: HostArray): B | undefined;
  dispose?(): void;
}

export type BackendFactory = () => Backend | Promise<Backend>;

/** Kernels every backend implements; everything else in Flint is composed from these. */
export const REQUIRED_KERNELS = [
  'copy', 'cast', 'fill', 'arange', 'random',
  'neg', 'abs', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'sin', 'cos', 'tanh', 'floor', 'ceil', 'round', 'sign',
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'remainder',
  'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'where',
  'sum', 'prod', 'max', 'min', 'argmax', 'argmin', 'cumsum',
  'gather', 'scatterAdd', 'matmul',
] as const;

/** Kernels a backend may add to go fast; core composes each from the required tier when absent. */
export const OPTIONAL_KERNELS = [
  'rsqrt', 'reciprocal', 'sigmoid', 'relu', 'gelu', 'leakyRelu', 'softplus',
  'softmax', 'logSoftmax', 'crossEntropy',
  'conv2d', 'conv2dBackwardInput', 'conv2dBackwardWeight',
  'maxPool2d', 'maxPool2dBackward', 'avgPool2d', 'avgPool2dBackward',
  'batchNorm', 'batchNormBackward', 'layerNorm',
  'gruCell', 'gruCellBackward', 'lstmCell', 'lstmCellBackward',
  'sgdStep', 'adamStep',
] as const;

export type RequiredKernel = (typeof REQUIRED_KERNELS)[number];
export type OptionalKernel = (typeof OPTIONAL_KERNELS)[number];
