// Native (malloc'd) memory for MPI: nonblocking calls keep pointers past the JS call, so their buffers and
// request slots must not move; a typed-array view over each lets JS read and write them without copies.
import { DTypeError, type DType } from '@flint/core';
import type { MpiLibrary, Ptr } from './library.js';

/** A typed array over native memory, as collectives send and receive it. */
export type HostArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

const ELEMENT: Partial<Record<DType, { bytes: number; make: (b: ArrayBuffer, n: number) => HostArray }>> = {
  float32: { bytes: 4, make: (b, n) => new Float32Array(b, 0, n) },
  float64: { bytes: 8, make: (b, n) => new Float64Array(b, 0, n) },
  int32: { bytes: 4, make: (b, n) => new Int32Array(b, 0, n) },
  int64: { bytes: 8, make: (b, n) => new BigInt64Array(b, 0, n) },
  uint8: { bytes: 1, make: (b, n) => new Uint8Array(b, 0, n) },
  bool: { bytes: 1, make: (b, n) => new Uint8Array(b, 0, n) },
};

/** The dtypes collectives carry. */
export const SUPPORTED_DTYPES = Object.keys(ELEMENT) as DType[];

/** Bytes per element of `dtype`, or a DTypeError naming the op. */
export function elementBytes(op: string, dtype: DType): number {
  const e = ELEMENT[dtype];
  if (!e) throw new DTypeError(`${op}: dtype ${dtype} can't be communicated; supported: ${SUPPORTED_DTYPES.join(', ')}`);
  return e.bytes;
}

/** The MPI datatype handle for `dtype` (bool travels as uint8). */
export function mpiType(mpi: MpiLibrary, dtype: DType): Ptr {
  const h = mpi.handles;
  return ({ float32: h.float, float64: h.double, int32: h.int32, int64: h.int64, uint8: h.uint8, bool: h.uint8 } as Partial<Record<DType, Ptr>>)[dtype]!;
}

/** `count` elements of `dtype` in native memory; free() it once no MPI call uses it. */
export class NativeBuffer {
  readonly ptr: Ptr;
  readonly array: HostArray;
  #freed = false;
  constructor(private readonly mpi: MpiLibrary, readonly dtype: DType, readonly count: number) {
    const e = ELEMENT[dtype]!;
    const bytes = Math.max(1, count * e.bytes);
    this.ptr = mpi.koffi.alloc('uint8_t', bytes);
    this.array = e.make(mpi.koffi.view(this.ptr, bytes), count);
  }
  /** The address of element `i`. */
  at(i: number): Ptr { return this.ptr + BigInt(i * ELEMENT[this.dtype]!.bytes); }
  free(): void {
    if (this.#freed) return;
    this.#freed = true;
    this.mpi.koffi.free(this.ptr);
  }
}

/** One MPI_Request slot (and the flag MPI_Test writes), in native memory. */
export class RequestSlot {
  readonly ptr: Ptr;
  readonly flagPtr: Ptr;
  readonly #flag: Int32Array;
  done = false;
  constructor(private readonly mpi: MpiLibrary) {
    this.ptr = mpi.koffi.alloc('uint8_t', 16);
    this.flagPtr = this.ptr + 8n;
    this.#flag = new Int32Array(mpi.koffi.view(this.flagPtr, 4));
  }
  /** MPI_Test: true once the operation completed (then the slot can be freed). */
  test(): boolean {
    if (this.done) return true;
    const rc = this.mpi.Test(this.ptr, this.flagPtr, null);
    if (rc !== 0) throw new Error(`MPI_Test returned error ${rc}`);
    this.done = this.#flag[0] !== 0;
    return this.done;
  }
  free(): void { this.mpi.koffi.free(this.ptr); }
}
