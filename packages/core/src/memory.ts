// Reference-counted storage, live-tensor accounting, scopes and the FinalizationRegistry backstop.
import type { Backend } from './backend.js';
import type { DType } from './dtype.js';
import { BYTES } from './dtype.js';
import { contextVar } from './context.js';

/** A backend buffer shared by a tensor and its views; freed when the last one lets go. */
export class Storage {
  /** Tensors and views holding this storage. */
  refs = 0;
  /** Bumped by every in-place write, so autograd can detect changes to tensors it saved. */
  version = 0;
  /** Whether the buffer has been given back to the backend. */
  released = false;
  /**
   * @param backend - the backend that owns the buffer
   * @param device - the device name it is registered as
   * @param buffer - the backend's buffer
   * @param dtype - the element type
   * @param numel - the number of elements
   */
  constructor(
    readonly backend: Backend,
    readonly device: string,
    readonly buffer: unknown,
    readonly dtype: DType,
    readonly numel: number,
  ) {
    stats(device).bytes += numel * BYTES[dtype];
  }
  /** Counts one more holder. */
  retain(): void { this.refs++; }
  /** Counts one holder fewer; the last one releases the buffer. */
  releaseRef(): void {
    if (--this.refs > 0 || this.released) return;
    this.released = true;
    stats(this.device).bytes -= this.numel * BYTES[this.dtype];
    this.backend.release(this.buffer);
  }
}

/**
 * Live tensors and bytes on one device.
 * @property tensors - live tensors
 * @property bytes - bytes held by live storages
 */
export interface DeviceMemory { tensors: number; bytes: number }
const perDevice = new Map<string, DeviceMemory>();
function stats(device: string): DeviceMemory {
  let s = perDevice.get(device);
  if (!s) perDevice.set(device, (s = { tensors: 0, bytes: 0 }));
  return s;
}

/** What {@link memory} reports. */
export interface MemoryInfo {
  /** Live (not disposed) tensors, all devices. */
  tensors: number;
  /** Bytes held by live storages, all devices. */
  bytes: number;
  /** The same, per device, with the backend's own byte count where it reports one. */
  devices: Record<string, DeviceMemory & { backendBytes?: number }>;
}

export function memoryStats(backends: Map<string, Backend>): MemoryInfo {
  const devices: MemoryInfo['devices'] = {};
  let tensors = 0, bytes = 0;
  for (const [d, s] of perDevice) {
    devices[d] = { ...s, backendBytes: backends.get(d)?.memory().bytes };
    tensors += s.tensors;
    bytes += s.bytes;
  }
  return { tensors, bytes, devices };
}

export function countTensor(device: string, delta: 1 | -1): void { stats(device).tensors += delta; }

// --- scopes ---
export interface Disposable { dispose(): void; readonly isDisposed: boolean }
interface Frame { tensors: Set<Disposable>; parent: Frame | undefined }
const currentFrame = contextVar<Frame | undefined>(undefined);

export function trackInScope(t: Disposable): void { currentFrame.get()?.tensors.add(t); }
export function untrackFromScope(t: Disposable): void { currentFrame.get()?.tensors.delete(t); }

function collect(value: unknown, into: Set<unknown>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 8 || into.has(value)) return;
  into.add(value);
  if (Array.isArray(value)) for (const v of value) collect(v, into, depth + 1);
  else if (value instanceof Map) for (const v of value.values()) collect(v, into, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collect(v, into, depth + 1);
}

function close(frame: Frame, result: unknown): void {
  const keep = new Set<unknown>();
  collect(result, keep);
  for (const t of frame.tensors) {
    if (keep.has(t)) frame.parent?.tensors.add(t);
    else if (!t.isDisposed) t.dispose();
  }
  frame.tensors.clear();
}

/**
 * Run fn; every tensor it creates and does not return (directly, or inside arrays/objects/Maps)
 * is disposed when it ends. Works with async functions: the scope closes when the promise settles.
 */
export function scope<R>(fn: () => R): R {
  const frame: Frame = { tensors: new Set(), parent: currentFrame.get() };
  let result: R;
  try {
    result = currentFrame.run(frame, fn);
  } catch (e) {
    close(frame, undefined);
    throw e;
  }
  if (result instanceof Promise) {
    return result.then((v) => { close(frame, v); return v; }, (e) => { close(frame, undefined); throw e; }) as R;
  }
  close(frame, result);
  return result;
}

/** Keep a tensor alive past the scope it was made in. */
export function keep<T extends Disposable>(t: T): T { untrackFromScope(t); return t; }
