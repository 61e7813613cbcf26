// What every kernel wrapper shares: the buffer type, the device context kernels run in, dtype suffixes of
// kernel names, and pointer and size helpers.
import { BYTES, DTypeError, type DType, type KernelTensor } from '@flint/core';
import type { Blas } from '../ffi/cublas.js';
import type { Dnn } from '../ffi/cudnn.js';
import type { Block } from '../runtime/allocator.js';
import type { CudaRuntime } from '../runtime/runtime.js';

/** A CUDA buffer: an allocator block. */
export interface CudaBuffer { readonly block: Block; readonly bytes: number }

/** A kernel's view of a CUDA buffer. */
export type CT = KernelTensor<CudaBuffer>;

/** TF32 switches, as torch.backends.cuda.matmul.allow_tf32 (off) and torch.backends.cudnn.allow_tf32 (on). */
export interface Tf32Flags {
  /** cuBLAS float32 GEMMs may use TF32 tensor cores (default false). */
  matmul: boolean;
  /** cuDNN float32 convolutions and RNNs may use TF32 tensor cores (default true). */
  cudnn: boolean;
}

/** What kernels run with: the runtime, the libraries (absent in tests with a fake driver) and the TF32 switches. */
export interface DeviceContext {
  readonly rt: CudaRuntime;
  readonly blas?: Blas;
  readonly dnn?: Dnn;
  readonly tf32: Tf32Flags;
}

/** Kernel-name suffix of each dtype. */
export const SUFFIX: Readonly<Record<DType, string>> = {
  float32: 'f32', float64: 'f64', int32: 'i32', int64: 'i64', uint8: 'u8', bool: 'b8', float16: 'f16', bfloat16: 'bf16',
};

/** The number of elements of a shape. */
export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The device address of a view's first element. */
export const addr = (t: CT): bigint => t.buffer.block.ptr + BigInt(t.offset * BYTES[t.dtype]);

/** The device address of a buffer's start (strided kernels add offsets themselves). */
export const base = (t: CT): bigint => t.buffer.block.ptr;

/** Row-major strides of a shape. */
export function denseStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]!; }
  return s;
}

/** The suffix of `dtype` if `allowed` has it, else a DTypeError naming the op. */
export function suffixIn(op: string, dtype: DType, allowed: readonly string[]): string {
  const s = SUFFIX[dtype];
  if (!allowed.includes(s)) throw new DTypeError(`${op}: the CUDA backend has no ${dtype} kernel (it has ${allowed.join(', ')}); cast first`);
  return s;
}

/** Float kernels exist for float32 and float64 (16-bit floats are computed as float32 by core). */
export const FLOATS: readonly string[] = ['f32', 'f64'];
/** Every compute dtype. */
export const COMPUTE: readonly string[] = ['f32', 'f64', 'i32', 'i64', 'u8', 'b8'];
