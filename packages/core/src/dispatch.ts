// One door for every op: validate inputs, run the op (kernel or composite), then call the hooks.
// Hooks see public ops only (depth 0): the autograd tape and ONNX tracing record what the user called.
// Kernels go through `launch`, which adapts each call to the backend's capabilities: inputs made dense
// for kernels that don't take strided views, and dtypes the backend only stores (int64 on WebGPU)
// computed in the dtype it names, with the results cast back.
import type { Backend, KernelTensor } from './backend.js';
import type { DType } from './dtype.js';
import { BYTES } from './dtype.js';
import { BackendError, DeviceError, DisposedError, DTypeError, FlintError, OutOfMemoryError, fmtShape } from './errors.js';
import { Storage, scope } from './memory.js';
import { getBackend } from './registry.js';
import type { KernelAttrsOf, KernelName, OpName } from './schema/index.js';
import { STORAGE_KERNELS, inPlaceInputs } from './schema/index.js';
import { takesStrided } from './schema/validate.js';
import { contiguousStrides, isContiguous, numel } from './shape.js';
import type { Tensor } from './tensor.js';
import { isTensor } from './tensor-base.js';

/** A finished op call, as hooks see it. */
export interface OpCall {
  /** The op's name in the schema. */
  readonly op: OpName;
  /** The tensor inputs. */
  readonly inputs: readonly Tensor[];
  /** The call's attributes. */
  readonly attrs: Readonly<Record<string, unknown>>;
  /** The tensors it returned. */
  readonly outputs: readonly Tensor[];
  /** True when a hook asked to record the op's parts (recordInside) and this call reports the whole. */
  readonly decomposed?: boolean;
}
/** Observes op calls: autograd records them, tracers and profilers could too (see {@link addHook}). */
export interface OpHook {
  /** Called after each op with its call. */
  afterOp(call: OpCall): void;
  /**
   * Asked before a public op runs (after recordInside): a replacement for its implementation, or undefined.
   * The replacement runs at depth 0, so hooks see the ops it calls; afterOp then sees the op as called.
   * vmap uses it to run an op on the batched tensors behind its inputs.
   */
  runInstead?(op: OpName, inputs: readonly Tensor[], attrs: Readonly<Record<string, unknown>>, impl: () => unknown): (() => unknown) | undefined;
  /**
   * Asked before an op runs: true records the op's inner public ops instead of the op itself
   * (autograd says so for composite ops it has no rule for, so their gradient comes from their parts).
   */
  recordInside?(op: OpName, inputs: readonly Tensor[], attrs: Readonly<Record<string, unknown>>): boolean;
  /**
   * Asked first, before a public op runs: the inputs it should compute with (autocast casts them; the same
   * array when they need no cast), or undefined when the op is not the hook's. The casts are public ops, so
   * the tape records them. Inside an op a hook took, no hook is asked again (torch's autocast excludes itself).
   */
  castInputs?(op: OpName, inputs: readonly Tensor[]): readonly Tensor[] | undefined;
}

const hooks: OpHook[] = [];
let depth = 0;
let insteadHooks = 0; // hooks with runInstead: apply asks them only when there are some
let castHooks = 0; // hooks with castInputs: apply asks them only when there are some

