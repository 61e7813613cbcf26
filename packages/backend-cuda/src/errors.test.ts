// Library status codes become typed errors naming the op, the call and the status.
import { BackendError, OutOfMemoryError } from '@flint/core';
import { describe, expect, it } from 'vitest';
import { CudaCallError, check, statusName } from './errors.js';

describe('status names', () => {
  it('names driver, cuBLAS and cuDNN codes, and unknown ones by number', () => {
    expect(statusName('cuda', 700)).toBe('CUDA_ERROR_ILLEGAL_ADDRESS');
    expect(statusName('cublas', 13)).toBe('CUBLAS_STATUS_EXECUTION_FAILED');
    expect(statusName('cudnn', 3000)).toBe('CUDNN_STATUS_NOT_SUPPORTED');
    expect(statusName('cudnn', 2999)).toBe('CUDNN_STATUS_BAD_PARAM (2999)');
    expect(statusName('cuda', 12345)).toBe('CUresult 12345');
  });
});

describe('check', () => {
  it('passes success and throws a BackendError naming op, call and status', () => {
    expect(() => check('cuda', 'add', 'cuLaunchKernel', 0)).not.toThrow();
    let e: unknown;
    try { check('cudnn', 'conv2d', 'cudnnConvolutionForward', 3002); } catch (x) { e = x; }
    expect(e).toBeInstanceOf(CudaCallError);
    expect(e).toBeInstanceOf(BackendError);
    expect((e as Error).message).toBe('conv2d: cudnnConvolutionForward failed with CUDNN_STATUS_NOT_SUPPORTED_SHAPE');
    expect((e as CudaCallError).status).toBe(3002);
  });
  it('sticky errors say the context is lost', () => {
    expect(() => check('cuda', 'read', 'cuEventQuery', 700)).toThrow(/sticky error\) and the process must restart/);
  });
  it('out-of-memory statuses are OutOfMemoryError', () => {
    expect(() => check('cuda', 'allocate', 'cuMemAlloc', 2)).toThrow(OutOfMemoryError);
    expect(() => check('cublas', 'matmul', 'cublasCreate', 3)).toThrow(OutOfMemoryError);
  });
});
