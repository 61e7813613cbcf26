// A host stand-in for libcudnn.so.9 with cuDNN's C signatures: the RNN API computes GRU/LSTM layers with
// cuDNN's documented equations, weight-space layout queries and gate order (GRU r, z, n; LSTM i, f, g, o),
// so tests check the binding and src/kernels/rnn-seq.ts (weight copies, reverse direction, states) against
// Flint's CPU composite; convolution (with groups, dilation, workspaces) and spatial batch norm are computed
// from their definitions, so the conv/norm plumbing (descriptors, algorithm choice, scaling, bias) is checked too.
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int st;
#define NOT_SUPPORTED 3000
static int handle_token, dropout_token, forward_calls = 0, conv_calls = 0, bn_calls = 0;
/** For tests: how many convolution (any direction) and batch-norm calls ran. */
int fakeCudnnConvCalls(void) { return conv_calls; }
int fakeCudnnBnCalls(void) { return bn_calls; }
/** For tests: how many cudnnRNNForward calls ran. */
int fakeCudnnRnnForwardCalls(void) { return forward_calls; }

size_t cudnnGetVersion(void) { return 91400; }
st cudnnCreate(void **h) { *h = &handle_token; return 0; }
st cudnnDestroy(void *h) { (void)h; return 0; }
st cudnnSetStream(void *h, void *s) { (void)s; return h == &handle_token ? 0 : 2000; }
typedef struct { int dt, nb, dims[8], strides[8]; } Tensor;
st cudnnCreateTensorDescriptor(void **d) { *d = calloc(1, sizeof(Tensor)); return 0; }
st cudnnSetTensorNdDescriptor(void *d, int dt, int nb, const int *dims, const int *strides) {
  Tensor *t = (Tensor *)d; if (nb < 1 || nb > 8) return 2000;
  t->dt = dt; t->nb = nb; memcpy(t->dims, dims, sizeof(int) * nb); memcpy(t->strides, strides, sizeof(int) * nb); return 0;
}
st cudnnDestroyTensorDescriptor(void *d) { free(d); return 0; }
// convolution (NCHW cross-correlation with groups) and spatial batch norm, computed in double
typedef struct { int dt, k, c, h, w; } Filter;
typedef struct { int ph, pw, sh, sw, dh, dw, groups, math; } Conv;
st cudnnCreateFilterDescriptor(void **d) { *d = calloc(1, sizeof(Filter)); return 0; }
st cudnnSetFilter4dDescriptor(void *d, int dt, int fmt, int k, int c, int h, int w) { Filter *f = (Filter *)d; if (fmt != 0) return NOT_SUPPORTED; f->dt = dt; f->k = k; f->c = c; f->h = h; f->w = w; return 0; }
st cudnnSetFilterNdDescriptor(void *d, int dt, int fmt, int nb, const int *dims) { return nb == 4 ? cudnnSetFilter4dDescriptor(d, dt, fmt, dims[0], dims[1], dims[2], dims[3]) : NOT_SUPPORTED; }
st cudnnDestroyFilterDescriptor(void *d) { free(d); return 0; }
st cudnnCreateConvolutionDescriptor(void **d) { Conv *c = calloc(1, sizeof(Conv)); c->groups = 1; *d = c; return 0; }
st cudnnSetConvolution2dDescriptor(void *d, int ph, int pw, int sh, int sw, int dh, int dw, int mode, int ct) {
  Conv *c = (Conv *)d; (void)ct; if (mode != 1) return NOT_SUPPORTED;
  c->ph = ph; c->pw = pw; c->sh = sh; c->sw = sw; c->dh = dh; c->dw = dw; return 0;
}
st cudnnSetConvolutionGroupCount(void *d, int g) { ((Conv *)d)->groups = g; return g > 0 ? 0 : 2000; }
st cudnnSetConvolutionMathType(void *d, int m) { ((Conv *)d)->math = m; return 0; }
st cudnnDestroyConvolutionDescriptor(void *d) { free(d); return 0; }
#define WS 256
static st find(void *conv, int requested, int *n, void *perf) {
  unsigned char *p = (unsigned char *)perf; if (requested < 1) return 2000;
  memset(p, 0, 48); ((float *)(p + 8))[0] = 0.1f; *(size_t *)(p + 16) = WS; *(int *)(p + 28) = ((Conv *)conv)->math; *n = 1; return 0;
}
st cudnnFindConvolutionForwardAlgorithm(void *h, void *x, void *w, void *c, void *y, int r, int *n, void *p) { (void)h; (void)x; (void)w; (void)y; return find(c, r, n, p); }
st cudnnFindConvolutionBackwardDataAlgorithm(void *h, void *w, void *dy, void *c, void *dx, int r, int *n, void *p) { (void)h; (void)w; (void)dy; (void)dx; return find(c, r, n, p); }
st cudnnFindConvolutionBackwardFilterAlgorithm(void *h, void *x, void *dy, void *c, void *dw, int r, int *n, void *p) { (void)h; (void)x; (void)dy; (void)dw; return find(c, r, n, p); }
#define LD(dt, p, i) ((dt) == 1 ? ((const double *)(uintptr_t)(p))[i] : (double)((const float *)(uintptr_t)(p))[i])
#define ST(dt, p, i, v) do { if ((dt) == 1) ((double *)(uintptr_t)(p))[i] = (v); else ((float *)(uintptr_t)(p))[i] = (float)(v); } while (0)
#define SC(dt, p) ((dt) == 1 ? *(const double *)(p) : (double)*(const float *)(p))
// which: 0 forward (y += x*w), 1 data (dx += dy*w), 2 filter (dw += x*dy); everything is accumulated in acc
static st conv_run(int which, const void *alpha, const void *beta, const Tensor *xd, uint64_t x, const Filter *wd, uint64_t w, const Tensor *yd, uint64_t y, const Conv *c, uint64_t ws, size_t wsBytes) {
  if (!ws || wsBytes < WS) return 2000;
  conv_calls++;
  const int dt = xd->dt, N = xd->dims[0], C = xd->dims[1], H = xd->dims[2], W = xd->dims[3], K = yd->dims[1], Ho = yd->dims[2], Wo = yd->dims[3];
  const int G = c->groups, Cg = C / G, Kg = K / G;
  if (wd->k != K || wd->c != Cg) return 2000;
  size_t outN = which == 0 ? (size_t)N * K * Ho * Wo : which == 1 ? (size_t)N * C * H * W : (size_t)K * Cg * wd->h * wd->w;
  double *acc = calloc(outN, sizeof(double));
  for (int n = 0; n < N; n++) for (int k = 0; k < K; k++) for (int oh = 0; oh < Ho; oh++) for (int ow = 0; ow < Wo; ow++) {
    const int g = k / Kg; const size_t yi = (((size_t)n * K + k) * Ho + oh) * Wo + ow;
    for (int ci = 0; ci < Cg; ci++) for (int i = 0; i < wd->h; i++) for (int j = 0; j < wd->w; j++) {
      const int ih = oh * c->sh - c->ph + i * c->dh, iw = ow * c->sw - c->pw + j * c->dw;
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      const size_t xi = (((size_t)n * C + g * Cg + ci) * H + ih) * W + iw, wi = (((size_t)k * Cg + ci) * wd->h + i) * wd->w + j;
      if (which == 0) acc[yi] += LD(dt, x, xi) * LD(dt, w, wi);
      else if (which == 1) acc[xi] += LD(dt, y, yi) * LD(dt, w, wi);
      else acc[wi] += LD(dt, x, xi) * LD(dt, y, yi);
    }
  }
  const uint64_t out = which == 0 ? y : which == 1 ? x : w;
  const double a = SC(dt, alpha), b = SC(dt, beta);
  for (size_t i = 0; i < outN; i++) ST(dt, out, i, a * acc[i] + (b == 0 ? 0 : b * LD(dt, out, i)));
  free(acc);
  return 0;
}
st cudnnConvolutionForward(void *h, const void *a, void *xD, uint64_t x, void *wD, uint64_t w, void *c, int algo, uint64_t ws, size_t wsb, const void *b, void *yD, uint64_t y) {
  (void)h; (void)algo; return conv_run(0, a, b, (Tensor *)xD, x, (Filter *)wD, w, (Tensor *)yD, y, (Conv *)c, ws, wsb);
}
st cudnnConvolutionBackwardData(void *h, const void *a, void *wD, uint64_t w, void *dyD, uint64_t dy, void *c, int algo, uint64_t ws, size_t wsb, const void *b, void *dxD, uint64_t dx) {
  (void)h; (void)algo; return conv_run(1, a, b, (Tensor *)dxD, dx, (Filter *)wD, w, (Tensor *)dyD, dy, (Conv *)c, ws, wsb);
}
st cudnnConvolutionBackwardFilter(void *h, const void *a, void *xD, uint64_t x, void *dyD, uint64_t dy, void *c, int algo, uint64_t ws, size_t wsb, const void *b, void *dwD, uint64_t dw) {
  (void)h; (void)algo; return conv_run(2, a, b, (Tensor *)xD, x, (Filter *)dwD, dw, (Tensor *)dyD, dy, (Conv *)c, ws, wsb);
}
st cudnnAddTensor(void *h, const void *alpha, void *bD, uint64_t b, const void *beta, void *yD, uint64_t y) {
  const Tensor *bd = (const Tensor *)bD, *yd = (const Tensor *)yD; (void)h;
  const int dt = yd->dt; const size_t N = yd->dims[0], C = yd->dims[1], S = (size_t)yd->dims[2] * yd->dims[3];
  if (bd->dims[1] != (int)C) return 2000;
  for (size_t n = 0; n < N; n++) for (size_t c = 0; c < C; c++) for (size_t s = 0; s < S; s++) {
    const size_t i = (n * C + c) * S + s;
    ST(dt, y, i, SC(dt, alpha) * LD(dt, b, c) + SC(dt, beta) * LD(dt, y, i));
  }
  return 0;
}
st cudnnDeriveBNTensorDescriptor(void *bn, void *x, int mode) {
  Tensor *b = (Tensor *)bn; const Tensor *t = (const Tensor *)x; if (mode != 1) return NOT_SUPPORTED;
  b->dt = t->dt; b->nb = 4; b->dims[0] = 1; b->dims[1] = t->dims[1]; b->dims[2] = b->dims[3] = 1; return 0;
}
static void bn_stats(int dt, const Tensor *xd, uint64_t x, int c, double *mean, double *var) {
  const size_t N = xd->dims[0], C = xd->dims[1], S = (size_t)xd->dims[2] * xd->dims[3];
  double s = 0, q = 0;
  for (size_t n = 0; n < N; n++) for (size_t k = 0; k < S; k++) s += LD(dt, x, (n * C + c) * S + k);
  *mean = s / (double)(N * S);
  for (size_t n = 0; n < N; n++) for (size_t k = 0; k < S; k++) { const double d = LD(dt, x, (n * C + c) * S + k) - *mean; q += d * d; }
  *var = q / (double)(N * S);
}
st cudnnBatchNormalizationForwardTraining(void *h, int mode, const void *a, const void *b, void *xD, uint64_t x, void *yD, uint64_t y, void *bnD, uint64_t scale, uint64_t bias, double factor, uint64_t rm, uint64_t rv, double eps, uint64_t sm, uint64_t siv) {
  const Tensor *xd = (const Tensor *)xD; const int dt = xd->dt; (void)h; (void)a; (void)b; (void)yD; (void)bnD; (void)factor;
  if (mode != 1 || rm || rv) return 2000;
  bn_calls++;
  const size_t N = xd->dims[0], C = xd->dims[1], S = (size_t)xd->dims[2] * xd->dims[3];
  for (size_t c = 0; c < C; c++) {
    double mean, var; bn_stats(dt, xd, x, (int)c, &mean, &var);
    const double inv = 1 / sqrt(var + eps);
    ST(dt, sm, c, mean); ST(dt, siv, c, inv);
    for (size_t n = 0; n < N; n++) for (size_t k = 0; k < S; k++) { const size_t i = (n * C + c) * S + k; ST(dt, y, i, (LD(dt, x, i) - mean) * inv * LD(dt, scale, c) + LD(dt, bias, c)); }
  }
  return 0;
}
st cudnnBatchNormalizationForwardInference(void *h, int mode, const void *a, const void *b, void *xD, uint64_t x, void *yD, uint64_t y, void *bnD, uint64_t scale, uint64_t bias, uint64_t mean, uint64_t var, double eps) {
  const Tensor *xd = (const Tensor *)xD; const int dt = xd->dt; (void)h; (void)a; (void)b; (void)yD; (void)bnD;
  if (mode != 1) return 2000;
  const size_t N = xd->dims[0], C = xd->dims[1], S = (size_t)xd->dims[2] * xd->dims[3];
  for (size_t n = 0; n < N; n++) for (size_t c = 0; c < C; c++) for (size_t k = 0; k < S; k++) {
    const size_t i = (n * C + c) * S + k;
    ST(dt, y, i, (LD(dt, x, i) - LD(dt, mean, c)) / sqrt(LD(dt, var, c) + eps) * LD(dt, scale, c) + LD(dt, bias, c));
  }
  return 0;
}
st cudnnBatchNormalizationBackward(void *h, int mode, const void *ad, const void *bd, const void *ap, const void *bp, void *xD, uint64_t x, void *dyD, uint64_t dy, void *dxD, uint64_t dx, void *bnD, uint64_t scale, uint64_t dscale, uint64_t dbias, double eps, uint64_t sm, uint64_t siv) {
  const Tensor *xd = (const Tensor *)xD; const int dt = xd->dt; (void)h; (void)ad; (void)bd; (void)ap; (void)bp; (void)dyD; (void)dxD; (void)bnD; (void)eps;
  if (mode != 1 || !sm || !siv) return 2000;
  bn_calls++;
  const size_t N = xd->dims[0], C = xd->dims[1], S = (size_t)xd->dims[2] * xd->dims[3]; const double M = (double)(N * S);
  for (size_t c = 0; c < C; c++) {
    const double mean = LD(dt, sm, c), inv = LD(dt, siv, c), g = LD(dt, scale, c);
    double sdy = 0, sdyx = 0;
    for (size_t n = 0; n < N; n++) for (size_t k = 0; k < S; k++) { const size_t i = (n * C + c) * S + k; const double d = LD(dt, dy, i); sdy += d; sdyx += d * (LD(dt, x, i) - mean) * inv; }
    ST(dt, dscale, c, sdyx); ST(dt, dbias, c, sdy);
    for (size_t n = 0; n < N; n++) for (size_t k = 0; k < S; k++) {
      const size_t i = (n * C + c) * S + k; const double xh = (LD(dt, x, i) - mean) * inv;
      ST(dt, dx, i, g * inv / M * (M * LD(dt, dy, i) - sdy - xh * sdyx));
    }
  }
  return 0;
}
st cudnnCreateDropoutDescriptor(void **d) { *d = &dropout_token; return 0; }
st cudnnSetDropoutDescriptor(void *d, void *h, float p, uint64_t states, size_t bytes, unsigned long long seed) { (void)h; (void)states; (void)bytes; (void)seed; return d == &dropout_token && p == 0 ? 0 : 2000; }

