// Counter-based random draws: Philox4x32-10 with the block layout of @flint/core's random.ts, so element
// i of a draw equals uniformAt/normalAt(key, counter + i) on every backend. Values are computed in double,
// as the host computes them, then stored in the output dtype.
#include "common.cuh"

__device__ __forceinline__ void philox(unsigned int k0, unsigned int k1, unsigned int c0, unsigned int c1, unsigned int out[4]) {
  unsigned int x0 = c0, x1 = c1, x2 = 0, x3 = 0;
  for (int r = 0; r < 10; ++r) {
    const unsigned int hi0 = __umulhi(0xd2511f53u, x0), lo0 = 0xd2511f53u * x0;
    const unsigned int hi1 = __umulhi(0xcd9e8d57u, x2), lo1 = 0xcd9e8d57u * x2;
    x0 = hi1 ^ x1 ^ k0; x1 = lo1;
    x2 = hi0 ^ x3 ^ k1; x3 = lo0;
    k0 += 0x9e3779b9u; k1 += 0xbb67ae85u;
  }
  out[0] = x0; out[1] = x1; out[2] = x2; out[3] = x3;
}

// element j uses block floor(j / 4), word j % 4 (uniform); block floor(j / 2), words 2(j % 2) and +1 (normal)
template <class T>
__device__ void uniform_impl(T* out, long long n, unsigned int k0, unsigned int k1, long long counter, double low, double high) {
  const double scale = (high - low) * 5.9604644775390625e-08;  // 2^-24
  GRID_STRIDE(i, n) {
    const unsigned long long j = (unsigned long long)(counter + i), b = j >> 2;
    unsigned int w[4];
    philox(k0, k1, (unsigned int)b, (unsigned int)(b >> 32), w);
    out[i] = (T)(low + (double)(w[j & 3] >> 8) * scale);
  }
}

template <class T>
__device__ void normal_impl(T* out, long long n, unsigned int k0, unsigned int k1, long long counter, double mean, double std) {
  GRID_STRIDE(i, n) {
    const unsigned long long j = (unsigned long long)(counter + i), b = j >> 1;
    unsigned int w[4];
    philox(k0, k1, (unsigned int)b, (unsigned int)(b >> 32), w);
    const int s = 2 * (int)(j & 1);
    const double u1 = ((double)(w[s] >> 8) + 1.0) * 5.9604644775390625e-08;
    const double u2 = (double)(w[s + 1] >> 8) * 5.9604644775390625e-08;
    out[i] = (T)(mean + std * (sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2)));
  }
}

extern "C" __global__ void uniform_f32(float* out, long long n, unsigned int k0, unsigned int k1, long long counter, double low, double high) { uniform_impl<float>(out, n, k0, k1, counter, low, high); }
extern "C" __global__ void uniform_f64(double* out, long long n, unsigned int k0, unsigned int k1, long long counter, double low, double high) { uniform_impl<double>(out, n, k0, k1, counter, low, high); }
extern "C" __global__ void normal_f32(float* out, long long n, unsigned int k0, unsigned int k1, long long counter, double mean, double std) { normal_impl<float>(out, n, k0, k1, counter, mean, std); }
extern "C" __global__ void normal_f64(double* out, long long n, unsigned int k0, unsigned int k1, long long counter, double mean, double std) { normal_impl<double>(out, n, k0, k1, counter, mean, std); }
