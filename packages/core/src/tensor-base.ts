// The data half of Tensor: storage, shape/strides/offset, lifetime, and reading values back.
import type { DType, HostArray } from './dtype.js';
import { bfloatBitsToFloat, halfBitsToFloat } from './dtype.js';
import { DisposedError, fmtShape } from './errors.js';
import type { Storage } from './memory.js';
import { countTensor, trackInScope, untrackFromScope } from './memory.js';
import { isContiguous, numel } from './shape.js';
import type { Tensor } from './tensor.js';

/** Marks Flint tensors across copies of @flint/core (an ESM and a CommonJS build in one process). */
const BRAND = Symbol.for('@flint/core.Tensor');

/** True for a Flint Tensor. */
export const isTensor = (x: unknown): x is Tensor =>
  typeof x === 'object' && x !== null && (x as { [BRAND]?: unknown })[BRAND] === true;

const finalizer = new FinalizationRegistry<Storage>((storage) => {
  // Backstop only: a tensor that was garbage-collected without dispose() gives back its storage.
  countTensor(storage.device, -1);
  storage.releaseRef();
});

/** Typed array returned by data(): half types come back as Float32Array. */
export type TensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
/** What `tolist()` returns: nested arrays of numbers (booleans for bool). */
export type NestedList = number | boolean | NestedList[];

let disposeHook: ((t: TensorBase) => void) | undefined;
/** Set by the autograd seam so a disposed tensor can free the graph behind it. */
export function setDisposeHook(fn: (t: TensorBase) => void): void { disposeHook = fn; }

export class TensorBase {
  /** The size of each dim. */
  readonly shape: readonly number[];
  /** Elements to step in storage for each dim (0 for broadcast dims). */
  readonly strides: readonly number[];
  /** Where the view starts in its storage, in elements. */
  readonly offset: number;
  #disposed = false;
  /** Slot for @flint/autograd's per-tensor state. */
  _ag: unknown = undefined;
  /** Marks Flint tensors, so {@link isTensor} recognises them across copies of `@flint/core`. */
  get [BRAND](): true { return true; }

  /** @param storage - the reference-counted buffer the view reads; shared by the tensor's views */
  constructor(readonly storage: Storage, shape: readonly number[], strides: readonly number[], offset: number) {
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze([...strides]);
    this.offset = offset;
    storage.retain();
    countTensor(storage.device, 1);
    finalizer.register(this, storage, this);
    trackInScope(this);
  }

  /** The element type. */
  get dtype(): DType { return this.storage.dtype; }
  /** The device the tensor lives on (`'cpu'`, ...). */
  get device(): string { return this.storage.device; }
  /** The number of dims. */
  get ndim(): number { return this.shape.length; }
  /** The number of elements. */
  numel(): number { return numel(this.shape); }
  /** The shape, or (given a dim, negative from the end) that dim's size. */
  size(): readonly number[];
  size(dim: number): number;
  size(dim?: number): number | readonly number[] {
    return dim === undefined ? this.shape : this.shape[dim < 0 ? dim + this.ndim : dim]!;
  }
  /** The number of dims (torch's `dim()`). */
  dim(): number { return this.shape.length; }
  /** The strides, in elements (torch's `stride()`). */
  stride(): readonly number[] { return this.strides; }
  /** Whether the elements are laid out row-major without gaps. */
  isContiguous(): boolean { return isContiguous(this.shape, this.strides); }
  /** Whether `dispose()` has been called. */
  get isDisposed(): boolean { return this.#disposed; }

  /** Free this tensor's reference to its storage (views keep the storage alive). Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this._ag !== undefined) disposeHook?.(this);
    finalizer.unregister(this);
    untrackFromScope(this);
    countTensor(this.storage.device, -1);
    this.storage.releaseRef();
  }
  /** Disposes the tensor, for `using t = ...`. */
  [Symbol.dispose](): void { this.dispose(); }
  /** Node's console.log shows the values, as PyTorch's repr does. */
  [Symbol.for('nodejs.util.inspect.custom')](): string { return this.toString(); }

  /** Throws a DisposedError naming `what` if the tensor has been disposed. */
  assertLive(what: string): void {
    if (this.#disposed) throw new DisposedError(`${what}: tensor of shape ${fmtShape(this.shape)} (${this.dtype}) was disposed`);
  }
}

/** Convert the backend's host array to what data() returns. */
export function toTensorData(dtype: DType, host: HostArray): TensorData {
  if (dtype === 'float16' || dtype === 'bfloat16') {
    const bits = host as Uint16Array, out = new Float32Array(bits.length);
    const conv = dtype === 'float16' ? halfBitsToFloat : bfloatBitsToFloat;
    for (let i = 0; i < bits.length; i++) out[i] = conv(bits[i]!);
    return out;
  }
  return host as TensorData;
}

/** Nest a flat array into lists of the given shape. */
export function nest(flat: ArrayLike<number | bigint>, shape: readonly number[], dtype: DType): NestedList {
  const conv = (v: number | bigint): number | boolean => (dtype === 'bool' ? v !== 0 && v !== 0n : Number(v));
  if (shape.length === 0) return conv(flat[0]!);
  const rec = (dim: number, base: number): NestedList[] => {
    const n = shape[dim]!, out: NestedList[] = new Array(n);
    const inner = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    for (let i = 0; i < n; i++) out[i] = dim === shape.length - 1 ? conv(flat[base + i]!) : rec(dim + 1, base + i * inner);
    return out;
  };
  return rec(0, 0);
}
