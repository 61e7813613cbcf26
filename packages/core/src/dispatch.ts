// One door for every op: validate inputs, run the op (kernel or composite), then call the hooks.
// Hooks see public ops only (depth 0): the autograd tape and ONNX tracing record what the user called.
import type { KernelTensor } from './backend.js';
import type { DType } from './dtype.js';
import { BYTES } from './dtype.js';
import { BackendError, DeviceError, DisposedError, DTypeError, OutOfMemoryError, fmtShape } from './errors.js';
import { Storage, scope } from './memory.js';
import { getBackend } from './registry.js';
import { contiguousStrides, numel } from './shape.js';
import { Tensor } from './tensor.js';

export interface OpCall {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly attrs: Readonly<Record<string, unknown>>;
  readonly outputs: readonly Tensor[];
  /** True when a hook asked to record the op's parts (recordInside) and this call reports the whole. */
  readonly decomposed?: boolean;
}
export interface OpHook {
  afterOp(call: OpCall): void;
  /**
   * Asked before an op runs: true records the op's inner public ops instead of the op itself
   * (autograd says so for composite ops it has no rule for, so their gradient comes from their parts).
   */
  recordInside?(op: string, inputs: readonly Tensor[], attrs: Readonly<Record<string, unknown>>): boolean;
}

const hooks: OpHook[] = [];
let depth = 0;

/** Install a hook; returns its remover. */
export function addHook(h: OpHook): () => void {
  hooks.push(h);
  return () => { const i = hooks.indexOf(h); if (i >= 0) hooks.splice(i, 1); };
}

/** Run hooks-free code (e.g. a gradient rule's bookkeeping) as if inside an op. */
export function withoutHooks<R>(fn: () => R): R {
  depth++;
  try { return fn(); } finally { depth--; }
}

export function checkLive(op: string, inputs: readonly Tensor[]): void {
  for (const t of inputs) {
    if (t.isDisposed) throw new DisposedError(`${op}: an input tensor (shape ${fmtShape(t.shape)}, ${t.dtype}) was disposed; keep it alive (don't dispose it, or return it from its scope) until ${op} has run`);
  }
}

export function sameDevice(op: string, inputs: readonly Tensor[]): string | undefined {
  const d = inputs[0]?.device;
  for (const t of inputs) {
    if (t.device !== d) throw new DeviceError(`${op}: expected all tensors on one device, got '${d}' and '${t.device}'; move them with .to('${d}')`);
  }
  return d;
}

function flatOutputs(r: unknown): Tensor[] {
  if (r instanceof Tensor) return [r];
  if (Array.isArray(r)) return r.filter((x): x is Tensor => x instanceof Tensor);
  if (r && typeof r === 'object') return Object.values(r).filter((x): x is Tensor => x instanceof Tensor);
  return [];
}

/** Run a public op. `impl` computes the result with kernels or other ops. */
export function apply<R>(op: string, inputs: readonly Tensor[], attrs: Readonly<Record<string, unknown>>, impl: () => R): R {
  checkLive(op, inputs);
  sameDevice(op, inputs);
  if (depth === 0 && hooks.some((h) => h.recordInside?.(op, inputs, attrs))) {
    const r = scope(impl);
    const call: OpCall = { op, inputs, attrs, outputs: flatOutputs(r), decomposed: true };
    for (const h of hooks) h.afterOp(call);
    return r;
  }
  depth++;
  let result: R;
  // The scope disposes every intermediate the op made and did not return.
  try { result = scope(impl); } finally { depth--; }
  if (depth === 0 && hooks.length) {
    const call: OpCall = { op, inputs, attrs, outputs: flatOutputs(result) };
    for (const h of hooks) h.afterOp(call);
  }
  return result;
}

export const kernelView = (t: Tensor): KernelTensor => ({
  buffer: t.storage.buffer, dtype: t.dtype, shape: t.shape, strides: t.strides, offset: t.offset,
});

export function allocate(device: string, dtype: DType, shape: readonly number[]): Tensor {
  const backend = getBackend(device);
  if (!backend.dtypes[dtype]?.storage) {
    throw new DTypeError(`backend '${backend.name}' cannot store ${dtype} tensors; use a dtype it supports (${Object.entries(backend.dtypes).filter(([, s]) => s.storage).map(([d]) => d).join(', ')})`);
  }
  const n = numel(shape);
  const bytes = n * BYTES[dtype];
  if (bytes > backend.limits.maxBufferBytes) {
    throw new OutOfMemoryError(`cannot allocate a ${dtype} tensor of shape ${fmtShape(shape)} (${bytes} bytes) on '${device}': the backend's limit is ${backend.limits.maxBufferBytes} bytes per buffer`);
  }
  let buffer: unknown;
  try { buffer = backend.allocate(dtype, n); } catch (e) {
    if (e instanceof RangeError) throw new OutOfMemoryError(`out of memory allocating ${dtype} ${fmtShape(shape)} (${bytes} bytes) on '${device}': ${e.message}`);
    throw e;
  }
  return new Tensor(new Storage(backend, device, buffer, dtype, n), shape, contiguousStrides(shape), 0);
}

export function hasKernel(op: string, device: string): boolean {
  return getBackend(device).kernels[op] !== undefined;
}

const NO_ARITH_CHECK = new Set(['copy', 'cast', 'fill']);

/** Allocate outputs and run a backend kernel (which must exist; check hasKernel for optional ones). */
export function runKernel(op: string, device: string, inputs: readonly Tensor[], outs: readonly { shape: readonly number[]; dtype: DType }[], attrs: Readonly<Record<string, unknown>> = {}): Tensor[] {
  const backend = getBackend(device);
  const kernel = backend.kernels[op];
  if (!kernel) throw new BackendError(`backend '${backend.name}' has no '${op}' kernel, which is in the required tier; the backend is incomplete (see @flint/core BACKENDS.md)`);
  checkLive(op, inputs);
  if (!NO_ARITH_CHECK.has(op)) {
    for (const t of inputs) {
      if (!backend.dtypes[t.dtype]?.arithmetic) throw new DTypeError(`${op}: backend '${backend.name}' can't compute in ${t.dtype}; cast first, e.g. x.to({ dtype: 'float32' })`);
    }
  }
  const outputs = outs.map((o) => allocate(device, o.dtype, o.shape));
  try {
    kernel(inputs.map(kernelView), outputs.map(kernelView), attrs);
  } catch (e) {
    for (const o of outputs) o.dispose();
    throw e;
  }
  return outputs;
}

/** Run the in-place `copy` kernel from src into the (possibly strided) dst view. */
export function copyInto(dst: Tensor, src: Tensor): void {
  const backend = getBackend(dst.device);
  backend.kernels.copy!([kernelView(src)], [kernelView(dst)], {});
  dst.storage.version++;
}
