// The optional native GEMM: in Node, a system BLAS (OpenBLAS, BLIS, MKL, Apple Accelerate) bound at run time
// through koffi when both are present, used by matmul and convolution in place of the WebAssembly GEMM. It is
// an acceleration only: anything missing (koffi, the library, a symbol, Node's getBuiltinModule) or a library
// that computes a product wrongly leaves the pure path, without a word. The choice never depends on timing:
// results must be the same run to run, and the two GEMMs round differently.
import { ValueError } from '@flint/core';
import type { NumArray } from '../storage.js';
import type { KoffiLike, NativeKit } from '../threads/native-kit.js';
import { makeNativeKit } from '../threads/native-kit.js';
import type { NativeWorkers } from '../threads/pool.js';
import { getNumThreads } from '../threads/pool.js';

/** Which GEMM float32/float64 matmul and convolution run on. */
export interface BlasInfo {
  /** 'native': a system BLAS; 'wasm': the built-in WebAssembly SIMD kernel (everywhere else). */
  readonly kind: 'native' | 'wasm';
  /** The library's file, for 'native'. */
  readonly library?: string;
  /** What the library says of itself (OpenBLAS's build config), for 'native'. */
  readonly config?: string;
  /** Why the native path is not in use, for 'wasm'. */
  readonly reason?: string;
}

/** C[M,N] = alpha op(A) op(B) + beta C, row-major, each operand at its offset with its leading dimension (the arrays are float32 or float64 alike). */
type Gemm = (transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  a: NumArray, aOff: number, lda: number, b: NumArray, bOff: number, ldb: number, beta: number, c: NumArray, cOff: number, ldc: number) => void;

interface Native {
  info: BlasInfo; sgemm: Gemm; dgemm: Gemm; setThreads: ((n: number) => void) | null;
  /** Sets the library's threads for a product of this many multiply-adds (one below SMALL_GEMM; 0: one). */
  threadsFor(mnk: number): void;
  /** The GEMM by address, for conv's per-thread parts, and what a kernel thread needs to bind it (null: no thread may). */
  kit: NativeKit;
  workers: NativeWorkers | null;
}

interface NodeProcess { versions?: { node?: string }; env?: Record<string, string | undefined>; platform?: string; getBuiltinModule?: (id: string) => unknown }
interface KoffiLib { func(decl: string): (...args: unknown[]) => unknown }
interface Koffi extends KoffiLike { load(path: string | null): KoffiLib }

/** Libraries tried in order (by the dynamic loader's search path): optimised BLAS builds only, never a bare libblas. */
const CANDIDATES: Readonly<Record<string, readonly string[]>> = {
  linux: ['libopenblas.so.0', 'libopenblas.so', 'libopenblas64_.so.0', 'libblis.so.4', 'libblis.so', 'libmkl_rt.so.2', 'libmkl_rt.so'],
  darwin: ['/System/Library/Frameworks/Accelerate.framework/Accelerate', 'libopenblas.dylib', '/opt/homebrew/opt/openblas/lib/libopenblas.dylib'],
  win32: ['libopenblas.dll', 'openblas.dll', 'mkl_rt.2.dll'],
};

const ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;
/** Multiply-adds below which a product runs on one of the library's threads (as the WebAssembly GEMM splits only above 2M per thread). */
export const SMALL_GEMM = 4_000_000;
let choice: 'auto' | 'wasm' | { path: string } = 'auto';
let state: Native | BlasInfo | undefined;
let threads = 0;

/** koffi, required from this package's location, and its resolved file (kernel threads load it from there); null where absent. */
function loadKoffi(p: NodeProcess): { koffi: Koffi; path: string } | null {
  const mod = p.getBuiltinModule?.('node:module') as { createRequire(from: string): ((id: string) => unknown) & { resolve(id: string): string } } | undefined;
  if (!mod) return null;
  // the ESM build has import.meta.url; the CommonJS build has __filename instead
  const from = typeof __filename === 'string' ? __filename : import.meta.url;
  try {
    const req = mod.createRequire(from);
    return { koffi: req('koffi') as Koffi, path: req.resolve('koffi') };
  } catch { return null; }
}

