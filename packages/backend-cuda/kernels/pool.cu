// Max and average pooling over [N, C, H, W] and their backward passes, one thread per output element;
// torch's semantics: padding counts as -inf for max (first maximum wins, NaN wins), and avg divides by the
// window clipped to input + padding (countIncludePad) or to the input, unless a divisor is given.
#include "common.cuh"

struct PoolGeo { int N, C, H, W, Ho, Wo, kh, kw, sh, sw, ph, pw, dh, dw; };

template <class T, class I>
__device__ void maxpool(PoolGeo g, const T* x, T* out, I* idx) {
  const long long total = (long long)g.N * g.C * g.Ho * g.Wo;
  GRID_STRIDE(e, total) {
    const long long plane = e / ((long long)g.Ho * g.Wo);
    const int oh = (int)((e / g.Wo) % g.Ho), ow = (int)(e % g.Wo);
    const T* xp = x + plane * g.H * g.W;
    T best = (T)0;
    long long bi = -1;
    for (int i = 0; i < g.kh; ++i) {
      const int ih = oh * g.sh - g.ph + i * g.dh;
      if (ih < 0 || ih >= g.H) continue;
      for (int j = 0; j < g.kw; ++j) {
        const int iw = ow * g.sw - g.pw + j * g.dw;
        if (iw < 0 || iw >= g.W) continue;
        const T v = xp[ih * g.W + iw];
        if (bi < 0 || (best == best && (v > best || v != v))) { best = v; bi = (long long)ih * g.W + iw; }
      }
    }
    out[e] = bi < 0 ? (T)(-INFINITY) : best;
    idx[e] = (I)(bi < 0 ? 0 : bi);
  }
}

// gradIn (zeroed by the host) [plane * H * W + index] += gradOut
template <class T, class I>
__device__ void maxpool_backward(long long outPerPlane, long long inPerPlane, long long total, const T* gy, const I* idx, T* gx) {
  GRID_STRIDE(e, total) {
    const long long plane = e / outPerPlane;
    atomicAdd(gx + plane * inPerPlane + (long long)idx[e], gy[e]);
  }
}

// the window of output (oh, ow) clipped as torch clips it, and its divisor
__device__ __forceinline__ void avg_window(const PoolGeo& g, int oh, int ow, int countIncludePad, int divisorOverride, int* h0, int* h1, int* w0, int* w1, int* div) {
  int hs = oh * g.sh - g.ph, ws = ow * g.sw - g.pw;
  int he = min(hs + g.kh, g.H + g.ph), we = min(ws + g.kw, g.W + g.pw);
  const int padded = (he - hs) * (we - ws);
  hs = max(hs, 0); ws = max(ws, 0); he = min(he, g.H); we = min(we, g.W);
  *h0 = hs; *h1 = he; *w0 = ws; *w1 = we;
  *div = divisorOverride > 0 ? divisorOverride : countIncludePad ? padded : (he - hs) * (we - ws);
}

// the window of output element e: its input plane's offset, the clipped bounds and the divisor
struct AvgWindow { long long plane; int h0, h1, w0, w1, div; };
__device__ __forceinline__ AvgWindow avg_at(const PoolGeo& g, long long e, int countIncludePad, int divisorOverride) {
  AvgWindow a;
  a.plane = (e / ((long long)g.Ho * g.Wo)) * g.H * g.W;
  avg_window(g, (int)((e / g.Wo) % g.Ho), (int)(e % g.Wo), countIncludePad, divisorOverride, &a.h0, &a.h1, &a.w0, &a.w1, &a.div);
  return a;
}

template <class T>
__device__ void avgpool(PoolGeo g, const T* x, T* out, int countIncludePad, int divisorOverride) {
  const long long total = (long long)g.N * g.C * g.Ho * g.Wo;
  GRID_STRIDE(e, total) {
    const AvgWindow a = avg_at(g, e, countIncludePad, divisorOverride);
    const int h0 = a.h0, h1 = a.h1, w0 = a.w0, w1 = a.w1, div = a.div;
    const T* xp = x + a.plane;
    T s = 0;
    for (int ih = h0; ih < h1; ++ih) for (int iw = w0; iw < w1; ++iw) s += xp[ih * g.W + iw];
    out[e] = s / (T)div;
  }
}

template <class T>
__device__ void avgpool_backward(PoolGeo g, const T* gy, T* gx, int countIncludePad, int divisorOverride) {
  const long long total = (long long)g.N * g.C * g.Ho * g.Wo;
  GRID_STRIDE(e, total) {
    const AvgWindow a = avg_at(g, e, countIncludePad, divisorOverride);
    const int h0 = a.h0, h1 = a.h1, w0 = a.w0, w1 = a.w1;
    const T share = gy[e] / (T)a.div;
    T* gp = gx + a.plane;
    for (int ih = h0; ih < h1; ++ih) for (int iw = w0; iw < w1; ++iw) atomicAdd(gp + ih * g.W + iw, share);
  }
}

#define POOL(S, T) \
  extern "C" __global__ void maxpool2d_##S##_i64(PoolGeo g, const T* x, T* out, long long* idx) { maxpool<T, long long>(g, x, out, idx); } \
  extern "C" __global__ void maxpool2d_##S##_i32(PoolGeo g, const T* x, T* out, int* idx) { maxpool<T, int>(g, x, out, idx); } \
  extern "C" __global__ void maxpool2d_backward_##S##_i64(long long outPerPlane, long long inPerPlane, long long total, const T* gy, const long long* idx, T* gx) { maxpool_backward<T, long long>(outPerPlane, inPerPlane, total, gy, idx, gx); } \
  extern "C" __global__ void maxpool2d_backward_##S##_i32(long long outPerPlane, long long inPerPlane, long long total, const T* gy, const int* idx, T* gx) { maxpool_backward<T, int>(outPerPlane, inPerPlane, total, gy, idx, gx); } \
  extern "C" __global__ void avgpool2d_##S(PoolGeo g, const T* x, T* out, int countIncludePad, int divisorOverride) { avgpool<T>(g, x, out, countIncludePad, divisorOverride); } \
  extern "C" __global__ void avgpool2d_backward_##S(PoolGeo g, const T* gy, T* gx, int countIncludePad, int divisorOverride) { avgpool_backward<T>(g, gy, gx, countIncludePad, divisorOverride); }

POOL(f32, float)
POOL(f64, double)
