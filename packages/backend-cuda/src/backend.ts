// The Backend object core talks to: buffers from the caching allocator, writes and asynchronous reads
// through the runtime, the kernel table, synchronize, device timing, and the identity (dtypes, vendor).
import { API_VERSION, BYTES, type Backend, type DType, type DTypeSupport, type HostArray } from '@flint/core';
import { STRIDED_KERNELS, kernelTable } from './kernels/table.js';
import type { CudaBuffer, DeviceContext } from './kernels/util.js';
import type { Handle } from './runtime/driver.js';

const compute = (accelerated: boolean): DTypeSupport => ({ storage: true, arithmetic: true, accelerated });
/** What the CUDA backend does with each dtype: native 64-bit integers; 16-bit floats stored and computed as float32. */
export const CUDA_DTYPES: Readonly<Record<DType, DTypeSupport>> = {
  float32: compute(true), float64: compute(true), int32: compute(false), int64: compute(false), uint8: compute(false), bool: compute(false),
  float16: { storage: true, arithmetic: false, accelerated: false, computeAs: 'float32' },
  bfloat16: { storage: true, arithmetic: false, accelerated: false, computeAs: 'float32' },
};

/** The typed array core expects back from a read of `dtype`. */
export function hostView(dtype: DType, bytes: Uint8Array): HostArray {
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  switch (dtype) {
    case 'float32': return new Float32Array(buf);
    case 'float64': return new Float64Array(buf);
    case 'int32': return new Int32Array(buf);
    case 'int64': return new BigInt64Array(buf);
    case 'float16': case 'bfloat16': return new Uint16Array(buf);
    case 'uint8': case 'bool': return new Uint8Array(buf);
  }
}

/** Identity of the device and libraries, for `vendor`. */
export interface CudaIdentity { readonly vendor: Readonly<Record<string, string>>; readonly totalBytes: number }

/** The backend over a device context (a real device, or the fake driver in tests). */
export function createCudaBackend(ctx: DeviceContext, id: CudaIdentity): Backend<CudaBuffer> {
  const rt = ctx.rt;
  let live = 0;
  return {
    name: 'cuda',
    apiVersion: API_VERSION,
    dtypes: CUDA_DTYPES,
    syncRead: false,
    limits: { maxBufferBytes: id.totalBytes },
    vendor: id.vendor,
    capabilities: { stridedKernels: STRIDED_KERNELS },
    allocate(dtype, numel) {
      const bytes = numel * BYTES[dtype];
      const block = rt.alloc(bytes);
      live++;
      return { block, bytes };
    },
    write(buffer, dtype, data, offset = 0) {
      rt.write(buffer.block, offset * BYTES[dtype], data);
    },
    async read(buffer, dtype, offset, numel) {
      return hostView(dtype, await rt.read(buffer.block, offset * BYTES[dtype], numel * BYTES[dtype]));
    },
    release(buffer) {
      live--;
      rt.free(buffer.block);
    },
    memory: () => ({ bytes: rt.allocator.stats.allocated.current, buffers: live }),
    kernels: kernelTable(ctx),
    synchronize: () => rt.synchronize(),
    timing: {
      record(): Handle {
        const e = rt.driver.eventCreate(true);
        rt.driver.eventRecord(e, rt.compute);
        return e;
      },
      async elapsedMs(start, end) {
        while (!rt.driver.eventQuery(end as Handle)) await new Promise<void>((r) => setImmediate(r));
        return rt.driver.eventElapsed(start as Handle, end as Handle);
      },
    },
    dispose: () => { ctx.blas?.dispose(); rt.dispose(); },
  };
}