/** dlopen's RTLD_NOW | RTLD_NODELETE, per platform. */
const NOW_NODELETE: Readonly<Record<string, number>> = { linux: 0x1002, darwin: 0x82 };

/**
 * Keeps the library mapped for the life of the process (dlopen with RTLD_NODELETE; false where that can't be
 * done). koffi closes its handle as the thread that loaded it ends (a vitest worker, a kernel thread), and
 * the last close unmaps the library and its OpenMP runtime while threads they started may still run there.
 */
function pin(koffi: Koffi, path: string, platform: string | undefined): boolean {
  const flags = NOW_NODELETE[platform ?? ''];
  if (flags === undefined) return false;
  try {
    const dlopen = koffi.load(null).func('void *dlopen(const char *, int)');
    return dlopen(path, flags) !== null;
  } catch { return false; }
}

/** Binds one library, or says why not. */
function bind(koffi: Koffi, path: string, koffiPath: string, platform: string | undefined): Native | string {
  let lib: KoffiLib;
  try { lib = koffi.load(path); } catch (e) { return `cannot load ${path}: ${(e as Error).message.split('\n')[0]}`; }
  const fn = (decl: string): ((...args: unknown[]) => unknown) | null => { try { return lib.func(decl); } catch { return null; } };
  const s = fn('void cblas_sgemm(int, int, int, int, int, int, float, const float *, int, const float *, int, float, _Inout_ float *, int)');
  const d = fn('void cblas_dgemm(int, int, int, int, int, int, double, const double *, int, const double *, int, double, _Inout_ double *, int)');
  if (!s || !d) return `${path} has no cblas_sgemm/cblas_dgemm`;
  const cfg = fn('const char *openblas_get_config()');
  const kit = makeNativeKit(koffi, path), set = kit.setThreads, pinned = pin(koffi, path, platform);
  // small products run on one thread: waking the library's threads for them costs more than it saves, and far
  // more when other processes hold the cores (an OpenMP barrier then waits for a descheduled thread)
  let want = 1, now = 0;
  const threadsFor = (mnk: number): void => {
    const n = mnk < SMALL_GEMM ? 1 : want;
    if (set && n !== now) { set(n); now = n; }
  };
  const wrap = (f: (...args: unknown[]) => unknown): Gemm => (ta, tb, M, N, K, alpha, a, ao, lda, b, bo, ldb, beta, c, co, ldc) => {
    threadsFor(M * N * K);
    f(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, M, N, K, alpha, a.subarray(ao), lda, b.subarray(bo), ldb, beta, c.subarray(co), ldc);
  };
  return {
    info: { kind: 'native', library: path, ...(cfg ? { config: String(cfg()) } : {}) },
    sgemm: wrap(s), dgemm: wrap(d), setThreads: set ? (n) => { want = n; now = 0; threadsFor(Infinity); } : null, threadsFor,
    kit,
    // a library whose threads cannot be set to one would run each kernel thread's products on all its own;
    // one that cannot be pinned could be unmapped under a thread as another ends
    workers: set && pinned ? { koffi: koffiPath, library: path } : null,
  };
}

/**
 * The library is kept only where a 160³ product comes out right. Only optimised builds are tried (never the
 * netlib reference BLAS), so no timing is needed to reject a slow one, and a timing would make the GEMM (and so
 * every result's last bits) depend on how busy the machine was when the process started.
 */
function computesRight(n: Native): boolean {
  const S = 160, a = new Float32Array(S * S).fill(0.5), b = new Float32Array(S * S).fill(0.25), c = new Float32Array(S * S).fill(NaN);
  n.setThreads?.(1);
  n.sgemm(false, false, S, S, S, 1, a, 0, S, b, 0, S, 0, c, 0, S);
  return c.every((v) => v === 0.125 * S);
}

