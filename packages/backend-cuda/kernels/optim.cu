// Fused SGD and Adam/AdamW steps, in place: torch 1.13's _single_tensor_sgd/_adam op for op. Each
// intermediate is rounded to T as the composite's ops store it (float arithmetic rounds per operation; the
// build passes --fmad=false so no multiply-add is contracted), and the scalars come from the host already
// rounded as the CPU backend rounds them, so results equal the composite bit for bit.
#include "common.cuh"

template <class T> __device__ __forceinline__ T tsqrt(T x);
template <> __device__ __forceinline__ float tsqrt(float x) { return sqrtf(x); }
template <> __device__ __forceinline__ double tsqrt(double x) { return sqrt(x); }

// flags: 1 nesterov, 2 maximize, 4 firstStep, 8 has momentum buffer, 16 weight decay
template <class T>
__device__ void sgd_impl(T* P, const T* G, T* Bf, long long n, T M, T D, T WD, T NLR, int flags) {
  GRID_STRIDE(i, n) {
    T g = G[i];
    if (flags & 2) g = -g;
    const T p = P[i];
    if (flags & 16) g = g + p * WD;
    T d = g;
    if (flags & 8) {
      const T b = (flags & 4) ? g : Bf[i] * M + g * D;
      Bf[i] = b;
      d = (flags & 1) ? g + b * M : b;
    }
    P[i] = p + d * NLR;
  }
}

// flags: 1 amsgrad, 2 maximize, 4 decoupled, 16 weight decay
template <class T>
__device__ void adam_impl(T* P, const T* G, T* Mv, T* V, T* X, long long n, T B1, T OB1, T B2, T OB2, T BC2, T EPS, T NSS, T WD, T DECAY, int flags) {
  GRID_STRIDE(i, n) {
    T g = G[i];
    if (flags & 2) g = -g;
    T p = P[i];
    if (flags & 16) {
      if (flags & 4) p = p * DECAY;
      else g = g + p * WD;
    }
    const T m = Mv[i] * B1 + g * OB1;
    Mv[i] = m;
    T v = V[i] * B2 + (g * OB2) * g;
    V[i] = v;
    if (flags & 1) { const T x = X[i]; v = (x != x || v != v) ? x + v : (x > v ? x : v); X[i] = v; }
    const T denom = tsqrt(v) / BC2 + EPS;
    P[i] = p + (m * NSS) / denom;
  }
}

#define OPTIM(S, T) \
  extern "C" __global__ void sgd_step_##S(T* P, const T* G, T* Bf, long long n, T M, T D, T WD, T NLR, int flags) { sgd_impl<T>(P, G, Bf, n, M, D, WD, NLR, flags); } \
  extern "C" __global__ void adam_step_##S(T* P, const T* G, T* Mv, T* V, T* X, long long n, T B1, T OB1, T B2, T OB2, T BC2, T EPS, T NSS, T WD, T DECAY, int flags) { adam_impl<T>(P, G, Mv, V, X, n, B1, OB1, B2, OB2, BC2, EPS, NSS, WD, DECAY, flags); }

OPTIM(f32, float)
OPTIM(f64, double)
