// The koffi binding of the driver API against a host-memory libcuda built from testing/fake-libcuda.c:
// out-parameters, uint64 device pointers, pinned-memory views and offsets, status codes turned into typed
// errors, and kernel launches whose packed argument pointers the C side dereferences as a GPU would.
import { OutOfMemoryError } from '@flint/core';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CudaCallError, CudaUnavailableError } from '../errors.js';
import { nodeHost } from '../discovery/find.js';
import { initCuda } from '../init.js';
import { creationKernels } from '../kernels/creation.js';
import type { CT } from '../kernels/util.js';
import { CudaRuntime } from '../runtime/runtime.js';
import { loadDriver } from './driver.js';
import { getKoffi } from './koffi.js';

const dir = mkdtempSync(join(tmpdir(), 'flint-fake-libcuda-'));
const lib = join(dir, 'libcuda.so.1');
const cc = process.env.CC ?? 'cc';
const built = process.platform === 'linux' && spawnSync(cc, ['-shared', '-fPIC', '-O1', '-o', lib, fileURLToPath(new URL('../testing/fake-libcuda.c', import.meta.url))]).status === 0;
if (!built) console.log(`[backend-cuda] koffi driver-binding tests skipped: could not build the fake libcuda with '${cc}' (Linux and a C compiler needed)`);

const open = () => {
  const drv = loadDriver(lib);
  const info = drv.open(0);
  const rt = new CudaRuntime(drv, (v) => getKoffi().address(v) as bigint, (f) => (f === 'bad' ? 'not ptx' : `// ptx of ${f}`));
  return { drv, info, rt };
};

describe.skipIf(!built)('the libcuda binding (fake host-memory libcuda)', () => {
  it('opens the device: name, compute capability, SMs, memory, driver version through out-parameters', () => {
    expect(open().info).toEqual({ name: 'Fake GPU', computeCapability: '9.0', multiprocessors: 132, totalBytes: 2 ** 30, driverVersion: '13.0' });
  });
  it('a device that does not exist is a RangeError naming the count', () => {
    expect(() => loadDriver(lib).open(3)).toThrow(/device 3 does not exist; this machine has 1 CUDA device/);
  });
  it('round-trips bytes through cuMemAlloc, cuMemcpyHtoD and the pinned read at an offset', async () => {
    const { rt } = open();
    const b = rt.alloc(64);
    rt.write(b, 8, new Float64Array([1.25, -3]));
    expect(new Float64Array((await rt.read(b, 8, 16)).buffer)).toEqual(new Float64Array([1.25, -3]));
  });
  it('launches read their arguments through the packed pointer array: fill and a strided (transposing) copy', async () => {
    const { rt } = open();
    const k = creationKernels({ rt, tf32: { matmul: false, cudnn: true } });
    const src = rt.alloc(24), dst = rt.alloc(24);
    const view = (block: typeof src, shape: number[], strides: number[]): CT => ({ buffer: { block, bytes: 24 }, dtype: 'float32', shape, strides, offset: 0 });
    k.fill!([], [view(src, [6], [1])], { value: 2.5 });
    expect(Array.from(new Float32Array((await rt.read(src, 0, 24)).buffer))).toEqual([2.5, 2.5, 2.5, 2.5, 2.5, 2.5]);
    rt.write(src, 0, new Float32Array([0, 1, 2, 3, 4, 5]));
    // dst[i][j] = src[j][i] for src [2,3]: src seen as a [3,2] view with strides [1,3]
    k.copy!([view(src, [3, 2], [1, 3])], [view(dst, [3, 2], [2, 1])], {});
    expect(Array.from(new Float32Array((await rt.read(dst, 0, 24)).buffer))).toEqual([0, 3, 1, 4, 2, 5]);
  });
  it('status codes become typed errors naming the call: invalid PTX, a missing kernel, out of memory', () => {
    const { rt, drv } = open();
    expect(() => rt.launch({ file: 'bad', name: 'k' }, [], () => {}, 1)).toThrow(/cuModuleLoadData failed with CUDA_ERROR_INVALID_PTX — the driver is older than the PTX/);
    let e: unknown;
    try { rt.launch({ file: 'reduce', name: 'sum_f32' }, [], () => {}, 1); } catch (x) { e = x; }
    expect(e).toBeInstanceOf(CudaCallError);
    expect((e as Error).message).toBe('cuda: cuLaunchKernel failed with CUDA_ERROR_NOT_FOUND');
    expect(() => drv.memAlloc(2 ** 31)).toThrow(OutOfMemoryError);
    const free = drv.memGetInfo().free, p = drv.memAlloc(1000);
    expect(drv.memGetInfo()).toEqual({ free: free - 1000, total: 2 ** 30 });
    drv.memFree(p);
    expect(drv.memGetInfo().free).toBe(free);
  });
  it('capture, instantiate and replay go through the binding in relaxed capture mode', () => {
    const { drv, rt } = open();
    drv.beginCapture(rt.compute);
    const g = drv.endCapture(rt.compute);
    const exec = drv.graphInstantiate(g);
    expect(() => drv.graphLaunch(exec, rt.compute)).not.toThrow();
    expect(drv.eventElapsed(drv.eventCreate(true), drv.eventCreate(true))).toBe(1.5);
  });
  it('initCuda opens the device, then names the missing cuBLAS with where it looked', async () => {
    const err = await initCuda({}, { ...nodeHost(), env: { FLINT_CUDA_LIB_DIR: dir } }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(CudaUnavailableError);
    expect((err as Error).message).toMatch(/^@flint\/backend-cuda: libcublas\.so\.13 or libcublas\.so\.12 or libcublas\.so was not found\. Looked in:/);
    expect((err as Error).message).toContain(`  - ${dir}  (FLINT_CUDA_LIB_DIR)`);
    expect((err as Error).message).toMatch(/pip install nvidia-cublas/);
  });
});
