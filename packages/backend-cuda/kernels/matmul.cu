// Batched matrix product for the integer dtypes cuBLAS has no GEMM for (floats go to cuBLAS): one thread
// per output element, a [16,16] tile of the output per block. Dense inputs [batch, M, K] x [batch, K, N].
#include "common.cuh"

template <class T>
__device__ void imatmul(const T* a, const T* b, T* out, long long batch, long long M, long long K, long long N) {
  const long long total = batch * M * N;
  GRID_STRIDE(e, total) {
    const long long bi = e / (M * N), r = (e / N) % M, c = e % N;
    const T* ar = a + bi * M * K + r * K;
    const T* bc = b + bi * K * N + c;
    T acc = 0;
    for (long long k = 0; k < K; ++k) acc = wadd<T>(acc, wmul<T>(ar[k], bc[k * N]));
    out[e] = acc;
  }
}

extern "C" __global__ void imatmul_i32(const int* a, const int* b, int* out, long long batch, long long M, long long K, long long N) { imatmul<int>(a, b, out, batch, M, K, N); }
extern "C" __global__ void imatmul_i64(const long long* a, const long long* b, long long* out, long long batch, long long M, long long K, long long N) { imatmul<long long>(a, b, out, batch, M, K, N); }