function detect(): Native | BlasInfo {
  const p = (globalThis as { process?: NodeProcess }).process;
  if (!p?.versions?.node) return { kind: 'wasm', reason: 'a native BLAS is used in Node only' };
  const env = p.env?.FLINT_BLAS;
  const want = choice !== 'auto' ? choice : env === 'off' || env === '0' || env === 'wasm' ? 'wasm' : env ? { path: env } : 'auto';
  if (want === 'wasm') return { kind: 'wasm', reason: choice === 'wasm' ? "setBlas('wasm')" : `FLINT_BLAS=${env}` };
  const loaded = loadKoffi(p);
  if (!loaded) return { kind: 'wasm', reason: 'koffi is not installed (npm install koffi), or this Node lacks process.getBuiltinModule' };
  const paths = want === 'auto' ? CANDIDATES[p.platform ?? ''] ?? [] : [want.path];
  const missing: string[] = [];
  for (const path of paths) {
    const n = bind(loaded.koffi, path, loaded.path, p.platform);
    if (typeof n === 'string') { missing.push(n); continue; }
    if (!computesRight(n)) { missing.push(`${path} computed a test product wrongly`); continue; }
    // the native library runs as many threads as the WebAssembly kernels would (setNumThreads, else the cores)
    n.setThreads?.(threads > 0 ? threads : getNumThreads());
    return n;
  }
  if (want !== 'auto') return { kind: 'wasm', reason: missing[0]! };
  return { kind: 'wasm', reason: paths.length ? `no optimised BLAS found (tried ${paths.join(', ')})` : `no BLAS is known for platform ${p.platform}` };
}

function native(): Native | null {
  state ??= detect();
  return 'sgemm' in state ? state : null;
}

/**
 * Chooses the GEMM of float32/float64 matmul and convolution: 'auto' (the default) uses a system BLAS in Node
 * when koffi and an optimised BLAS (OpenBLAS, BLIS, MKL, Accelerate) are installed; 'wasm' always runs the
 * built-in kernel; `{ path }` loads that library. The environment variable FLINT_BLAS (off, or a library path)
 * sets the default. Returns what is in use.
 */
export function setBlas(c: 'auto' | 'wasm' | { path: string }): BlasInfo {
  if (c !== 'auto' && c !== 'wasm' && (typeof c !== 'object' || typeof c.path !== 'string')) {
    throw new ValueError(`setBlas: expected 'auto', 'wasm' or { path: string }, got ${JSON.stringify(c)}`);
  }
  choice = c;
  state = undefined;
  return getBlas();
}

/** The GEMM float32/float64 matmul and convolution run on (see {@link setBlas}). */
export function getBlas(): BlasInfo {
  const n = native();
  return n ? n.info : (state as BlasInfo);
}

/** Tells the native library how many threads to use (setNumThreads calls this). */
export function setBlasThreads(n: number): void {
  threads = n;
  if (state && 'sgemm' in state) state.setThreads?.(n);
}

/** The native GEMM for arrays of this kind, or null (then the caller runs the WebAssembly one). */
export function nativeGemm(c: NumArray | BigInt64Array): Gemm | null {
  if (!(c instanceof Float32Array) && !(c instanceof Float64Array)) return null;
  const n = native();
  return n ? (c instanceof Float32Array ? n.sgemm : n.dgemm) : null;
}

/**
 * The native GEMM by address for conv's parts (float32 and float64 alike), what kernel threads need to run
 * them too (null when they may not), and the library's thread setter; null when no native GEMM is in use.
 */
export function nativeConv(): Pick<Native, 'kit' | 'workers' | 'threadsFor'> | null {
  return native();
}

declare const __filename: string | undefined;
