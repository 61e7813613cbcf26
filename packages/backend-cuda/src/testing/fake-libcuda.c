// A host-memory stand-in for libcuda.so with the driver API's C signatures, for testing the koffi binding
// (src/ffi/driver.ts) without a GPU: device pointers are malloc'd host addresses, copies are memcpy, and
// cuLaunchKernel runs a C version of the fill_<bytes> and copy kernels so the packed argument pointers are
// read exactly as a GPU's launch would read them. Built by src/ffi/driver.test.ts with the C compiler.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
static int initialized = 0;
static size_t allocated = 0;
#define TOTAL ((size_t)1 << 30)

CUresult cuInit(unsigned int flags) { initialized = flags == 0; return flags == 0 ? 0 : 1; }
CUresult cuDriverGetVersion(int *v) { *v = 13000; return 0; }
CUresult cuDeviceGetCount(int *c) { if (!initialized) return 3; *c = 1; return 0; }
CUresult cuDeviceGet(int *d, int ordinal) { if (ordinal != 0) return 101; *d = 0; return 0; }
CUresult cuDeviceGetName(char *name, int len, int dev) { (void)dev; strncpy(name, "Fake GPU", (size_t)len); return 0; }
CUresult cuDeviceGetAttribute(int *v, int attrib, int dev) { (void)dev; *v = attrib == 75 ? 9 : attrib == 76 ? 0 : attrib == 16 ? 132 : 0; return 0; }
CUresult cuDeviceTotalMem_v2(size_t *b, int dev) { (void)dev; *b = TOTAL; return 0; }
static int ctx_token;
CUresult cuDevicePrimaryCtxRetain(void **ctx, int dev) { (void)dev; *ctx = &ctx_token; return 0; }
CUresult cuDevicePrimaryCtxRelease_v2(int dev) { (void)dev; return 0; }
CUresult cuCtxSetCurrent(void *ctx) { return ctx == &ctx_token ? 0 : 201; }
CUresult cuCtxSynchronize(void) { return 0; }
CUresult cuMemGetInfo_v2(size_t *f, size_t *t) { *f = TOTAL - allocated; *t = TOTAL; return 0; }
CUresult cuMemAlloc_v2(uint64_t *p, size_t bytes) {
  if (allocated + bytes > TOTAL) return 2;
  void *m = calloc(1, bytes + sizeof(size_t));
  if (!m) return 2;
  *(size_t *)m = bytes; allocated += bytes;
  *p = (uint64_t)(uintptr_t)((char *)m + sizeof(size_t));
  return 0;
}
CUresult cuMemFree_v2(uint64_t p) { char *m = (char *)(uintptr_t)p - sizeof(size_t); allocated -= *(size_t *)m; free(m); return 0; }
CUresult cuMemAllocHost_v2(void **pp, size_t bytes) { *pp = calloc(1, bytes); return *pp ? 0 : 2; }
CUresult cuMemFreeHost(void *p) { free(p); return 0; }
CUresult cuMemcpyHtoDAsync_v2(uint64_t dst, const void *src, size_t n, void *s) { (void)s; memcpy((void *)(uintptr_t)dst, src, n); return 0; }
CUresult cuMemcpyDtoHAsync_v2(uint64_t dst, uint64_t src, size_t n, void *s) { (void)s; memcpy((void *)(uintptr_t)dst, (void *)(uintptr_t)src, n); return 0; }
CUresult cuMemcpyDtoDAsync_v2(uint64_t dst, uint64_t src, size_t n, void *s) { (void)s; memmove((void *)(uintptr_t)dst, (void *)(uintptr_t)src, n); return 0; }
CUresult cuMemsetD8Async(uint64_t dst, unsigned char v, size_t n, void *s) { (void)s; memset((void *)(uintptr_t)dst, v, n); return 0; }
static int stream_tokens[64], stream_count = 0, event_tokens[4096], event_count = 0;
CUresult cuStreamCreate(void **s, unsigned int flags) { (void)flags; *s = &stream_tokens[stream_count++ % 64]; return 0; }
CUresult cuStreamDestroy_v2(void *s) { (void)s; return 0; }
CUresult cuStreamSynchronize(void *s) { (void)s; return 0; }
CUresult cuStreamWaitEvent(void *s, void *e, unsigned int f) { (void)s; (void)e; (void)f; return 0; }
CUresult cuEventCreate(void **e, unsigned int flags) { (void)flags; *e = &event_tokens[event_count++ % 4096]; return 0; }
CUresult cuEventRecord(void *e, void *s) { (void)e; (void)s; return 0; }
CUresult cuEventQuery(void *e) { (void)e; return 0; }
CUresult cuEventSynchronize(void *e) { (void)e; return 0; }
CUresult cuEventElapsedTime(float *ms, void *a, void *b) { (void)a; (void)b; *ms = 1.5f; return 0; }
CUresult cuEventDestroy_v2(void *e) { (void)e; return 0; }
static char module_token;
CUresult cuModuleLoadData(void **m, const char *image) { if (strncmp(image, "//", 2) != 0) return 218; *m = &module_token; return 0; }
CUresult cuModuleGetFunction(void **f, void *m, const char *name) { (void)m; *f = strdup(name); return 0; }

// The Geo struct of kernels/common.cuh, for the copy kernels
typedef struct { long long n; int ndim; int dense; long long shape[8]; long long stride[4][8]; long long offset[4]; } Geo;
static long long geo_index(const Geo *g, long long i, int op) {
  if (g->dense) return i + g->offset[op];
  long long idx = g->offset[op];
  for (int k = g->ndim - 1; k >= 0; --k) { long long d = g->shape[k], q = i / d; idx += (i - q * d) * g->stride[op][k]; i = q; }
  return idx;
}
CUresult cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, unsigned shared, void *s, void **params, void **extra) {
  (void)gx; (void)gy; (void)gz; (void)bx; (void)by; (void)bz; (void)shared; (void)s; (void)extra;
  const char *name = (const char *)f;
  if (strcmp(name, "fill_4") == 0) {
    long long n = *(long long *)params[0];
    uint32_t v = (uint32_t)*(unsigned long long *)params[1];
    uint32_t *out = *(uint32_t **)params[2];
    for (long long i = 0; i < n; i++) out[i] = v;
    return 0;
  }
  if (strcmp(name, "copy_4") == 0) {
    const Geo *g = (const Geo *)params[0];
    const uint32_t *a = *(const uint32_t **)params[1];
    uint32_t *out = *(uint32_t **)params[2];
    for (long long i = 0; i < g->n; i++) out[geo_index(g, i, 0)] = a[geo_index(g, i, 1)];
    return 0;
  }
  return 500;
}
CUresult cuStreamBeginCapture_v2(void *s, int mode) { (void)s; return mode == 2 ? 0 : 1; }
static int graph_token;
CUresult cuStreamEndCapture(void *s, void **g) { (void)s; *g = &graph_token; return 0; }
CUresult cuGraphInstantiateWithFlags(void **e, void *g, unsigned long long flags) { (void)flags; *e = g; return 0; }
CUresult cuGraphLaunch(void *e, void *s) { (void)s; return e == &graph_token ? 0 : 400; }
CUresult cuGraphExecDestroy(void *e) { (void)e; return 0; }
CUresult cuGraphDestroy(void *g) { (void)g; return 0; }