typedef struct { int cell, bias, dir, dt, I, H, P, L; void *dropout; } Rnn;
typedef struct { int dt, layout, T, B, V; } RnnData;
st cudnnCreateRNNDescriptor(void **d) { *d = calloc(1, sizeof(Rnn)); return 0; }
st cudnnSetRNNDescriptor_v8(void *d, int algo, int cell, int bias, int dir, int inputMode, int dt, int prec, int math, int I, int H, int P, int L, void *dropout, unsigned aux) {
  Rnn *r = (Rnn *)d; (void)math; (void)aux;
  if (algo != 0 || (cell != 2 && cell != 3) || (bias != 0 && bias != 2) || dir != 0 || inputMode != 0 || dt != prec || P != H || L != 1 || !dropout) return 2000;
  r->cell = cell; r->bias = bias; r->dir = dir; r->dt = dt; r->I = I; r->H = H; r->P = P; r->L = L; r->dropout = dropout; return 0;
}
st cudnnDestroyRNNDescriptor(void *d) { free(d); return 0; }
st cudnnCreateRNNDataDescriptor(void **d) { *d = calloc(1, sizeof(RnnData)); return 0; }
st cudnnSetRNNDataDescriptor(void *d, int dt, int layout, int T, int B, int V, const int *lengths, void *fill) {
  RnnData *r = (RnnData *)d; (void)fill;
  for (int b = 0; b < B; b++) if (lengths[b] != T) return NOT_SUPPORTED;
  r->dt = dt; r->layout = layout; r->T = T; r->B = B; r->V = V; return layout == 1 ? 0 : NOT_SUPPORTED;
}
st cudnnDestroyRNNDataDescriptor(void *d) { free(d); return 0; }
static int gates(const Rnn *r) { return r->cell == 2 ? 4 : 3; }
static size_t el(const Rnn *r) { return r->dt == 1 ? 8 : 4; }
// weight space: the G input matrices [H, I], the G recurrent ones [H, H], then 2G bias vectors [H]
static size_t matrix_offset(const Rnn *r, int id) { int G = gates(r); return id < G ? (size_t)id * r->H * r->I : (size_t)G * r->H * r->I + (size_t)(id - G) * r->H * r->H; }
static size_t bias_offset(const Rnn *r, int id) { int G = gates(r); return (size_t)G * r->H * r->I + (size_t)G * r->H * r->H + (size_t)id * r->H; }
st cudnnGetRNNWeightSpaceSize(void *h, void *d, size_t *bytes) { (void)h; const Rnn *r = (const Rnn *)d; *bytes = el(r) * bias_offset(r, r->bias ? 2 * gates(r) : 0); return 0; }
st cudnnGetRNNTempSpaceSizes(void *h, void *d, int mode, void *x, size_t *work, size_t *reserve) { (void)h; (void)d; (void)mode; (void)x; *work = 0; *reserve = 0; return 0; }
st cudnnGetRNNWeightParams(void *h, void *d, int layer, size_t wsBytes, uint64_t ws, int id, void *mDesc, uint64_t *m, void *bDesc, uint64_t *b) {
  const Rnn *r = (const Rnn *)d; (void)h; (void)wsBytes; (void)mDesc; (void)bDesc;
  if (layer != 0 || id < 0 || id >= 2 * gates(r)) return 2000;
  *m = ws + el(r) * matrix_offset(r, id);
  *b = r->bias ? ws + el(r) * bias_offset(r, id) : 0;
  return 0;
}

