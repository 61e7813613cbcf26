// The CUDA driver API (libcuda) through koffi: the declarations, and the Driver interface the runtime uses
// implemented over them. Device pointers are uint64_t; pinned host memory is passed by address.
import { check } from '../errors.js';
import type { DevicePtr, Driver, Handle, PinnedBuffer } from '../runtime/driver.js';
import { bind, getKoffi, outParam } from './koffi.js';

/** The driver functions the backend binds (versioned names as cuda.h maps them). */
export const DRIVER_DECLS = {
  init: 'int cuInit(unsigned int flags)',
  driverGetVersion: 'int cuDriverGetVersion(_Out_ int *version)',
  deviceGetCount: 'int cuDeviceGetCount(_Out_ int *count)',
  deviceGet: 'int cuDeviceGet(_Out_ int *device, int ordinal)',
  deviceGetName: 'int cuDeviceGetName(_Out_ uint8_t *name, int len, int dev)',
  deviceGetAttribute: 'int cuDeviceGetAttribute(_Out_ int *value, int attrib, int dev)',
  deviceTotalMem: 'int cuDeviceTotalMem_v2(_Out_ size_t *bytes, int dev)',
  primaryCtxRetain: 'int cuDevicePrimaryCtxRetain(_Out_ void **ctx, int dev)',
  primaryCtxRelease: 'int cuDevicePrimaryCtxRelease_v2(int dev)',
  ctxSetCurrent: 'int cuCtxSetCurrent(void *ctx)',
  ctxSynchronize: 'int cuCtxSynchronize()',
  memGetInfo: 'int cuMemGetInfo_v2(_Out_ size_t *free, _Out_ size_t *total)',
  memAlloc: 'int cuMemAlloc_v2(_Out_ uint64_t *dptr, size_t bytes)',
  memFree: 'int cuMemFree_v2(uint64_t dptr)',
  memAllocHost: 'int cuMemAllocHost_v2(_Out_ void **pp, size_t bytes)',
  memFreeHost: 'int cuMemFreeHost(void *p)',
  memcpyHtoD: 'int cuMemcpyHtoDAsync_v2(uint64_t dst, const void *src, size_t bytes, void *stream)',
  memcpyDtoH: 'int cuMemcpyDtoHAsync_v2(uint64_t dst, uint64_t src, size_t bytes, void *stream)',
  memcpyDtoD: 'int cuMemcpyDtoDAsync_v2(uint64_t dst, uint64_t src, size_t bytes, void *stream)',
  memsetD8: 'int cuMemsetD8Async(uint64_t dst, uint8_t value, size_t count, void *stream)',
  streamCreate: 'int cuStreamCreate(_Out_ void **stream, unsigned int flags)',
  streamDestroy: 'int cuStreamDestroy_v2(void *stream)',
  streamSynchronize: 'int cuStreamSynchronize(void *stream)',
  streamWaitEvent: 'int cuStreamWaitEvent(void *stream, void *event, unsigned int flags)',
  eventCreate: 'int cuEventCreate(_Out_ void **event, unsigned int flags)',
  eventRecord: 'int cuEventRecord(void *event, void *stream)',
  eventQuery: 'int cuEventQuery(void *event)',
  eventSynchronize: 'int cuEventSynchronize(void *event)',
  eventElapsedTime: 'int cuEventElapsedTime(_Out_ float *ms, void *start, void *end)',
  eventDestroy: 'int cuEventDestroy_v2(void *event)',
  moduleLoadData: 'int cuModuleLoadData(_Out_ void **module, const char *image)',
  moduleGetFunction: 'int cuModuleGetFunction(_Out_ void **fn, void *module, const char *name)',
  launchKernel: 'int cuLaunchKernel(void *f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz, unsigned int shared, void *stream, void *params, void *extra)',
  streamBeginCapture: 'int cuStreamBeginCapture_v2(void *stream, int mode)',
  streamEndCapture: 'int cuStreamEndCapture(void *stream, _Out_ void **graph)',
  graphInstantiate: 'int cuGraphInstantiateWithFlags(_Out_ void **exec, void *graph, unsigned long long flags)',
  graphLaunch: 'int cuGraphLaunch(void *exec, void *stream)',
  graphExecDestroy: 'int cuGraphExecDestroy(void *exec)',
  graphDestroy: 'int cuGraphDestroy(void *graph)',
} as const;

