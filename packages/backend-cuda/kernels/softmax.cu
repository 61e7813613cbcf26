// softmax, logSoftmax and fused cross-entropy over the last dim of dense [rows, cols] inputs: one block
// per row, max then sum of exponentials in shared memory.
#include "common.cuh"

#define SBLOCK 256

template <class T> __device__ __forceinline__ T texp(T x);
template <> __device__ __forceinline__ float texp(float x) { return expf(x); }
template <> __device__ __forceinline__ double texp(double x) { return exp(x); }
template <class T> __device__ __forceinline__ T tlog(T x);
template <> __device__ __forceinline__ float tlog(float x) { return logf(x); }
template <> __device__ __forceinline__ double tlog(double x) { return log(x); }

// The block's max and sum(exp(x - max)) of one row, in every thread.
template <class T>
__device__ void row_stats(const T* row, long long cols, T* maxOut, T* sumOut) {
  __shared__ T buf[SBLOCK];
  T m = -INFINITY;
  for (long long c = threadIdx.x; c < cols; c += blockDim.x) m = fmax_nan(m, row[c]);
  buf[threadIdx.x] = m;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) { if ((int)threadIdx.x < s) buf[threadIdx.x] = fmax_nan(buf[threadIdx.x], buf[threadIdx.x + s]); __syncthreads(); }
  m = buf[0];
  __syncthreads();
  // a row of -inf keeps max finite so exp(x - max) is 0, not NaN
  const T shift = m == -INFINITY ? (T)0 : m;
  T acc = 0;
  for (long long c = threadIdx.x; c < cols; c += blockDim.x) acc += texp(row[c] - shift);
  buf[threadIdx.x] = acc;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) { if ((int)threadIdx.x < s) buf[threadIdx.x] += buf[threadIdx.x + s]; __syncthreads(); }
  *maxOut = shift;
  *sumOut = buf[0];
  __syncthreads();
}

template <class T, bool LOG>
__device__ void softmax_impl(const T* x, T* out, long long rows, long long cols) {
  for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
    T m, s;
    row_stats(x + r * cols, cols, &m, &s);
    const T ls = tlog(s);
    for (long long c = threadIdx.x; c < cols; c += blockDim.x) {
      const T v = x[r * cols + c] - m;
      out[r * cols + c] = LOG ? v - ls : texp(v) / s;
    }
  }
}

// loss[r] = logsumexp(row) - row[target[r]], 0 where target == ignoreIndex; valid[r] = 1 when counted
template <class T, class I>
__device__ void xent_rows(const T* x, const I* target, T* loss, T* valid, long long rows, long long cols, long long ignore, int* err, int site) {
  for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
    const long long t = (long long)target[r];
    T m, s;
    row_stats(x + r * cols, cols, &m, &s);
    if (threadIdx.x == 0) {
      if (t == ignore) { loss[r] = 0; valid[r] = 0; }
      else if (t < 0 || t >= cols) { flint_report(err, FLINT_ERR_INDEX, site, t); loss[r] = 0; valid[r] = 0; }
      else { loss[r] = tlog(s) + m - x[r * cols + t]; valid[r] = 1; }
    }
  }
}

// out[0] = sum(loss) (/ sum(valid) when mean); one block
template <class T>
__device__ void xent_reduce(const T* loss, const T* valid, T* out, long long rows, int mean) {
  __shared__ T a[SBLOCK];
  __shared__ T b[SBLOCK];
  T sa = 0, sb = 0;
  for (long long r = threadIdx.x; r < rows; r += blockDim.x) { sa += loss[r]; sb += valid[r]; }
  a[threadIdx.x] = sa; b[threadIdx.x] = sb;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) { if ((int)threadIdx.x < s) { a[threadIdx.x] += a[threadIdx.x + s]; b[threadIdx.x] += b[threadIdx.x + s]; } __syncthreads(); }
  if (threadIdx.x == 0) out[0] = mean ? a[0] / b[0] : a[0];
}

#define SOFTMAX(S, T) \
  extern "C" __global__ void softmax_##S(const T* x, T* out, long long rows, long long cols) { softmax_impl<T, false>(x, out, rows, cols); } \
  extern "C" __global__ void log_softmax_##S(const T* x, T* out, long long rows, long long cols) { softmax_impl<T, true>(x, out, rows, cols); } \
  extern "C" __global__ void xent_rows_##S##_i64(const T* x, const long long* t, T* loss, T* valid, long long rows, long long cols, long long ignore, int* err, int site) { xent_rows<T, long long>(x, t, loss, valid, rows, cols, ignore, err, site); } \
  extern "C" __global__ void xent_rows_##S##_i32(const T* x, const int* t, T* loss, T* valid, long long rows, long long cols, long long ignore, int* err, int site) { xent_rows<T, int>(x, t, loss, valid, rows, cols, ignore, err, site); } \
  extern "C" __global__ void xent_reduce_##S(const T* loss, const T* valid, T* out, long long rows, int mean) { xent_reduce<T>(loss, valid, out, rows, mean); }

SOFTMAX(f32, float)
SOFTMAX(f64, double)
