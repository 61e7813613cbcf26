// The CPU backend object: typed arrays as buffers, synchronous reads, kernels in plain TS + WASM SIMD.
import type { Backend, DType, DTypeSupport, HostArray } from '@flint/core';
import { API_VERSION, DTYPES } from '@flint/core';
import type { CpuArray } from './storage.js';
import { allocArray, readHost, writeHost } from './storage.js';
import { markLent, offerCached } from './buffer-cache.js';
import { cpuKernels } from './kernels/table.js';
import { wasmGemm } from './kernels/wasm-gemm.js';

export type { CpuArray } from './storage.js';

/** Host arrays whose type is already our storage type for the dtype, so wrap() can share them. */
const WRAPPABLE: Partial<Record<DType, (d: HostArray) => boolean>> = {
  float32: (d) => d instanceof Float32Array,
  float64: (d) => d instanceof Float64Array,
  int32: (d) => d instanceof Int32Array,
  int64: (d) => d instanceof BigInt64Array,
  uint8: (d) => d instanceof Uint8Array,
  bool: (d) => d instanceof Uint8Array,
};

/** Creates a CPU backend instance (importing `@flint/backend-cpu` registers one as `'cpu'`). */
export function createCpuBackend(): Backend<CpuArray> {
  const live = new Set<CpuArray>();
  let bytes = 0;
  const track = (b: CpuArray): CpuArray => { live.add(b); bytes += b.byteLength; return b; };
  const dtypes = Object.fromEntries(DTYPES.map((d): [DType, DTypeSupport] =>
    [d, { storage: true, arithmetic: true, accelerated: d === 'float32' || d === 'float64' }])) as Record<DType, DTypeSupport>;
  const readSync = (buffer: CpuArray, dtype: DType, offset: number, numel: number): HostArray => readHost(buffer, dtype, offset, numel);
  return {
    name: 'cpu',
    apiVersion: API_VERSION,
    dtypes,
    syncRead: true,
    limits: { maxBufferBytes: 2 ** 31 - 1 },
    vendor: { wasmSimd: wasmGemm() ? 'yes' : 'no', wasmFma: wasmGemm()?.fma ? 'yes' : 'no', sharedMemory: typeof SharedArrayBuffer !== 'undefined' && wasmGemm()?.memory.buffer instanceof SharedArrayBuffer ? 'yes' : 'no' },
    allocate: (dtype, numel) => track(allocArray(dtype, numel)),
    write: (buffer, dtype, data, offset = 0) => writeHost(buffer, dtype, data, offset),
    read: async (buffer, dtype, offset, numel) => readSync(buffer, dtype, offset, numel),
    readSync,
    release(buffer) {
      if (!live.delete(buffer)) return;
      bytes -= buffer.byteLength;
      offerCached(buffer);
    },
    memory: () => ({ bytes, buffers: live.size }),
    wrap(dtype, data) {
      const ok = WRAPPABLE[dtype];
      if (!ok || !ok(data)) return undefined;
      if (dtype === 'bool') for (let i = 0; i < data.length; i++) if (data[i]! > 1) return undefined;
      markLent(data as CpuArray);
      return track(data as CpuArray);
    },
    kernels: cpuKernels,
    // kernels run to completion before they return: there is never queued work, and a timestamp is now
    synchronize: async () => {},
    timing: { record: () => performance.now(), elapsedMs: async (a, b) => (b as number) - (a as number) },
  };
}
