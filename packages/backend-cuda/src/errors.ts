// Status codes of the driver API, cuBLAS and cuDNN turned into typed Flint errors that name the op, the
// library call and the status by name (CUDA_ERROR_ILLEGAL_ADDRESS, not 700).
import { BackendError, OutOfMemoryError } from '@flint/core';

/** CUresult names (cuda.h), for the codes a Flint user can meet. */
export const CU_RESULT: Readonly<Record<number, string>> = {
  0: 'CUDA_SUCCESS', 1: 'CUDA_ERROR_INVALID_VALUE', 2: 'CUDA_ERROR_OUT_OF_MEMORY', 3: 'CUDA_ERROR_NOT_INITIALIZED',
  4: 'CUDA_ERROR_DEINITIALIZED', 34: 'CUDA_ERROR_STUB_LIBRARY', 46: 'CUDA_ERROR_DEVICE_UNAVAILABLE',
  100: 'CUDA_ERROR_NO_DEVICE', 101: 'CUDA_ERROR_INVALID_DEVICE', 102: 'CUDA_ERROR_DEVICE_NOT_LICENSED',
  200: 'CUDA_ERROR_INVALID_IMAGE', 201: 'CUDA_ERROR_INVALID_CONTEXT', 209: 'CUDA_ERROR_NO_BINARY_FOR_GPU',
  218: 'CUDA_ERROR_INVALID_PTX', 222: 'CUDA_ERROR_UNSUPPORTED_PTX_VERSION', 300: 'CUDA_ERROR_INVALID_SOURCE',
  301: 'CUDA_ERROR_FILE_NOT_FOUND', 400: 'CUDA_ERROR_INVALID_HANDLE', 500: 'CUDA_ERROR_NOT_FOUND', 600: 'CUDA_ERROR_NOT_READY',
  700: 'CUDA_ERROR_ILLEGAL_ADDRESS', 701: 'CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES', 702: 'CUDA_ERROR_LAUNCH_TIMEOUT',
  710: 'CUDA_ERROR_ASSERT', 714: 'CUDA_ERROR_MISALIGNED_ADDRESS', 715: 'CUDA_ERROR_ILLEGAL_INSTRUCTION',
  716: 'CUDA_ERROR_INVALID_ADDRESS_SPACE', 717: 'CUDA_ERROR_INVALID_PC', 719: 'CUDA_ERROR_LAUNCH_FAILED',
  900: 'CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED', 901: 'CUDA_ERROR_STREAM_CAPTURE_INVALIDATED', 902: 'CUDA_ERROR_STREAM_CAPTURE_MERGE',
  903: 'CUDA_ERROR_STREAM_CAPTURE_UNMATCHED', 904: 'CUDA_ERROR_STREAM_CAPTURE_UNJOINED', 905: 'CUDA_ERROR_STREAM_CAPTURE_ISOLATION',
  906: 'CUDA_ERROR_STREAM_CAPTURE_IMPLICIT', 999: 'CUDA_ERROR_UNKNOWN',
};

/** Driver errors after which the context is unusable until the process restarts (CUDA's "sticky" errors). */
export const STICKY = new Set([700, 710, 714, 715, 716, 717, 719]);

/** cublasStatus_t names. */
export const CUBLAS_STATUS: Readonly<Record<number, string>> = {
  0: 'CUBLAS_STATUS_SUCCESS', 1: 'CUBLAS_STATUS_NOT_INITIALIZED', 3: 'CUBLAS_STATUS_ALLOC_FAILED', 7: 'CUBLAS_STATUS_INVALID_VALUE',
  8: 'CUBLAS_STATUS_ARCH_MISMATCH', 11: 'CUBLAS_STATUS_MAPPING_ERROR', 13: 'CUBLAS_STATUS_EXECUTION_FAILED',
  14: 'CUBLAS_STATUS_INTERNAL_ERROR', 15: 'CUBLAS_STATUS_NOT_SUPPORTED', 16: 'CUBLAS_STATUS_LICENSE_ERROR',
};

