// Shared by every kernel file: the strided geometry struct (packed by src/runtime/args.ts), grid-stride
// loops, wrapping integer arithmetic, and the deferred-error flag kernels set instead of trapping.
#pragma once
// FLINT_HOST_EMULATION: src/testing/cuda-host.h compiles these kernels for the CPU, for tests without a GPU
#ifndef FLINT_HOST_EMULATION
#include <cuda_fp16.h>
#include <cuda_bf16.h>
#endif

#define FLINT_MAX_DIMS 8
#define FLINT_MAX_OPERANDS 4

// Operand 0 is the output; strides and offsets are in elements. Matches GEO in src/runtime/args.ts.
struct Geo {
  long long n;
  int ndim;
  int dense;
  long long shape[FLINT_MAX_DIMS];
  long long stride[FLINT_MAX_OPERANDS][FLINT_MAX_DIMS];
  long long offset[FLINT_MAX_OPERANDS];
};

// The strided walk is out of line: inlined into every kernel it multiplies the PTX (and JIT time) several times.
__device__ __noinline__ long long geo_index_strided(const Geo& g, long long i, int op) {
  long long idx = g.offset[op];
  for (int k = g.ndim - 1; k >= 0; --k) {
    const long long d = g.shape[k], q = i / d;
    idx += (i - q * d) * g.stride[op][k];
    i = q;
  }
  return idx;
}
__device__ __forceinline__ long long geo_index(const Geo& g, long long i, int op) {
  return g.dense ? i + g.offset[op] : geo_index_strided(g, i, op);
}

#define GRID_STRIDE(i, n) \
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (long long)blockDim.x * gridDim.x)

// Deferred errors: err[0] is a code (1 index out of range, 2 integer division by zero), err[1] the kernel
// site, err[2..3] the offending value; the first error wins and the host reads it at the next read/sync.
#define FLINT_ERR_INDEX 1
#define FLINT_ERR_ZERO_DIV 2
__device__ __forceinline__ void flint_report(int* err, int code, int site, long long value) {
  if (atomicCAS(err, 0, code) == 0) {
    err[1] = site;
    err[2] = (int)(value & 0xffffffffLL);
    err[3] = (int)(value >> 32);
  }
}

// Two's-complement wrap-around, as torch: signed overflow is undefined in C, unsigned is not.
template <class T> struct Unsigned { typedef T type; };
template <> struct Unsigned<int> { typedef unsigned int type; };
template <> struct Unsigned<long long> { typedef unsigned long long type; };
template <class T> __device__ __forceinline__ T wadd(T a, T b) { typedef typename Unsigned<T>::type U; return (T)((U)a + (U)b); }
template <class T> __device__ __forceinline__ T wsub(T a, T b) { typedef typename Unsigned<T>::type U; return (T)((U)a - (U)b); }
template <class T> __device__ __forceinline__ T wmul(T a, T b) { typedef typename Unsigned<T>::type U; return (T)((U)a * (U)b); }
template <class T> __device__ __forceinline__ T wneg(T a) { typedef typename Unsigned<T>::type U; return (T)((U)0 - (U)a); }

// Integer power by squaring (core rejects negative exponents of integers before the kernel).
template <class T> __device__ __forceinline__ T ipow(T base, T e) {
  T r = 1;
  while (e > 0) {
    if (e & 1) r = wmul(r, base);
    base = wmul(base, base);
    e >>= 1;
  }
  return r;
}

// Python's modulo: the result takes the sign of the divisor.
template <class T> __device__ __forceinline__ T fmod_py(T a, T b) {
  T r = fmod(a, b);
  if (r != (T)0 && ((r < (T)0) != (b < (T)0))) r += b;
  return r;
}
template <class T> __device__ __forceinline__ T imod_py(T a, T b) {
  T r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

template <class T> __device__ __forceinline__ T fmax_nan(T a, T b) { return (a != a || b != b) ? (a + b) : (a > b ? a : b); }
template <class T> __device__ __forceinline__ T fmin_nan(T a, T b) { return (a != a || b != b) ? (a + b) : (a < b ? a : b); }
