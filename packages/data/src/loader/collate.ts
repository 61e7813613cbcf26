// default collate (PyTorch's default_collate) and the host form items take across worker threads.
import type { DType } from '@flint/core';
import { Tensor, fromBlob, stack, tensor } from '@flint/core';
import { isRawImage } from '../transforms/image.js';

/**
 * Stack a list of samples into a batch, recursively:
 * - tensors → stack along a new first dim;
 * - numbers → a [B] tensor: int64 when every number in the batch is an integer, else float32
 *   (JS has one number type, so the values decide; pass a custom collate to choose otherwise);
 * - booleans → bool, bigints → int64; typed arrays → a [B, n] tensor of their dtype;
 * - arrays (tuples) → an array of collated fields; plain objects → an object of collated fields;
 * - strings and anything else → a plain array.
 */
export function defaultCollate(batch: readonly unknown[]): unknown {
  if (batch.length === 0) throw new TypeError('defaultCollate: empty batch');
  const first = batch[0];
  if (first instanceof Tensor) {
    for (const t of batch) if (!(t instanceof Tensor)) throw new TypeError('defaultCollate: a batch mixes tensors and other values');
    return stack(batch as Tensor[]);
  }
  if (typeof first === 'number') {
    const values = batch as number[];
    return tensor(values, { dtype: values.every(Number.isInteger) ? 'int64' : 'float32' });
  }
  if (typeof first === 'boolean') return tensor(batch as boolean[], { dtype: 'bool' });
  if (typeof first === 'bigint') return tensor(batch as bigint[], { dtype: 'int64' });
  if (isRawImage(first)) throw new TypeError('defaultCollate: got RawImage samples; give the dataset a transform that makes tensors (ToTensor())');
  if (ArrayBuffer.isView(first) && !(first instanceof DataView)) {
    const rows = batch.map((b) => hostToTensor(toHostArray(b as ArrayBufferView)));
    try { return stack(rows); } finally { for (const r of rows) r.dispose(); }
  }
  if (Array.isArray(first)) {
    const n = first.length;
    if (batch.some((b) => !Array.isArray(b) || b.length !== n)) throw new TypeError('defaultCollate: each element in the batch should be of equal size');
    return first.map((_, i) => defaultCollate(batch.map((b) => (b as unknown[])[i])));
  }
  if (first !== null && typeof first === 'object' && Object.getPrototypeOf(first) === Object.prototype) {
    return Object.fromEntries(Object.keys(first).map((k) => [k, defaultCollate(batch.map((b) => (b as Record<string, unknown>)[k]))]));
  }
  return [...batch];
}

// --- host form: what a worker sends; typed arrays transfer without a copy ---
type HostData = Float32Array | Float64Array | Int32Array | Uint8Array | BigInt64Array;
export interface HostTensor { readonly __hostTensor: true; dtype: DType; shape: number[]; data: HostData }

const isHostTensor = (v: unknown): v is HostTensor => typeof v === 'object' && v !== null && (v as HostTensor).__hostTensor === true;

function toHostArray(a: ArrayBufferView): HostTensor {
  const data: HostData = a instanceof Float32Array || a instanceof Float64Array || a instanceof Int32Array || a instanceof Uint8Array || a instanceof BigInt64Array
    ? a : Int32Array.from(a as unknown as ArrayLike<number>); // Uint16Array and friends widen to int32
  const dtype: DType = data instanceof Float32Array ? 'float32' : data instanceof Float64Array ? 'float64' : data instanceof Int32Array ? 'int32' : data instanceof Uint8Array ? 'uint8' : 'int64';
  return { __hostTensor: true, dtype, shape: [data.length], data };
}

function hostToTensor(h: HostTensor): Tensor {
  if (h.data instanceof BigInt64Array) {
    const flat = tensor(h.data, { dtype: 'int64' });
    try { return flat.reshape(h.shape).contiguous(); } finally { flat.dispose(); }
  }
  return fromBlob(h.data, h.shape, { dtype: h.dtype });
}

/** Replace tensors by host tensors (sync read: items are built on the CPU), collecting buffers to transfer. */
export function toHost(value: unknown, transfer: ArrayBuffer[], dispose = true): unknown {
  if (value instanceof Tensor) {
    const t = value.dtype === 'float16' || value.dtype === 'bfloat16' ? value.to('float32') : value;
    const data = t.dataSync() as HostData;
    const copy = data.slice() as HostData; // the tensor's storage may be shared or wrapped; send a copy we own
    if (t !== value) t.dispose();
    if (dispose) value.dispose();
    transfer.push(copy.buffer as ArrayBuffer);
    return { __hostTensor: true, dtype: t.dtype === 'bool' ? 'bool' : t.dtype, shape: [...value.shape], data: copy } satisfies HostTensor;
  }
  if (Array.isArray(value)) return value.map((v) => toHost(v, transfer, dispose));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toHost(v, transfer, dispose)]));
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    // always a copy: the view may share its buffer with the dataset, which a transfer would detach
    const copy = (value as unknown as Uint8Array).slice();
    transfer.push(copy.buffer as ArrayBuffer);
    return copy;
  }
  return value;
}

/** The inverse of toHost, on the main thread. */
export function fromHost(value: unknown): unknown {
  if (isHostTensor(value)) return hostToTensor(value);
  if (Array.isArray(value)) return value.map(fromHost);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromHost(v)]));
  }
  return value;
}

/** Dispose every tensor in a nested value (the DataLoader frees samples once they are collated). */
export function disposeTree(value: unknown, except?: Set<unknown>): void {
  if (value instanceof Tensor) { if (!except?.has(value) && !value.isDisposed) value.dispose(); return; }
  if (Array.isArray(value)) for (const v of value) disposeTree(v, except);
  else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) disposeTree(v, except);
}

/** Every tensor in a nested value. */
export function collectTensors(value: unknown, into = new Set<unknown>()): Set<unknown> {
  if (value instanceof Tensor) into.add(value);
  else if (Array.isArray(value)) for (const v of value) collectTensors(v, into);
  else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collectTensors(v, into);
  return into;
}