/** cudnnStatus_t names (cuDNN 9 numbers its codes by category: 1xxx init, 2xxx parameters, 3xxx support, 4xxx internal, 5xxx execution). */
export const CUDNN_STATUS: Readonly<Record<number, string>> = {
  0: 'CUDNN_STATUS_SUCCESS', 1001: 'CUDNN_STATUS_NOT_INITIALIZED', 1002: 'CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH',
  1004: 'CUDNN_STATUS_DEPRECATED', 1005: 'CUDNN_STATUS_LICENSE_ERROR', 1008: 'CUDNN_STATUS_SUBLIBRARY_LOADING_FAILED',
  2000: 'CUDNN_STATUS_BAD_PARAM', 2002: 'CUDNN_STATUS_BAD_PARAM_NULL_POINTER', 2003: 'CUDNN_STATUS_BAD_PARAM_MISALIGNED_POINTER',
  2005: 'CUDNN_STATUS_BAD_PARAM_OUT_OF_BOUND', 2006: 'CUDNN_STATUS_BAD_PARAM_SIZE_INSUFFICIENT', 2008: 'CUDNN_STATUS_BAD_PARAM_SHAPE_MISMATCH',
  3000: 'CUDNN_STATUS_NOT_SUPPORTED', 3002: 'CUDNN_STATUS_NOT_SUPPORTED_SHAPE', 3003: 'CUDNN_STATUS_NOT_SUPPORTED_DATA_TYPE',
  3004: 'CUDNN_STATUS_NOT_SUPPORTED_LAYOUT', 3007: 'CUDNN_STATUS_NOT_SUPPORTED_ARCH_MISMATCH',
  4000: 'CUDNN_STATUS_INTERNAL_ERROR', 4004: 'CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED',
  5000: 'CUDNN_STATUS_EXECUTION_FAILED', 5001: 'CUDNN_STATUS_EXECUTION_FAILED_CUDA_DRIVER', 5002: 'CUDNN_STATUS_EXECUTION_FAILED_CUBLAS',
};

const CUDNN_CATEGORY: Readonly<Record<number, string>> = {
  1: 'CUDNN_STATUS_NOT_INITIALIZED', 2: 'CUDNN_STATUS_BAD_PARAM', 3: 'CUDNN_STATUS_NOT_SUPPORTED', 4: 'CUDNN_STATUS_INTERNAL_ERROR', 5: 'CUDNN_STATUS_EXECUTION_FAILED',
};

/** Which library returned a status. */
export type StatusLibrary = 'cuda' | 'cublas' | 'cudnn';

/** The name of a status code (`CUDA_ERROR_OUT_OF_MEMORY`), or the code with its library when unknown. */
export function statusName(lib: StatusLibrary, status: number): string {
  if (lib === 'cuda') return CU_RESULT[status] ?? `CUresult ${status}`;
  if (lib === 'cublas') return CUBLAS_STATUS[status] ?? `cublasStatus ${status}`;
  const exact = CUDNN_STATUS[status];
  if (exact) return exact;
  const cat = CUDNN_CATEGORY[Math.floor(status / 1000)];
  return cat ? `${cat} (${status})` : `cudnnStatus ${status}`;
}

/** A failed library call: a BackendError naming the op, the call and the status. */
export class CudaCallError extends BackendError {
  /**
   * @param op - the Flint op or backend action that made the call (`matmul`, `read`)
   * @param call - the library function (`cublasSgemm_v2`)
   * @param lib - the library
   * @param status - the status it returned
   */
  constructor(readonly op: string, readonly call: string, readonly lib: StatusLibrary, readonly status: number) {
    super(`${op}: ${call} failed with ${statusName(lib, status)}${hint(lib, status)}`);
  }
}

function hint(lib: StatusLibrary, status: number): string {
  if (lib === 'cuda' && STICKY.has(status)) {
    return ' — a kernel faulted; the CUDA context is now unusable (a sticky error) and the process must restart. Run with CUDA_LAUNCH_BLOCKING=1 to find the kernel';
  }
  if (lib === 'cuda' && status === 218) return ' — the driver is older than the PTX of this package; update the NVIDIA driver';
  if (lib === 'cuda' && status === 222) return ' — the driver does not support this PTX version; update the NVIDIA driver';
  if (lib === 'cuda' && status === 901) return ' — an operation that cannot be captured ran during CUDA graph capture (a read, a synchronize, or an allocation outside the graph pool)';
  return '';
}

/** Throws CudaCallError (OutOfMemoryError for CUDA_ERROR_OUT_OF_MEMORY) unless status is 0. */
export function check(lib: StatusLibrary, op: string, call: string, status: number): void {
  if (status === 0) return;
  if ((lib === 'cuda' && status === 2) || (lib === 'cublas' && status === 3)) {
    throw new OutOfMemoryError(`${op}: ${call} failed with ${statusName(lib, status)}`);
  }
  throw new CudaCallError(op, call, lib, status);
}

/** No usable CUDA here: no driver, no device, or a library missing. The message lists what was tried and what to install. */
export class CudaUnavailableError extends BackendError {}
