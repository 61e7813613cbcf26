// Kernel arguments packed once into one reused host buffer: cuLaunchKernel takes an array of pointers, one
// per argument, so each kernel gets a fixed layout, a buffer of values and the array of their addresses,
// made once; a launch rewrites the values in place (a few stores) instead of allocating per call.

/** One kernel parameter: a scalar, a device pointer, or a struct of `bytes` bytes (the strided geometry). */
export type ArgKind = 'ptr' | 'i32' | 'u32' | 'i64' | 'f32' | 'f64' | { readonly bytes: number; readonly align: number };

const SIZE = { ptr: 8, i32: 4, u32: 4, i64: 8, f32: 4, f64: 8 } as const;

/** Byte offsets of each argument in the values buffer (natural alignment), and the total size. */
export function argLayout(kinds: readonly ArgKind[]): { offsets: number[]; bytes: number } {
  let at = 0;
  const offsets = kinds.map((k) => {
    const size = typeof k === 'string' ? SIZE[k] : k.bytes, align = typeof k === 'string' ? size : k.align;
    at = Math.ceil(at / align) * align;
    const o = at;
    at += size;
    return o;
  });
  return { offsets, bytes: Math.ceil(at / 8) * 8 };
}

/** The address of a host buffer's first byte (koffi.address in the real runtime). */
export type AddressOf = (view: Uint8Array) => bigint;

/** A kernel's argument buffer: values at fixed offsets, and the pointer array cuLaunchKernel reads. */
export class ArgPack {
  /** The argument values, laid out by {@link argLayout}. */
  readonly values: Uint8Array;
  /** params[i] is the address of argument i inside `values`: what cuLaunchKernel's kernelParams points to. */
  readonly params: BigUint64Array;
  /** A DataView over `values`, for writing structs. */
  readonly view: DataView;
  readonly #offsets: number[];

  /**
   * @param kinds - the kernel's parameters in order
   * @param addressOf - the address of a host buffer (its memory never moves: ArrayBuffers are not compacted)
   */
  constructor(readonly kinds: readonly ArgKind[], addressOf: AddressOf) {
    const { offsets, bytes } = argLayout(kinds);
    this.#offsets = offsets;
    this.values = new Uint8Array(new ArrayBuffer(Math.max(8, bytes)));
    this.view = new DataView(this.values.buffer);
    const base = addressOf(this.values);
    this.params = new BigUint64Array(kinds.length);
    offsets.forEach((o, i) => { this.params[i] = base + BigInt(o); });
  }

  /** Byte offset of argument i in `values`. */
  offset(i: number): number { return this.#offsets[i]!; }

  /** Set a device pointer. */
  ptr(i: number, v: bigint): this { this.view.setBigUint64(this.#offsets[i]!, v, true); return this; }
  /** Set a 32-bit signed integer. */
  i32(i: number, v: number): this { this.view.setInt32(this.#offsets[i]!, v, true); return this; }
  /** Set a 32-bit unsigned integer. */
  u32(i: number, v: number): this { this.view.setUint32(this.#offsets[i]!, v >>> 0, true); return this; }
  /** Set a 64-bit signed integer (a number up to 2^53, or a bigint). */
  i64(i: number, v: number | bigint): this { this.view.setBigInt64(this.#offsets[i]!, BigInt(v), true); return this; }
  /** Set a float. */
  f32(i: number, v: number): this { this.view.setFloat32(this.#offsets[i]!, v, true); return this; }
  /** Set a double. */
  f64(i: number, v: number): this { this.view.setFloat64(this.#offsets[i]!, v, true); return this; }
}

/** Most dims a strided kernel indexes (core's views of more dims are made dense first; see geometry.ts). */
export const MAX_DIMS = 8;
/** Operands of a strided kernel: the output and up to three inputs. */
export const MAX_OPERANDS = 4;

/**
 * The `Geo` struct of kernels/common.cuh: { int64 n; int32 ndim; int32 dense; int64 shape[8];
 * int64 stride[4][8]; int64 offset[4] } — operand 0 is the output.
 */
export const GEO: { readonly bytes: number; readonly align: number } = { bytes: 8 + 4 + 4 + 8 * MAX_DIMS + 8 * MAX_DIMS * MAX_OPERANDS + 8 * MAX_OPERANDS, align: 8 };

/** A strided iteration space: the shape, and per operand its strides and offset in elements. */
export interface Geometry {
  readonly n: number;
  readonly shape: readonly number[];
  readonly strides: readonly (readonly number[])[];
  readonly offsets: readonly number[];
  /** Every operand row-major over `shape` (the kernel then indexes i + offset). */
  readonly dense: boolean;
}

/** Writes an int64 below 2^53 in magnitude as two 32-bit words (no BigInt on the launch path). */
function setI64(view: DataView, at: number, v: number): void {
  const hi = Math.floor(v / 4294967296);
  view.setUint32(at, v - hi * 4294967296, true);
  view.setInt32(at + 4, hi, true);
}

/** Writes `g` as a Geo struct at byte `at` of `view` (unused slots are zero). */
export function packGeometry(view: DataView, at: number, g: Geometry): void {
  if (g.shape.length > MAX_DIMS) throw new RangeError(`a strided CUDA kernel indexes at most ${MAX_DIMS} dims, got ${g.shape.length}`);
  new Uint8Array(view.buffer, view.byteOffset + at, GEO.bytes).fill(0);
  setI64(view, at, g.n);
  view.setInt32(at + 8, g.shape.length, true);
  view.setInt32(at + 12, g.dense ? 1 : 0, true);
  g.shape.forEach((d, k) => setI64(view, at + 16 + 8 * k, d));
  const strideBase = at + 16 + 8 * MAX_DIMS;
  g.strides.forEach((s, o) => s.forEach((v, k) => setI64(view, strideBase + 8 * (o * MAX_DIMS + k), v)));
  const offBase = strideBase + 8 * MAX_DIMS * MAX_OPERANDS;
  g.offsets.forEach((v, o) => setI64(view, offBase + 8 * o, v));
}
