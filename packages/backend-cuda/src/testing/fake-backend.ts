// A CUDA backend over the fake driver, for tests of the backend object and the public API.
import type { Backend } from '@flint/core';
import { createCudaBackend } from '../backend.js';
import type { Dnn } from '../ffi/cudnn.js';
import type { CudaBuffer, DeviceContext } from '../kernels/util.js';
import { CudaRuntime } from '../runtime/runtime.js';
import { FakeDriver } from './fake-driver.js';

/** A backend over a fake device; `dnn` stands in for cuDNN (its kernels are only registered, never run here). */
export function fakeBackend(withDnn: boolean): { backend: Backend<CudaBuffer>; drv: FakeDriver; ctx: DeviceContext } {
  const drv = new FakeDriver(1 << 28);
  const rt = new CudaRuntime(drv, drv.addressOf, (f) => `// ${f}`);
  const ctx: DeviceContext = { rt, tf32: { matmul: false, cudnn: true }, ...(withDnn ? { dnn: {} as Dnn } : {}) };
  return { backend: createCudaBackend(ctx, { vendor: { device: 'fake' }, totalBytes: 1 << 28 }), drv, ctx };
}

