// The WebGPU backend object of contract v2: pooled device buffers, batched kernels, asynchronous reads;
// float16/bfloat16 stored and computed as float32, int64 stored and computed as int32, float64 refused.
/// <reference types="@webgpu/types" />
import type { Backend, DType, DTypeSupport, KernelName, KernelTable } from '@flint/core';
import { API_VERSION, DTYPES } from '@flint/core';
import { Gpu } from './runtime/gpu.js';
import type { WgBuffer } from './runtime/pool.js';
import { deviceBytes, fromDevice, kindOf, toDevice } from './runtime/storage.js';
import { kernelTable } from './kernels/table.js';

export type { WgBuffer } from './runtime/pool.js';

/** The WebGPU backend, with what tests and tools may want to look at. */
export interface WebGPUBackend extends Backend<WgBuffer> {
  /** The device the backend runs on. */
  readonly device: GPUDevice;
  /** Whether the device has been lost (every later call is a BackendError). */
  readonly lost: boolean;
  /** Dispatches encoded, batches submitted and GPU buffers created so far. */
  readonly stats: { readonly dispatches: number; readonly submits: number; readonly buffersCreated: number };
}

/** Options of {@link createWebGPUBackend}. */
export interface BackendOptions {
  /** The backend's name in messages (default 'webgpu'). */
  name?: string;
  /** The adapter's description, for `vendor`. */
  adapter?: string;
  /** Destroy the device when the backend is disposed (false when the caller owns it). */
  ownDevice?: boolean;
  /**
   * Largest storage binding the kernels make, below the adapter's maxStorageBufferBindingSize: tensors past it
   * are processed in windows. For tests of those paths on small tensors; leave unset otherwise.
   */
  maxBindingBytes?: number;
}

const SUPPORT: Record<DType, DTypeSupport> = Object.fromEntries(DTYPES.map((d): [DType, DTypeSupport] => {
  switch (d) {
    case 'float32': case 'int32': case 'uint8': case 'bool': return [d, { storage: true, arithmetic: true, accelerated: d === 'float32' }];
    case 'int64': return [d, { storage: true, arithmetic: false, accelerated: false, computeAs: 'int32' }];
    case 'float16': case 'bfloat16': return [d, { storage: true, arithmetic: false, accelerated: false, computeAs: 'float32' }];
    case 'float64': return [d, { storage: false, arithmetic: false, accelerated: false }];
  }
})) as Record<DType, DTypeSupport>;

/** Kernels that read strided views in place: data movement, matmul, and every elementwise kernel. */
const STRIDED: readonly KernelName[] = [
  'copy', 'cast', 'matmul', 'where', 'neg', 'abs', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'sin', 'cos', 'tanh', 'floor', 'ceil', 'round', 'sign',
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'remainder', 'eq', 'ne', 'lt', 'le', 'gt', 'ge',
  'rsqrt', 'reciprocal', 'sigmoid', 'relu', 'gelu', 'leakyRelu', 'softplus',
  ...(['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'remainder', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const).map((o) => `${o}Scalar` as KernelName),
];

/** A WebGPU backend on `device` (use {@link initWebGPU} to find a device and register the backend). */
export function createWebGPUBackend(device: GPUDevice, opts: BackendOptions = {}): WebGPUBackend {
  const gpu = new Gpu(device, opts.maxBindingBytes);
  const name = opts.name ?? 'webgpu';
  const kernels: KernelTable<WgBuffer> = kernelTable(gpu);
  return {
    name,
    apiVersion: API_VERSION,
    dtypes: SUPPORT,
    syncRead: false,
    // float32 elements take their own size; bool/uint8 take four bytes each on the device (see storage.ts)
    limits: { maxBufferBytes: Math.min(gpu.limits.maxBufferSize, 2 ** 31 - 1) },
    vendor: { webgpu: opts.adapter ?? 'unknown adapter' },
    capabilities: { stridedKernels: STRIDED },
    device,
    get lost() { return gpu.isLost; },
    get stats() { return { dispatches: gpu.dispatchCount, submits: gpu.submitCount, buffersCreated: gpu.pool.created }; },
    allocate: (dtype, n) => gpu.allocate(n * deviceBytes(dtype), () => `${dtype}[${n}]`),
    write(buffer, dtype, data, offset = 0) {
      gpu.write(buffer, offset * deviceBytes(dtype), toDevice(dtype, data));
    },
    async read(buffer, dtype, offset, n) {
      kindOf(dtype, 'read');
      const eb = deviceBytes(dtype);
      return fromDevice(dtype, await gpu.read(buffer, offset * eb, n * eb));
    },
    release: (buffer) => gpu.release(buffer),
    memory: () => ({ bytes: gpu.pool.liveBytes, buffers: gpu.pool.liveBuffers }),
    kernels,
    synchronize: () => gpu.synchronize(),
    dispose: () => gpu.destroy(opts.ownDevice ?? false),
  };
}
