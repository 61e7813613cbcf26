// cuBLAS and cuBLASLt through koffi: batched GEMM in float32/float64 on the compute stream, TF32 as
// torch.backends.cuda.matmul.allow_tf32 (off by default), and a fixed workspace so calls can be captured
// in a CUDA graph.
import { check } from '../errors.js';
import type { DevicePtr, Handle } from '../runtime/driver.js';
import { bind, outParam } from './koffi.js';

/** The cuBLAS functions the backend binds. */
export const CUBLAS_DECLS = {
  create: 'int cublasCreate_v2(_Out_ void **handle)',
  destroy: 'int cublasDestroy_v2(void *handle)',
  getVersion: 'int cublasGetVersion_v2(void *handle, _Out_ int *version)',
  setStream: 'int cublasSetStream_v2(void *handle, void *stream)',
  setMathMode: 'int cublasSetMathMode(void *handle, int mode)',
  setWorkspace: 'int cublasSetWorkspace_v2(void *handle, uint64_t workspace, size_t bytes)',
  sgemmStridedBatched: 'int cublasSgemmStridedBatched(void *handle, int transa, int transb, int m, int n, int k, const float *alpha, uint64_t A, int lda, int64_t strideA, uint64_t B, int ldb, int64_t strideB, const float *beta, uint64_t C, int ldc, int64_t strideC, int batchCount)',
  dgemmStridedBatched: 'int cublasDgemmStridedBatched(void *handle, int transa, int transb, int m, int n, int k, const double *alpha, uint64_t A, int lda, int64_t strideA, uint64_t B, int ldb, int64_t strideB, const double *beta, uint64_t C, int ldc, int64_t strideC, int batchCount)',
} as const;

/** cuBLASLt: bound for its version and handle (matmul epilogues are future work; see README). */
export const CUBLASLT_DECLS = {
  create: 'int cublasLtCreate(_Out_ void **handle)',
  destroy: 'int cublasLtDestroy(void *handle)',
  getVersion: 'size_t cublasLtGetVersion()',
} as const;

const CUBLAS_OP_N = 0;
const CUBLAS_DEFAULT_MATH = 0;
const CUBLAS_TF32_TENSOR_OP_MATH = 3;

/** A row-major batched GEMM request: out[b] = a[b] (M×K) · b[b] (K×N), dense. */
export interface Gemm { a: DevicePtr; b: DevicePtr; out: DevicePtr; batch: number; M: number; K: number; N: number; double: boolean }

/** cuBLAS bound to a handle on the compute stream. */
export interface Blas {
  /** Runs a batched GEMM on the handle's stream. */
  gemm(g: Gemm): void;
  /** Allow TF32 tensor cores for float32 GEMMs (torch.backends.cuda.matmul.allow_tf32). */
  setTf32(on: boolean): void;
  /** The library's version, e.g. '13.0.0'. */
  readonly version: string;
  /** Destroys the handle. */
  dispose(): void;
}

/** Opens cuBLAS at `path` on `stream`, with a `workspaceBytes` workspace at `workspace`. */
export function openBlas(path: string, stream: Handle, workspace: DevicePtr, workspaceBytes: number): Blas {
  const f = bind(path, CUBLAS_DECLS);
  const ok = (call: string, status: unknown, op = 'matmul') => check('cublas', op, call, status as number);
  const h = outParam<Handle>();
  ok('cublasCreate', f.create(h), 'initCuda');
  const handle = h[0]!;
  ok('cublasSetStream', f.setStream(handle, stream), 'initCuda');
  ok('cublasSetWorkspace', f.setWorkspace(handle, workspace, workspaceBytes), 'initCuda');
  ok('cublasSetMathMode', f.setMathMode(handle, CUBLAS_DEFAULT_MATH), 'initCuda');
  const v = outParam<number>();
  ok('cublasGetVersion', f.getVersion(handle, v), 'initCuda');
  const ver = v[0]!;
  const one32 = new Float32Array([1]), zero32 = new Float32Array([0]), one64 = new Float64Array([1]), zero64 = new Float64Array([0]);
  return {
    version: `${Math.floor(ver / 10000)}.${Math.floor((ver % 10000) / 100)}.${ver % 100}`,
    // row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ: swap the operands and M/N, no transposes
    gemm({ a, b, out, batch, M, K, N, double }) {
      const args = [handle, CUBLAS_OP_N, CUBLAS_OP_N, N, M, K, double ? one64 : one32, b, N, K * N, a, K, M * K, double ? zero64 : zero32, out, N, M * N, batch];
      ok(double ? 'cublasDgemmStridedBatched' : 'cublasSgemmStridedBatched', (double ? f.dgemmStridedBatched : f.sgemmStridedBatched)(...args));
    },
    setTf32: (on) => ok('cublasSetMathMode', f.setMathMode(handle, on ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH), 'allowTf32'),
    dispose: () => ok('cublasDestroy', f.destroy(handle), 'dispose'),
  };
}

/** cuBLASLt's version (bound so `vendor` reports it). */
export function cublasLtVersion(path: string): string {
  const f = bind(path, CUBLASLT_DECLS);
  const v = Number(f.getVersion());
  return `${Math.floor(v / 10000)}.${Math.floor((v % 10000) / 100)}.${v % 100}`;
}
