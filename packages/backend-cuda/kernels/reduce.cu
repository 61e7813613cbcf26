// Reductions over the trailing `cols` elements of each of `rows` rows (core moves the reduced dims last
// and passes dense inputs): sum, prod, max, min, argmax, argmin, and cumsum along the last dim.
// One block per row, a tree in shared memory; NaN propagates through max/min and wins argmax/argmin.
#include "common.cuh"

#define RBLOCK 256

template <class T, class A> struct SumOp { __device__ static A init() { return (A)0; } __device__ static A step(A a, T x) { return a + (A)x; } __device__ static A join(A a, A b) { return a + b; } };
template <class T, class A> struct ProdOp { __device__ static A init() { return (A)1; } __device__ static A step(A a, T x) { return a * (A)x; } __device__ static A join(A a, A b) { return a * b; } };
template <class T> __device__ __forceinline__ bool is_nan(T x) { return x != x; }
template <class T, class A> struct MaxOp {
  __device__ static A init(); __device__ static A step(A a, T x) { return join(a, (A)x); }
  __device__ static A join(A a, A b) { return is_nan(a) ? a : is_nan(b) ? b : (a > b ? a : b); }
};
template <class T, class A> struct MinOp {
  __device__ static A init(); __device__ static A step(A a, T x) { return join(a, (A)x); }
  __device__ static A join(A a, A b) { return is_nan(a) ? a : is_nan(b) ? b : (a < b ? a : b); }
};

template <class T, class A, class Op>
__device__ void reduce_rows(const T* x, T* out, long long rows, long long cols, A init) {
  __shared__ A buf[RBLOCK];
  for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
    A acc = init;
    const T* row = x + r * cols;
    for (long long c = threadIdx.x; c < cols; c += blockDim.x) acc = Op::step(acc, row[c]);
    buf[threadIdx.x] = acc;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
      if ((int)threadIdx.x < s) buf[threadIdx.x] = Op::join(buf[threadIdx.x], buf[threadIdx.x + s]);
      __syncthreads();
    }
    if (threadIdx.x == 0) out[r] = (T)buf[0];
    __syncthreads();
  }
}

// argmax/argmin: (value, index) pairs; ties and NaN keep the lowest index
template <class T, bool MAX>
__device__ void arg_rows(const T* x, long long* out, long long rows, long long cols) {
  __shared__ T vbuf[RBLOCK];
  __shared__ long long ibuf[RBLOCK];
  for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* row = x + r * cols;
    T best = cols > 0 ? row[0] : (T)0;
    long long bi = 0;
    for (long long c = threadIdx.x; c < cols; c += blockDim.x) {
      const T v = row[c];
      const bool better = is_nan(best) ? false : is_nan(v) ? true : (MAX ? v > best : v < best);
      if (c == (long long)threadIdx.x || better) { best = v; bi = c; }
    }
    vbuf[threadIdx.x] = best;
    ibuf[threadIdx.x] = (long long)threadIdx.x < cols ? bi : cols;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
      if ((int)threadIdx.x < s) {
        const T a = vbuf[threadIdx.x], b = vbuf[threadIdx.x + s];
        const long long ia = ibuf[threadIdx.x], ib = ibuf[threadIdx.x + s];
        bool takeB;
        if (ib >= cols) takeB = false;
        else if (ia >= cols) takeB = true;
        else if (is_nan(a) || is_nan(b)) takeB = !is_nan(a) || (is_nan(b) && ib < ia);
        else takeB = (MAX ? b > a : b < a) || (b == a && ib < ia);
        if (takeB) { vbuf[threadIdx.x] = b; ibuf[threadIdx.x] = ib; }
      }
      __syncthreads();
    }
    if (threadIdx.x == 0) out[r] = ibuf[0] >= cols ? 0 : ibuf[0];
    __syncthreads();
  }
}

#define LIMITS(T, LO, HI) \
  template <> __device__ T MaxOp<T, T>::init() { return LO; } \
  template <> __device__ T MinOp<T, T>::init() { return HI; }
LIMITS(float, -INFINITY, INFINITY)
LIMITS(double, -INFINITY, INFINITY)
LIMITS(int, -2147483647 - 1, 2147483647)
LIMITS(long long, -9223372036854775807LL - 1, 9223372036854775807LL)
LIMITS(unsigned char, 0, 255)

// float sums accumulate in float (as torch's CUDA kernels do); integers in their own type, wrapping as unsigned
#define REDUCE_ALL(S, T, A) \
  extern "C" __global__ void sum_##S(const T* x, T* out, long long rows, long long cols) { reduce_rows<T, A, SumOp<T, A> >(x, out, rows, cols, SumOp<T, A>::init()); } \
  extern "C" __global__ void prod_##S(const T* x, T* out, long long rows, long long cols) { reduce_rows<T, A, ProdOp<T, A> >(x, out, rows, cols, ProdOp<T, A>::init()); } \
  extern "C" __global__ void max_##S(const T* x, T* out, long long rows, long long cols) { reduce_rows<T, T, MaxOp<T, T> >(x, out, rows, cols, MaxOp<T, T>::init()); } \
  extern "C" __global__ void min_##S(const T* x, T* out, long long rows, long long cols) { reduce_rows<T, T, MinOp<T, T> >(x, out, rows, cols, MinOp<T, T>::init()); } \
  extern "C" __global__ void argmax_##S(const T* x, long long* out, long long rows, long long cols) { arg_rows<T, true>(x, out, rows, cols); } \
  extern "C" __global__ void argmin_##S(const T* x, long long* out, long long rows, long long cols) { arg_rows<T, false>(x, out, rows, cols); } \
  extern "C" __global__ void cumsum_##S(const T* x, T* out, long long rows, long long cols) { \
    GRID_STRIDE(r, rows) { A acc = 0; for (long long c = 0; c < cols; ++c) { acc = acc + (A)x[r * cols + c]; out[r * cols + c] = (T)acc; } } \
  }

REDUCE_ALL(f32, float, float)
REDUCE_ALL(f64, double, double)
REDUCE_ALL(i32, int, unsigned int)
REDUCE_ALL(i64, long long, unsigned long long)
REDUCE_ALL(u8, unsigned char, unsigned char)
