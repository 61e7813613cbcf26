// The slice of the CUDA driver API the runtime uses, as a TypeScript interface: the koffi binding
// (../ffi/driver.ts) implements it over libcuda, and tests implement it with a fake device in host memory,
// so the allocator, streams, reads and graph capture are the same code with or without a GPU.

/**
 * An opaque driver handle (CUstream, CUevent, CUmodule, CUfunction, CUgraph, CUgraphExec): koffi returns
 * pointers as bigint addresses; the fake driver uses objects.
 */
export type Handle = bigint | object;

/** A device address (CUdeviceptr). */
export type DevicePtr = bigint;

/** Page-locked host memory from cuMemAllocHost, and a view of it. */
export interface PinnedBuffer { readonly ptr: Handle; readonly bytes: Uint8Array }

/** The driver calls the runtime makes. Each throws a CudaCallError (OutOfMemoryError for CUDA_ERROR_OUT_OF_MEMORY) on failure. */
export interface Driver {
  /** cuMemAlloc. */
  memAlloc(bytes: number): DevicePtr;
  /** cuMemFree. */
  memFree(ptr: DevicePtr): void;
  /** cuMemGetInfo: free and total bytes of the device. */
  memGetInfo(): { free: number; total: number };
  /** cuMemAllocHost. */
  memAllocHost(bytes: number): PinnedBuffer;
  /** cuMemFreeHost. */
  memFreeHost(p: PinnedBuffer): void;
  /** cuMemcpyHtoDAsync from host memory (a typed array or pinned memory). */
  memcpyHtoD(dst: DevicePtr, src: ArrayBufferView, bytes: number, stream: Handle): void;
  /** cuMemcpyDtoHAsync into pinned memory at a byte offset. */
  memcpyDtoH(dst: PinnedBuffer, dstOffset: number, src: DevicePtr, bytes: number, stream: Handle): void;
  /** cuMemcpyDtoDAsync. */
  memcpyDtoD(dst: DevicePtr, src: DevicePtr, bytes: number, stream: Handle): void;
  /** cuMemsetD8Async. */
  memsetD8(dst: DevicePtr, value: number, bytes: number, stream: Handle): void;
  /** cuStreamCreate (non-blocking with respect to the legacy default stream). */
  streamCreate(): Handle;
  /** cuStreamDestroy. */
  streamDestroy(s: Handle): void;
  /** cuStreamSynchronize. */
  streamSynchronize(s: Handle): void;
  /** cuStreamWaitEvent: work enqueued on `s` after this waits for `e`. */
  streamWaitEvent(s: Handle, e: Handle): void;
  /** cuEventCreate; `timing` false gives CU_EVENT_DISABLE_TIMING (cheaper). */
  eventCreate(timing: boolean): Handle;
  /** cuEventRecord. */
  eventRecord(e: Handle, s: Handle): void;
  /** cuEventQuery: true when done (CUDA_ERROR_NOT_READY is false). */
  eventQuery(e: Handle): boolean;
  /** cuEventSynchronize. */
  eventSynchronize(e: Handle): void;
  /** cuEventElapsedTime in milliseconds. */
  eventElapsed(start: Handle, end: Handle): number;
  /** cuEventDestroy. */
  eventDestroy(e: Handle): void;
  /** cuModuleLoadData of a PTX image (the driver JIT-compiles it for the card). */
  moduleLoad(ptx: string): Handle;
  /** cuModuleGetFunction. */
  moduleFunction(mod: Handle, name: string): Handle;
  /** cuLaunchKernel with `params`, the addresses of each argument (see ArgPack). */
  launch(f: Handle, grid: readonly [number, number, number], block: readonly [number, number, number], sharedBytes: number, stream: Handle, params: BigUint64Array): void;
  /** cuStreamBeginCapture in thread-local mode. */
  beginCapture(s: Handle): void;
  /** cuStreamEndCapture: the captured graph. */
  endCapture(s: Handle): Handle;
  /** cuGraphInstantiate. */
  graphInstantiate(g: Handle): Handle;
  /** cuGraphLaunch. */
  graphLaunch(exec: Handle, s: Handle): void;
  /** cuGraphExecDestroy and cuGraphDestroy. */
  graphDestroy(g: Handle, exec: Handle): void;
  /** cuCtxSynchronize. */
  synchronize(): void;
}
