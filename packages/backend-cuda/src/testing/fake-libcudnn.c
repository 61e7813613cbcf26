// A host stand-in for libcudnn.so.9 with cuDNN's C signatures: the RNN API computes GRU/LSTM layers with
// cuDNN's documented equations, weight-space layout queries and gate order (GRU r, z, n; LSTM i, f, g, o),
// so tests check the binding and src/kernels/rnn-seq.ts (weight copies, reverse direction, states) against
// Flint's CPU composite. Convolution and batch-norm entry points exist but report NOT_SUPPORTED.
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int st;
#define NOT_SUPPORTED 3000
static int handle_token, dropout_token, forward_calls = 0;
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
#define STUB(NAME, ...) st NAME(__VA_ARGS__) { return NOT_SUPPORTED; }
STUB(cudnnCreateFilterDescriptor, void **d) STUB(cudnnSetFilter4dDescriptor, void *d, int a, int b, int c, int e, int f, int g)
STUB(cudnnSetFilterNdDescriptor, void *d, int a, int b, int c, const int *e) STUB(cudnnDestroyFilterDescriptor, void *d)
STUB(cudnnCreateConvolutionDescriptor, void **d) STUB(cudnnSetConvolution2dDescriptor, void *d, int a, int b, int c, int e, int f, int g, int h, int i)
STUB(cudnnSetConvolutionGroupCount, void *d, int g) STUB(cudnnSetConvolutionMathType, void *d, int m) STUB(cudnnDestroyConvolutionDescriptor, void *d)
STUB(cudnnFindConvolutionForwardAlgorithm, void *h, void *a, void *b, void *c, void *d, int r, int *n, void *p)
STUB(cudnnFindConvolutionBackwardDataAlgorithm, void *h, void *a, void *b, void *c, void *d, int r, int *n, void *p)
STUB(cudnnFindConvolutionBackwardFilterAlgorithm, void *h, void *a, void *b, void *c, void *d, int r, int *n, void *p)
STUB(cudnnConvolutionForward, void *h, const void *a, void *b, uint64_t c, void *d, uint64_t e, void *f, int g, uint64_t i, size_t j, const void *k, void *l, uint64_t m)
STUB(cudnnConvolutionBackwardData, void *h, const void *a, void *b, uint64_t c, void *d, uint64_t e, void *f, int g, uint64_t i, size_t j, const void *k, void *l, uint64_t m)
STUB(cudnnConvolutionBackwardFilter, void *h, const void *a, void *b, uint64_t c, void *d, uint64_t e, void *f, int g, uint64_t i, size_t j, const void *k, void *l, uint64_t m)
STUB(cudnnAddTensor, void *h, const void *a, void *b, uint64_t c, const void *d, void *e, uint64_t f)
STUB(cudnnDeriveBNTensorDescriptor, void *a, void *b, int m)
STUB(cudnnBatchNormalizationForwardTraining, void *h, int m, const void *a, const void *b, void *c, uint64_t d, void *e, uint64_t f, void *g, uint64_t i, uint64_t j, double k, uint64_t l, uint64_t n, double o, uint64_t p, uint64_t q)
STUB(cudnnBatchNormalizationForwardInference, void *h, int m, const void *a, const void *b, void *c, uint64_t d, void *e, uint64_t f, void *g, uint64_t i, uint64_t j, uint64_t k, uint64_t l, double n)
STUB(cudnnBatchNormalizationBackward, void *h, int m, const void *a, const void *b, const void *c, const void *d, void *e, uint64_t f, void *g, uint64_t i, void *j, uint64_t k, void *l, uint64_t n, uint64_t o, uint64_t p, double q, uint64_t r, uint64_t s)
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
