/**
 * `@flint/backend-testkit/mock`: a backend shaped like a GPU, to prove that core and everything above it
 * work on an asynchronous device. Kernels only record commands, which run later (at a read or
 * synchronize, from a microtask, or when the queue is full); nothing reads synchronously; int64 is stored
 * but computed as int32; elementwise kernels get dense inputs only; an out-of-range index is found on the
 * device and reported at the next read; buffers released while queued work uses them stay alive until it
 * has run. Every kernel call is checked against `@flint/core`'s kernel schema, so a call core makes that
 * breaks the contract fails loudly. registerMockGpu() makes it the device 'mockgpu'.
 * @module @flint/backend-testkit/mock
 */
import type { Backend, DType, DTypeSupport, HostArray, KernelName, KernelTable, KernelTensor } from '@flint/core';
import { API_VERSION, BackendError, DTYPES, checkKernelCall, registerBackend } from '@flint/core';
import { fromHost, readHost } from './reference/host.js';
import type { Buf } from './reference/kernels.js';
import { referenceKernels } from './reference/kernels.js';
import { mockKernels } from './mock/kernels.js';
import type { FlushMode, QueueStats } from './mock/queue.js';
import { CommandQueue, MockBuffer } from './mock/queue.js';

export { MockBuffer } from './mock/queue.js';
export type { FlushMode, QueueStats } from './mock/queue.js';

/** Options of {@link createMockGpu}. */
export interface MockGpuOptions {
  /** 'read' (default): queued commands run at the next read or synchronize; 'microtask': also after the current task. */
  flush?: FlushMode;
  /** The queue is submitted when it holds this many commands (default 4096). */
  maxQueued?: number;
  /** The name the backend reports (default 'mockgpu'). */
  name?: string;
}

/** The queued mock GPU backend, with its queue's statistics. */
export interface MockGpu extends Backend<MockBuffer> {
  /** What the queue has done: commands enqueued and executed, buffers released while pending. */
  readonly stats: QueueStats;
  /** Commands waiting to run. */
  readonly pending: number;
}

// float16 is computed in double and rounded on store, and declared accelerated, as a GPU's half arithmetic
const COMPUTED: readonly DType[] = ['float32', 'float64', 'float16', 'int32', 'uint8', 'bool'];
/** The kernels that take strided views here: data movement, reductions, indexing and matmul; elementwise ones get dense inputs. */
const STRIDED: readonly KernelName[] = ['copy', 'cast', 'sum', 'prod', 'max', 'min', 'argmax', 'argmin', 'cumsum', 'gather', 'scatterAdd', 'matmul'];

/** Creates the mock GPU backend (`registerMockGpu()` registers one as `'mockgpu'`). */
export function createMockGpu(opts: MockGpuOptions = {}): MockGpu {
  const queue = new CommandQueue(opts.flush ?? 'read', opts.maxQueued ?? 4096);
  const dtypes = Object.fromEntries(DTYPES.map((d): [DType, DTypeSupport] => {
    if (d === 'int64') return [d, { storage: true, arithmetic: false, accelerated: false, computeAs: 'int32' }];
    const ok = COMPUTED.includes(d);
    return [d, { storage: ok, arithmetic: ok, accelerated: ok }];
  })) as Record<DType, DTypeSupport>;
  const capabilities = { stridedKernels: STRIDED };
  // what only the data reveals (an index out of range, an integer division by zero) waits for the next read
  const defer = (error: Error): void => queue.defer(error);
  const compute: Record<string, (i: KernelTensor<Buf>[], o: KernelTensor<Buf>[], a: Readonly<Record<string, unknown>>) => void> =
    { ...referenceKernels(defer), ...mockKernels(defer) } as never;

  const onDevice = (t: KernelTensor<MockBuffer>): KernelTensor<Buf> => ({ ...t, buffer: t.buffer.data! });
  const kernels = Object.fromEntries(Object.entries(compute).map(([op, run]) => [op, (inputs: KernelTensor<MockBuffer>[], outputs: KernelTensor<MockBuffer>[], attrs: Readonly<Record<string, unknown>>) => {
    const problem = checkKernelCall(op, inputs, outputs, attrs, { dtypes, capabilities });
    if (problem) throw new BackendError(`mockgpu: core broke the kernel contract: ${problem}`);
    const ins = [...inputs], outs = [...outputs];
    queue.enqueue(op, [...ins, ...outs].map((t) => t.buffer), () => run(ins.map(onDevice), outs.map(onDevice), attrs));
  }])) as KernelTable<MockBuffer>;

  const settled = async (): Promise<void> => {
    await Promise.resolve(); // never synchronous, even when nothing is queued
    queue.settle();
  };
  return {
    name: opts.name ?? 'mockgpu',
    apiVersion: API_VERSION,
    dtypes,
    capabilities,
    syncRead: false,
    limits: { maxBufferBytes: 2 ** 30 },
    vendor: { mock: 'queued' },
    allocate: (_dtype, numel) => queue.allocate(numel),
    write(buffer, dtype, data: HostArray, offset = 0) {
      // the caller may reuse its array at once: copy it now, store it when the queue gets there
      const copy = Float64Array.from(data as ArrayLike<number | bigint>, (v) => fromHost(dtype, v));
      queue.enqueue('write', [buffer], () => buffer.data!.set(copy, offset));
    },
    read(buffer, dtype, offset, numel) {
      // the copy to the host is enqueued now, as a GPU backend's staging copy is: core may release the
      // buffer as soon as read() returns
      let host: HostArray | undefined;
      queue.enqueue('read', [buffer], () => { host = readHost(buffer.data!, dtype, offset, numel); });
      return settled().then(() => host!);
    },
    release: (buffer) => queue.release(buffer),
    memory: () => queue.memory(),
    kernels,
    synchronize: settled,
    timing: {
      record() {
        const mark = { at: NaN };
        queue.enqueue('timestamp', [], () => { mark.at = performance.now(); });
        return mark;
      },
      async elapsedMs(a, b) {
        await settled();
        return (b as { at: number }).at - (a as { at: number }).at;
      },
    },
    get stats() { return { ...queue.stats }; },
    get pending() { return queue.pending; },
  };
}

/** Register the mock GPU as device `name` (default 'mockgpu'); returns the device name. */
export function registerMockGpu(opts: MockGpuOptions = {}): string {
  const name = opts.name ?? 'mockgpu';
  registerBackend(name, () => createMockGpu({ ...opts, name }) as unknown as Backend);
  return name;
}
