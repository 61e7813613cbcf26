// Compiles the package's CUDA C kernels (kernels/*.cu) for the CPU, one thread per launch, so tests run the
// real kernel sources without a GPU: with blockDim = gridDim = 1 every grid-stride loop covers all elements
// and every shared-memory tree reduces one value. Concurrency (races, real atomics) is not exercised.
#pragma once
#define FLINT_HOST_EMULATION 1
#include <math.h>
#include <stdint.h>
#include <string.h>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __noinline__
#define __shared__ static

struct flint_dim3 { unsigned int x, y, z; };
static const flint_dim3 threadIdx = {0, 0, 0}, blockIdx = {0, 0, 0}, blockDim = {1, 1, 1}, gridDim = {1, 1, 1};
static inline void __syncthreads() {}
static inline int min(int a, int b) { return a < b ? a : b; }
static inline int max(int a, int b) { return a > b ? a : b; }

static inline int atomicCAS(int* p, int cmp, int v) { int old = *p; if (old == cmp) *p = v; return old; }
static inline unsigned int atomicCAS(unsigned int* p, unsigned int cmp, unsigned int v) { unsigned int old = *p; if (old == cmp) *p = v; return old; }
static inline float atomicAdd(float* p, float v) { float old = *p; *p = old + v; return old; }
static inline double atomicAdd(double* p, double v) { double old = *p; *p = old + v; return old; }
static inline int atomicAdd(int* p, int v) { int old = *p; *p = (int)((unsigned int)old + (unsigned int)v); return old; }
static inline unsigned long long atomicAdd(unsigned long long* p, unsigned long long v) { unsigned long long old = *p; *p = old + v; return old; }
static inline unsigned int __umulhi(unsigned int a, unsigned int b) { return (unsigned int)(((unsigned long long)a * b) >> 32); }

// 16-bit floats as their bits, converted with round-to-nearest-even
struct __half { unsigned short x; };
struct __nv_bfloat16 { unsigned short x; };
static inline float flint_bits_to_float(unsigned int u) { float f; memcpy(&f, &u, 4); return f; }
static inline unsigned int flint_float_to_bits(float f) { unsigned int u; memcpy(&u, &f, 4); return u; }
static inline float __half2float(__half h) {
  unsigned int s = (h.x & 0x8000u) << 16, e = (h.x >> 10) & 0x1f, m = h.x & 0x3ff;
  if (e == 0) return (s ? -1.0f : 1.0f) * ldexpf((float)m, -24);
  if (e == 31) return flint_bits_to_float(s | 0x7f800000u | (m << 13));
  return flint_bits_to_float(s | ((e + 112) << 23) | (m << 13));
}
static inline __half __float2half_rn(float f) {
  unsigned int u = flint_float_to_bits(f), s = (u >> 16) & 0x8000u;
  float a = fabsf(f);
  __half h;
  if (a != a) { h.x = (unsigned short)(s | 0x7e00u); return h; }
  if (a >= 65520.0f) { h.x = (unsigned short)(s | 0x7c00u); return h; }
  if (a < 6.103515625e-05f) { h.x = (unsigned short)(s | (unsigned int)rintf(a * 16777216.0f)); return h; }
  unsigned int b = flint_float_to_bits(a), e = (b >> 23) - 112, m = b & 0x7fffffu;
  unsigned int r = (e << 10) | (m >> 13), rest = m & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (r & 1u))) r++;
  h.x = (unsigned short)(s | r);
  return h;
}
static inline float __bfloat162float(__nv_bfloat16 h) { return flint_bits_to_float((unsigned int)h.x << 16); }
static inline __nv_bfloat16 __float2bfloat16_rn(float f) {
  unsigned int u = flint_float_to_bits(f);
  __nv_bfloat16 h;
  if (f != f) { h.x = (unsigned short)((u >> 16) | 0x40u); return h; }
  h.x = (unsigned short)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
  return h;
}
