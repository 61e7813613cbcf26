// A host stand-in for libcublas.so with cuBLAS's C signatures and column-major GEMM semantics, for the
// emulated conformance suite: it checks that the binding's row-major-to-column-major mapping (src/ffi/cublas.ts)
// computes row-major products. Device pointers are host addresses (the host-emulation driver's memory).
#include <stdint.h>
#include <stddef.h>

typedef int cublasStatus_t;
static int handle_token, math_mode = 0, gemm_calls = 0;
/** For tests: how many GEMMs ran. */
int fakeCublasGemmCalls(void) { return gemm_calls; }
cublasStatus_t cublasCreate_v2(void **h) { *h = &handle_token; return 0; }
cublasStatus_t cublasDestroy_v2(void *h) { return h == &handle_token ? 0 : 1; }
cublasStatus_t cublasGetVersion_v2(void *h, int *v) { (void)h; *v = 130100; return 0; }
cublasStatus_t cublasSetStream_v2(void *h, void *s) { (void)s; return h == &handle_token ? 0 : 1; }
cublasStatus_t cublasSetMathMode(void *h, int mode) { (void)h; math_mode = mode; return 0; }
cublasStatus_t cublasSetWorkspace_v2(void *h, uint64_t ws, size_t bytes) { (void)h; return ws && bytes ? 0 : 7; }

// C[b] = alpha * A[b] * B[b] + beta * C[b], column-major: A is m x k (lda), B is k x n (ldb), C is m x n (ldc)
#define GEMM(NAME, T) \
  cublasStatus_t NAME(void *h, int ta, int tb, int m, int n, int k, const T *alpha, uint64_t A, int lda, int64_t sA, \
                      uint64_t B, int ldb, int64_t sB, const T *beta, uint64_t C, int ldc, int64_t sC, int batch) { \
    if (h != &handle_token) return 1; \
    if (ta != 0 || tb != 0) return 15; \
    gemm_calls++; \
    if (lda < m || ldb < k || ldc < m) return 7; \
    for (int z = 0; z < batch; z++) { \
      const T *a = (const T *)(uintptr_t)A + z * sA, *b = (const T *)(uintptr_t)B + z * sB; \
      T *c = (T *)(uintptr_t)C + z * sC; \
      for (int j = 0; j < n; j++) for (int i = 0; i < m; i++) { \
        T s = 0; \
        for (int p = 0; p < k; p++) s += a[i + (int64_t)p * lda] * b[p + (int64_t)j * ldb]; \
        c[i + (int64_t)j * ldc] = *alpha * s + (*beta == 0 ? 0 : *beta * c[i + (int64_t)j * ldc]); \
      } \
    } \
    return 0; \
  }
GEMM(cublasSgemmStridedBatched, float)
GEMM(cublasDgemmStridedBatched, double)
