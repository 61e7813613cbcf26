// layerNorm over the rows of x [M, D]: one block per row, mean then biased variance (two passes over the
// row, in the row's dtype), y = (x - mean) * rstd * weight + bias; also writes mean and rstd per row.
#include "common.cuh"

#define LBLOCK 256

template <class T> __device__ __forceinline__ T trsqrt(T x);
template <> __device__ __forceinline__ float trsqrt(float x) { return 1.0f / sqrtf(x); }
template <> __device__ __forceinline__ double trsqrt(double x) { return 1.0 / sqrt(x); }

template <class T>
__device__ T block_sum(T v, T* buf) {
  buf[threadIdx.x] = v;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) { if ((int)threadIdx.x < s) buf[threadIdx.x] += buf[threadIdx.x + s]; __syncthreads(); }
  const T r = buf[0];
  __syncthreads();
  return r;
}

template <class T>
__device__ void layer_norm(const T* x, const T* w, const T* b, T* y, T* mean, T* rstd, long long M, long long D, double eps) {
  __shared__ T buf[LBLOCK];
  for (long long r = blockIdx.x; r < M; r += gridDim.x) {
    const T* row = x + r * D;
    T s = 0;
    for (long long c = threadIdx.x; c < D; c += blockDim.x) s += row[c];
    const T mu = block_sum(s, buf) / (T)D;
    T q = 0;
    for (long long c = threadIdx.x; c < D; c += blockDim.x) { const T d = row[c] - mu; q += d * d; }
    const T rs = trsqrt(block_sum(q, buf) / (T)D + (T)eps);
    for (long long c = threadIdx.x; c < D; c += blockDim.x) y[r * D + c] = (row[c] - mu) * rs * w[c] + b[c];
    if (threadIdx.x == 0) { mean[r] = mu; rstd[r] = rs; }
  }
}

extern "C" __global__ void layer_norm_f32(const float* x, const float* w, const float* b, float* y, float* mean, float* rstd, long long M, long long D, double eps) { layer_norm<float>(x, w, b, y, mean, rstd, M, D, eps); }
extern "C" __global__ void layer_norm_f64(const double* x, const double* w, const double* b, double* y, double* mean, double* rstd, long long M, long long D, double eps) { layer_norm<double>(x, w, b, y, mean, rstd, M, D, eps); }