/** Install a hook; returns its remover. */
export function addHook(h: OpHook): () => void {
  hooks.push(h);
  if (h.runInstead) insteadHooks++;
  const removeInstead = (): void => { if (h.runInstead) insteadHooks--; };
  if (h.castInputs) castHooks++;
  return () => { const i = hooks.indexOf(h); if (i >= 0) removeInstead(); if (i >= 0) { hooks.splice(i, 1); if (h.castInputs) castHooks--; } };
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

/**
 * True inside an op's implementation while hooks record its inner ops (autograd does so for ops without a
 * gradient rule): such an op must compute with differentiable ops, not a fused kernel.
 */
export const recordingParts = (): boolean => depth === 0;

function flatOutputs(r: unknown): Tensor[] {
  if (isTensor(r)) return [r];
  if (Array.isArray(r)) return r.filter(isTensor);
  if (r && typeof r === 'object') return Object.values(r).filter(isTensor);
  return [];
}

/** The inputs castInputs hooks (autocast) give op, or undefined when no hook takes the op. */
function castByHooks(op: OpName, inputs: readonly Tensor[], takesInputs: boolean): readonly Tensor[] | undefined {
  let taken: readonly Tensor[] | undefined;
  for (const h of hooks) {
    const r = h.castInputs?.(op, taken ?? inputs);
    if (!r) continue;
    // an op computes from the inputs it is handed only when its impl takes them
    if (r !== (taken ?? inputs) && !takesInputs) throw new FlintError(`${op}: a castInputs hook (autocast) changed its inputs, but its implementation ignores them; take the inputs in its apply() callback or leave ${op} out of the hook's table`);
    taken = r;
  }
  return taken;
}
let castOff = 0; // > 0 inside an op a castInputs hook took

/**
 * Run a public op. `impl` computes the result with kernels or other ops; an op that a castInputs hook may
 * cast (autocast's tables) computes from the `inputs` impl is handed, which may be casts of the ones passed.
 */
export function apply<R>(op: OpName, inputs: readonly Tensor[], attrs: Readonly<Record<string, unknown>>, impl: (inputs: readonly Tensor[]) => R): R {
  checkLive(op, inputs);
  sameDevice(op, inputs);
  const cast = depth === 0 && castHooks > 0 && castOff === 0 ? castByHooks(op, inputs, impl.length > 0) : undefined;
  if (cast) inputs = cast;
  const run = cast ? (): R => { castOff++; try { return impl(inputs); } finally { castOff--; } } : (): R => impl(inputs);
  if (depth === 0 && hooks.some((h) => h.recordInside?.(op, inputs, attrs))) {
    const r = scope(run);
    const call: OpCall = { op, inputs, attrs, outputs: flatOutputs(r), decomposed: true };
    for (const h of hooks) h.afterOp(call);
    return r;
  }
  if (depth === 0 && insteadHooks > 0) {
    for (const h of hooks) {
      const alt = h.runInstead?.(op, inputs, attrs, () => (impl as (i: readonly Tensor[]) => R)(inputs));
      if (!alt) continue;
      const r = scope(alt) as R;
      const call: OpCall = { op, inputs, attrs, outputs: flatOutputs(r) };
      for (const k of hooks) k.afterOp(call);
      return r;
    }
  }
  depth++;
  let result: R;
  // The scope disposes every intermediate the op made and did not return.
  try { result = scope(run); } finally { depth--; }
  if (depth === 0 && hooks.length) {
    const call: OpCall = { op, inputs, attrs, outputs: flatOutputs(result) };
    for (const h of hooks) h.afterOp(call);
  }
  return result;
}

// --- tensors without importing the Tensor class (tensor.ts imports the ops, which import this file) ---

type TensorCtor = new (storage: Storage, shape: readonly number[], strides: readonly number[], offset: number) => Tensor;
let TensorClass: TensorCtor | undefined;
/** Called once by tensor.ts. */
export function registerTensorClass(c: TensorCtor): void { TensorClass = c; }
export function makeTensor(storage: Storage, shape: readonly number[], strides: readonly number[], offset: number): Tensor {
  return new TensorClass!(storage, shape, strides, offset);
}

export const kernelView = (t: Tensor): KernelTensor => ({
  buffer: t.storage.buffer, dtype: t.dtype, shape: t.shape, strides: t.strides, offset: t.offset,
});

/** A new dense tensor of `shape` and `dtype` on `device`, contents undefined (for kernels' outputs and backends). */
export function allocate(device: string, dtype: DType, shape: readonly number[]): Tensor {
  const backend = getBackend(device);
  if (!backend.dtypes[dtype]?.storage) {
    throw new DTypeError(`backend '${backend.name}' cannot store ${dtype} tensors; use a dtype it supports (${Object.entries(backend.dtypes).filter(([, s]) => s.storage).map(([d]) => d).join(', ')}), or the CPU backend, which stores every dtype (x.to('cpu'))`);
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
  return makeTensor(new Storage(backend, device, buffer, dtype, n), shape, contiguousStrides(shape), 0);
}

/** Whether the backend of `device` has kernel `op` (optional kernels are feature-detected this way). */
export function hasKernel(op: KernelName, device: string): boolean {
  return getBackend(device).kernels[op] !== undefined;
}

/** Row-major, offset 0, the whole buffer: what a kernel that doesn't take strided views receives. */
export const isDenseTensor = (t: Tensor): boolean => t.offset === 0 && isContiguous(t.shape, t.strides) && t.storage.numel === numel(t.shape);

/** The dtype kernels compute `dtype` in on this backend (itself, or what it is stored as computed as). */
function computeDType(backend: Backend, op: string, dtype: DType): DType {
  const s = backend.dtypes[dtype];
  if (s?.arithmetic) return dtype;
  if (s?.computeAs) return s.computeAs;
  throw new DTypeError(`${op}: backend '${backend.name}' can't compute in ${dtype}; cast first, e.g. x.to('float32')`);
}

export interface OutSpec { readonly shape: readonly number[]; readonly dtype: DType }

/** Allocate outputs and run a backend kernel (which must exist; check hasKernel for optional ones). */
export function runKernel<K extends KernelName>(op: K, device: string, inputs: readonly Tensor[], outs: readonly OutSpec[], attrs: KernelAttrsOf<K>): Tensor[] {
  const outputs = outs.map((o) => allocate(device, o.dtype, o.shape));
  try {
    launch(op, inputs, outputs, attrs, device);
  } catch (e) {
    for (const o of outputs) o.dispose();
    throw e;
  }
  return outputs;
}

/** What launch needs to know of a kernel on a backend, worked out once. */
interface Plan { readonly storage: boolean; readonly strided: boolean; readonly inPlace: readonly number[] }
const plans = new WeakMap<Backend, Map<KernelName, Plan>>();
function planOf(backend: Backend, op: KernelName): Plan {
  let perBackend = plans.get(backend);
  if (!perBackend) plans.set(backend, (perBackend = new Map()));
  let plan = perBackend.get(op);
  if (!plan) perBackend.set(op, (plan = { storage: STORAGE_KERNELS.includes(op), strided: takesStrided(op, backend.capabilities), inPlace: inPlaceInputs(op) }));
  return plan;
}

/**
 * Run kernel `op` from `inputs` into `outputs` (fresh tensors, or any view for `copy`). Kernels enqueue
 * and return: nothing here waits for them, and the temporaries it makes are released at once (a backend
 * keeps a buffer alive while queued work uses it). Inputs the schema marks in place get a new version.
 */
export function launch<K extends KernelName>(op: K, inputs: readonly Tensor[], outputs: readonly Tensor[], attrs: KernelAttrsOf<K>, device = (outputs[0] ?? inputs[0])!.device): void {
  const backend = getBackend(device);
  const kernel = backend.kernels[op] as ((i: KernelTensor[], o: KernelTensor[], a: unknown) => void) | undefined;
  if (!kernel) throw new BackendError(`backend '${backend.name}' has no '${op}' kernel, which is in the required tier; the backend is incomplete (see @flint/core BACKENDS.md)`);
  checkLive(op, inputs);
  const { storage, strided, inPlace } = planOf(backend, op);
  const temps: Tensor[] = [];
  try {
    const ins = inputs.map((t, i) => {
      let x = t;
      const dtype = storage ? x.dtype : computeDType(backend, op, x.dtype);
      const dense = strided || isDenseTensor(x);
      if (inPlace.includes(i) && (dtype !== x.dtype || !dense)) {
        throw new BackendError(`${op}: input ${i} is written in place, so it must be dense and of a dtype the backend computes in (shape ${fmtShape(x.shape)}, ${x.dtype}); run the composite instead`);
      }
      // a cast's output is fresh and dense, so it needs no copy after it
      if (dtype !== x.dtype) temps.push((x = convert('cast', x, dtype)));
      else if (!dense) temps.push((x = convert('copy', x, x.dtype)));
      return x;
    });
    const outs = outputs.map((o) => {
      const dtype = storage ? o.dtype : computeDType(backend, op, o.dtype);
      if (dtype === o.dtype) return o;
      const t = allocate(device, dtype, o.shape);
      temps.push(t);
      return t;
    });
    kernel(ins.map(kernelView), outs.map(kernelView), attrs);
    outs.forEach((t, i) => { if (t !== outputs[i]) launch('cast', [t], [outputs[i]!], {}); });
    for (const i of inPlace) if (inputs[i]) inputs[i]!.storage.version++;
  } finally {
    for (const t of temps) t.dispose();
  }
}

/** A fresh dense tensor: x cast to dtype, or a dense copy of x. */
function convert(op: 'cast' | 'copy', x: Tensor, dtype: DType): Tensor {
  const out = allocate(x.device, dtype, x.shape);
  try { launch(op, [x], [out], {}); } catch (e) { out.dispose(); throw e; }
  return out;
}

/** Run the `copy` kernel from src into the (possibly strided) dst view. */
export function copyInto(dst: Tensor, src: Tensor): void {
  launch('copy', [src], [dst], {});
  dst.storage.version++;
}