static double sigm(double x) { return 1 / (1 + exp(-x)); }
#define LOAD(p, i) (dt == 1 ? ((const double *)(uintptr_t)(p))[i] : (double)((const float *)(uintptr_t)(p))[i])
#define STORE(p, i, v) do { if (dt == 1) ((double *)(uintptr_t)(p))[i] = (v); else ((float *)(uintptr_t)(p))[i] = (float)(v); } while (0)
st cudnnRNNForward(void *hnd, void *d, int mode, uint64_t seqLengths, void *xD, uint64_t x, void *yD, uint64_t y, void *hD, uint64_t hx, uint64_t hy,
                   void *cD, uint64_t cx, uint64_t cy, size_t wBytes, uint64_t w, size_t workBytes, uint64_t work, size_t resBytes, uint64_t res) {
  const Rnn *r = (const Rnn *)d; const RnnData *xd = (const RnnData *)xD;
  (void)hnd; (void)mode; (void)yD; (void)hD; (void)cD; (void)wBytes; (void)work; (void)workBytes; (void)res; (void)resBytes;
  if (!seqLengths || xd->V != r->I) return 2000;
  const int dt = r->dt, T = xd->T, B = xd->B, I = r->I, H = r->H, G = gates(r), lstm = r->cell == 2;
  double *h = calloc((size_t)B * H, sizeof(double)), *c = calloc((size_t)B * H, sizeof(double)), *g = calloc((size_t)B * H * G * 2, sizeof(double));
  for (int i = 0; i < B * H; i++) { h[i] = hx ? LOAD(hx, i) : 0; c[i] = lstm && cx ? LOAD(cx, i) : 0; }
  forward_calls++;
  for (int t = 0; t < T; t++) {
    // g[.., 0..G) = W x + b_W, g[.., G..2G) = R h + b_R, per gate
    for (int b = 0; b < B; b++) for (int k = 0; k < G; k++) for (int j = 0; j < H; j++) {
      double sx = r->bias ? LOAD(w + el(r) * bias_offset(r, k), j) : 0, sh = r->bias ? LOAD(w + el(r) * bias_offset(r, G + k), j) : 0;
      for (int i = 0; i < I; i++) sx += LOAD(w + el(r) * matrix_offset(r, k), (size_t)j * I + i) * LOAD(x, ((size_t)t * B + b) * I + i);
      for (int i = 0; i < H; i++) sh += LOAD(w + el(r) * matrix_offset(r, G + k), (size_t)j * H + i) * h[b * H + i];
      g[((size_t)b * G * 2 + k) * H + j] = sx; g[((size_t)b * G * 2 + G + k) * H + j] = sh;
    }
    for (int b = 0; b < B; b++) for (int j = 0; j < H; j++) {
      const double *gx = g + (size_t)b * G * 2 * H, *gh = gx + (size_t)G * H;
      double nh;
      if (lstm) {
        const double in = sigm(gx[j] + gh[j]), f = sigm(gx[H + j] + gh[H + j]), cc = tanh(gx[2 * H + j] + gh[2 * H + j]), o = sigm(gx[3 * H + j] + gh[3 * H + j]);
        c[b * H + j] = f * c[b * H + j] + in * cc;
        nh = o * tanh(c[b * H + j]);
      } else {
        const double rg = sigm(gx[j] + gh[j]), z = sigm(gx[H + j] + gh[H + j]), n = tanh(gx[2 * H + j] + rg * gh[2 * H + j]);
        nh = (1 - z) * n + z * h[b * H + j];
      }
      STORE(y, ((size_t)t * B + b) * H + j, nh);
    }
    // h advances after every unit of the step has read the old h
    for (int b = 0; b < B; b++) for (int j = 0; j < H; j++) h[b * H + j] = LOAD(y, ((size_t)t * B + b) * H + j);
  }
  for (int i = 0; i < B * H; i++) { if (hy) STORE(hy, i, h[i]); if (lstm && cy) STORE(cy, i, c[i]); }
  free(h); free(c); free(g);
  return 0;
}
