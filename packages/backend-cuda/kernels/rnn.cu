// GRU and LSTM cell steps after their matmuls, and their backward passes: the formulas and workspace
// planes of @flint/core's gruCell/lstmCell schema entries (the CPU backend's kernels/rnn.ts computes the same).
#include "common.cuh"

template <class T> __device__ __forceinline__ T sigm(T x);
template <> __device__ __forceinline__ float sigm(float x) { return 1.0f / (1.0f + expf(-x)); }
template <> __device__ __forceinline__ double sigm(double x) { return 1.0 / (1.0 + exp(-x)); }
__device__ __forceinline__ float th(float x) { return tanhf(x); }
__device__ __forceinline__ double th(double x) { return tanh(x); }

// xg, hg [B,3H]; h [B,H]; hb [3H] or null -> out [B,H], ws [4,B,H] = r, z, n, h_n
template <class T>
__device__ void gru_cell(const T* xg, const T* hg, const T* h, const T* hb, T* out, T* ws, long long B, long long H) {
  const long long N = B * H;
  GRID_STRIDE(e, N) {
    const long long b = e / H, j = e - b * H, g = b * 3 * H + j;
    const T cr = hb ? hb[j] : (T)0, cz = hb ? hb[H + j] : (T)0, cn = hb ? hb[2 * H + j] : (T)0;
    const T r = sigm(xg[g] + (hg[g] + cr));
    const T z = sigm(xg[g + H] + (hg[g + H] + cz));
    const T hn = hg[g + 2 * H] + cn;
    const T n = th(xg[g + 2 * H] + r * hn);
    ws[e] = r; ws[N + e] = z; ws[2 * N + e] = n; ws[3 * N + e] = hn;
    out[e] = n + z * (h[e] - n);
  }
}

template <class T>
__device__ void gru_cell_backward(const T* gy, const T* h, const T* ws, T* gx, T* gh, T* gp, long long B, long long H) {
  const long long N = B * H;
  GRID_STRIDE(e, N) {
    const long long b = e / H, j = e - b * H, g = b * 3 * H + j;
    const T r = ws[e], z = ws[N + e], n = ws[2 * N + e], hn = ws[3 * N + e], d = gy[e];
    const T dn = d * (1 - z) * (1 - n * n);
    const T dz = d * (h[e] - n) * z * (1 - z);
    const T dr = dn * hn * r * (1 - r);
    gx[g] = dr; gx[g + H] = dz; gx[g + 2 * H] = dn;
    gh[g] = dr; gh[g + H] = dz; gh[g + 2 * H] = dn * r;
    gp[e] = d * z;
  }
}

// xg, hg [B,4H]; c [B,H] -> h' [B,H], c' [B,H], ws [5,B,H] = σ(i), σ(f), tanh(g), σ(o), tanh(c')
template <class T>
__device__ void lstm_cell(const T* xg, const T* hg, const T* c, T* ho, T* co, T* ws, long long B, long long H) {
  const long long N = B * H;
  GRID_STRIDE(e, N) {
    const long long b = e / H, j = e - b * H, g = b * 4 * H + j;
    const T i = sigm(xg[g] + hg[g]), f = sigm(xg[g + H] + hg[g + H]);
    const T gg = th(xg[g + 2 * H] + hg[g + 2 * H]), o = sigm(xg[g + 3 * H] + hg[g + 3 * H]);
    const T cn = f * c[e] + i * gg, tc = th(cn);
    ws[e] = i; ws[N + e] = f; ws[2 * N + e] = gg; ws[3 * N + e] = o; ws[4 * N + e] = tc;
    co[e] = cn; ho[e] = o * tc;
  }
}

template <class T>
__device__ void lstm_cell_backward(const T* gy, const T* gc, const T* c, const T* ws, T* gg, T* gp, long long B, long long H) {
  const long long N = B * H;
  GRID_STRIDE(e, N) {
    const long long b = e / H, j = e - b * H, g = b * 4 * H + j;
    const T i = ws[e], f = ws[N + e], gt = ws[2 * N + e], o = ws[3 * N + e], tc = ws[4 * N + e], d = gy[e];
    const T dc = gc[e] + d * o * (1 - tc * tc);
    gg[g] = dc * gt * i * (1 - i);
    gg[g + H] = dc * c[e] * f * (1 - f);
    gg[g + 2 * H] = dc * i * (1 - gt * gt);
    gg[g + 3 * H] = d * tc * o * (1 - o);
    gp[e] = dc * f;
  }
}

#define RNN_KERNELS(S, T) \
  extern "C" __global__ void gru_cell_##S(const T* xg, const T* hg, const T* h, const T* hb, T* out, T* ws, long long B, long long H) { gru_cell<T>(xg, hg, h, hb, out, ws, B, H); } \
  extern "C" __global__ void gru_cell_backward_##S(const T* gy, const T* h, const T* ws, T* gx, T* gh, T* gp, long long B, long long H) { gru_cell_backward<T>(gy, h, ws, gx, gh, gp, B, H); } \
  extern "C" __global__ void lstm_cell_##S(const T* xg, const T* hg, const T* c, T* ho, T* co, T* ws, long long B, long long H) { lstm_cell<T>(xg, hg, c, ho, co, ws, B, H); } \
  extern "C" __global__ void lstm_cell_backward_##S(const T* gy, const T* gc, const T* c, const T* ws, T* gg, T* gp, long long B, long long H) { lstm_cell_backward<T>(gy, gc, c, ws, gg, gp, B, H); }

RNN_KERNELS(f32, float)
RNN_KERNELS(f64, double)