const CU_STREAM_NON_BLOCKING = 1;
const CU_EVENT_DISABLE_TIMING = 2;
const CU_STREAM_CAPTURE_MODE_RELAXED = 2;
const NOT_READY = 600;
/** cuDeviceGetAttribute ids used by the backend. */
export const ATTR = { multiprocessors: 16, computeMajor: 75, computeMinor: 76 } as const;

/** The device's identity, for `vendor` and messages. */
export interface DeviceInfo { name: string; computeCapability: string; multiprocessors: number; totalBytes: number; driverVersion: string }

/** The driver bound through koffi: the runtime's Driver, plus the calls that open a device. */
export interface CudaDriver extends Driver {
  /** cuInit, then the primary context of `device` made current; returns the device's description. */
  open(device: number): DeviceInfo;
  /** Number of CUDA devices (after cuInit). */
  deviceCount(): number;
}

/** Binds libcuda at `path` (which must exist: the declarations load only then). */
export function loadDriver(path: string): CudaDriver {
  const f = bind(path, DRIVER_DECLS);
  const k = getKoffi();
  const ok = (call: string, status: unknown, op = 'cuda') => check('cuda', op, call, status as number);
  const out1 = <T>(call: string, fn: (o: [T | null]) => unknown): T => { const o = outParam<T>(); ok(call, fn(o)); return o[0] as T; };
  return {
    open(device) {
      ok('cuInit', f.init(0), 'initCuda');
      const count = out1<number>('cuDeviceGetCount', (o) => f.deviceGetCount(o));
      if (device < 0 || device >= count) throw new RangeError(`initCuda: device ${device} does not exist; this machine has ${count} CUDA device(s) (0..${count - 1})`);
      const dev = out1<number>('cuDeviceGet', (o) => f.deviceGet(o, device));
      const ctx = out1<Handle>('cuDevicePrimaryCtxRetain', (o) => f.primaryCtxRetain(o, dev));
      ok('cuCtxSetCurrent', f.ctxSetCurrent(ctx));
      const nameBuf = new Uint8Array(256);
      ok('cuDeviceGetName', f.deviceGetName(nameBuf, 256, dev));
      const attr = (a: number) => out1<number>('cuDeviceGetAttribute', (o) => f.deviceGetAttribute(o, a, dev));
      const version = out1<number>('cuDriverGetVersion', (o) => f.driverGetVersion(o));
      return {
        name: new TextDecoder().decode(nameBuf.subarray(0, nameBuf.indexOf(0))),
        computeCapability: `${attr(ATTR.computeMajor)}.${attr(ATTR.computeMinor)}`,
        multiprocessors: attr(ATTR.multiprocessors),
        totalBytes: Number(out1<number>('cuDeviceTotalMem', (o) => f.deviceTotalMem(o, dev))),
        driverVersion: `${Math.floor(version / 1000)}.${(version % 1000) / 10}`,
      };
    },
    deviceCount: () => out1<number>('cuDeviceGetCount', (o) => f.deviceGetCount(o)),
    memAlloc: (bytes) => BigInt(out1<number | bigint>('cuMemAlloc', (o) => f.memAlloc(o, bytes))),
    memFree: (ptr) => ok('cuMemFree', f.memFree(ptr)),
    memGetInfo() {
      const free = outParam<number>(), total = outParam<number>();
      ok('cuMemGetInfo', f.memGetInfo(free, total));
      return { free: Number(free[0]), total: Number(total[0]) };
    },
    memAllocHost(bytes) {
      const ptr = out1<Handle>('cuMemAllocHost', (o) => f.memAllocHost(o, bytes));
      return { ptr, bytes: new Uint8Array(k.view(ptr, bytes)) };
    },
    memFreeHost: (p: PinnedBuffer) => ok('cuMemFreeHost', f.memFreeHost(p.ptr)),
    memcpyHtoD: (dst: DevicePtr, src, bytes, s) => ok('cuMemcpyHtoDAsync', f.memcpyHtoD(dst, src, bytes, s)),
    memcpyDtoH: (dst, off, src, bytes, s) => ok('cuMemcpyDtoHAsync', f.memcpyDtoH((typeof dst.ptr === 'bigint' ? dst.ptr : k.address(dst.ptr)) + BigInt(off), src, bytes, s)),
    memcpyDtoD: (dst, src, bytes, s) => ok('cuMemcpyDtoDAsync', f.memcpyDtoD(dst, src, bytes, s)),
    memsetD8: (dst, v, bytes, s) => ok('cuMemsetD8Async', f.memsetD8(dst, v, bytes, s)),
    streamCreate: () => out1<Handle>('cuStreamCreate', (o) => f.streamCreate(o, CU_STREAM_NON_BLOCKING)),
    streamDestroy: (s) => ok('cuStreamDestroy', f.streamDestroy(s)),
    streamSynchronize: (s) => ok('cuStreamSynchronize', f.streamSynchronize(s), 'synchronize'),
    streamWaitEvent: (s, e) => ok('cuStreamWaitEvent', f.streamWaitEvent(s, e, 0)),
    eventCreate: (timing) => out1<Handle>('cuEventCreate', (o) => f.eventCreate(o, timing ? 0 : CU_EVENT_DISABLE_TIMING)),
    eventRecord: (e, s) => ok('cuEventRecord', f.eventRecord(e, s)),
    eventQuery(e) {
      const status = f.eventQuery(e) as number;
      if (status === NOT_READY) return false;
      ok('cuEventQuery', status, 'read');
      return true;
    },
    eventSynchronize: (e) => ok('cuEventSynchronize', f.eventSynchronize(e), 'synchronize'),
    eventElapsed: (a, b) => out1<number>('cuEventElapsedTime', (o) => f.eventElapsedTime(o, a, b)),
    eventDestroy: (e) => ok('cuEventDestroy', f.eventDestroy(e)),
    moduleLoad: (ptx) => out1<Handle>('cuModuleLoadData', (o) => f.moduleLoadData(o, ptx)),
    moduleFunction: (m, name) => out1<Handle>(`cuModuleGetFunction(${name})`, (o) => f.moduleGetFunction(o, m, name)),
    launch: (fn, g, b, shared, s, params) => ok('cuLaunchKernel', f.launchKernel(fn, g[0], g[1], g[2], b[0], b[1], b[2], shared, s, params, null)),
    beginCapture: (s) => ok('cuStreamBeginCapture', f.streamBeginCapture(s, CU_STREAM_CAPTURE_MODE_RELAXED), 'cudaGraph'),
    endCapture: (s) => out1<Handle>('cuStreamEndCapture', (o) => f.streamEndCapture(s, o)),
    graphInstantiate: (g) => out1<Handle>('cuGraphInstantiateWithFlags', (o) => f.graphInstantiate(o, g, 0)),
    graphLaunch: (e, s) => ok('cuGraphLaunch', f.graphLaunch(e, s), 'cudaGraph.replay'),
    graphDestroy(g, e) { ok('cuGraphExecDestroy', f.graphExecDestroy(e)); ok('cuGraphDestroy', f.graphDestroy(g)); },
    synchronize: () => ok('cuCtxSynchronize', f.ctxSynchronize(), 'synchronize'),
  };
}
