// What a kernel thread needs to run native-BLAS work on memory it does not own: the GEMM called with raw
// addresses, and typed views of any address range in this process (a tensor's storage on the calling thread,
// which is blocked in Atomics.wait, so nothing moves or is freed meanwhile). Self-contained (workers get
// makeNativeKit as source text and bind the same library themselves).

/** The little of koffi the kit uses. */
export interface KoffiLike {
  load(path: string): { func(decl: string): (...args: unknown[]) => unknown };
  view(address: bigint, bytes: number): ArrayBuffer;
  address(value: unknown): bigint;
}

/** Native GEMM and memory access by address (addresses are byte addresses, as plain numbers). */
export interface NativeKit {
  /** C[M,N] = alpha op(A) op(B) + beta C, row-major; `f64` picks dgemm. */
  gemm(f64: boolean, transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number, a: number, lda: number,
    b: number, ldb: number, beta: number, c: number, ldc: number): void;
  /** `count` elements (float32, or float64 when `f64`) at `address`, viewed without a copy. */
  view(address: number, count: number, f64: boolean): Float32Array | Float64Array;
  /** The address of an array's first element. */
  address(arr: Float32Array | Float64Array): number;
  /** The library's thread-count setter (OpenBLAS, BLIS or MKL), null where it has none. */
  setThreads: ((n: number) => void) | null;
  /** This thread's scratch array of at least `count` elements (grown as needed, reused across calls) and its address. */
  scratch(count: number, f64: boolean): { arr: Float32Array | Float64Array; at: number };
}

/** Binds `library`'s cblas_sgemm/cblas_dgemm with pointer arguments taken as addresses. */
export function makeNativeKit(koffi: KoffiLike, library: string): NativeKit {
  const lib = koffi.load(library);
  const decl = (t: string, name: string): ((...args: unknown[]) => unknown) =>
    lib.func(`void ${name}(int, int, int, int, int, int, ${t}, uint64_t, int, uint64_t, int, ${t}, uint64_t, int)`);
  const s = decl('float', 'cblas_sgemm'), d = decl('double', 'cblas_dgemm');
  const optional = (decl: string): ((n: number) => void) | null => { try { return lib.func(decl) as (n: number) => void; } catch { return null; } };
  const setThreads = optional('void openblas_set_num_threads(int)') ?? optional('void bli_thread_set_num_threads(long)') ?? optional('void MKL_Set_Num_Threads(int)');
  let f32s = new Float32Array(0), f64s = new Float64Array(0);
  const address = (arr: Float32Array | Float64Array): number => Number(koffi.address(arr));
  return {
    gemm: (f64, ta, tb, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc) => {
      (f64 ? d : s)(101, ta ? 112 : 111, tb ? 112 : 111, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc);
    },
    view: (address, count, f64) => {
      if (count === 0) return f64 ? new Float64Array(0) : new Float32Array(0);
      const buf = koffi.view(BigInt(address), count * (f64 ? 8 : 4));
      return f64 ? new Float64Array(buf) : new Float32Array(buf);
    },
    address,
    setThreads,
    scratch: (count, f64) => {
      if (f64 && f64s.length < count) f64s = new Float64Array(count);
      if (!f64 && f32s.length < count) f32s = new Float32Array(count);
      const arr = f64 ? f64s : f32s;
      return { arr, at: address(arr) };
    },
  };
}

/** Puts a byte address into argument slots `at` and `at + 1` (low and high 32 bits), as parts read them back. */
export function putAddress(a: Int32Array, at: number, address: number): void {
  a[at] = address % 4294967296;
  a[at + 1] = Math.floor(address / 4294967296);
}
