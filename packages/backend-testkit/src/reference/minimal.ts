// A third-party-style backend with only the required kernels, written as plainly as possible: every dtype
// lives in a Float64Array and is rounded to its dtype when stored. Everything else comes from core's
// composites, so a backend that passes the suite this way is complete before it adds any fast kernel.
import type { Backend, DType, DTypeSupport } from '@flint/core';
import { API_VERSION, DTYPES } from '@flint/core';
import { readHost, writeHost } from './host.js';
import type { Buf } from './kernels.js';
import { referenceKernels } from './kernels.js';

const STORED: readonly DType[] = ['float32', 'float64', 'int32', 'int64', 'uint8', 'bool'];

/**
 * The required-tier-only backend. `syncRead` adds readSync, for code that reads synchronously; the
 * conformance run stays async. (The registry keeps backends of unknown buffer type, hence the cast.)
 */
export const createMinimalBackend = (opts: { syncRead?: boolean } = {}): Backend => makeMinimal(opts.syncRead ?? false) as unknown as Backend;

function makeMinimal(syncRead: boolean): Backend<Buf> {
  const live = new Set<Buf>();
  const dtypes = Object.fromEntries(DTYPES.map((d): [DType, DTypeSupport] => {
    const ok = STORED.includes(d);
    return [d, { storage: ok, arithmetic: ok, accelerated: false }];
  })) as Record<DType, DTypeSupport>;
  return {
    name: 'minimal',
    apiVersion: API_VERSION,
    dtypes,
    syncRead,
    limits: { maxBufferBytes: 2 ** 30 },
    allocate(_dtype, numel) {
      const b = new Float64Array(numel);
      live.add(b);
      return b;
    },
    write: writeHost,
    async read(buffer, dtype, offset, numel) { return readHost(buffer, dtype, offset, numel); },
    ...(syncRead ? { readSync: readHost } : {}),
    release(buffer) { live.delete(buffer); },
    memory: () => ({ buffers: live.size, bytes: [...live].reduce((s, b) => s + b.byteLength, 0) }),
    // a backend that runs synchronously reports a bad index (or an integer division by zero) at once
    kernels: referenceKernels((error) => { throw error; }),
  };
}
