// Before a collective moves data, the ranks swap a 16-integer header (which collective, dtype, shape, op,
// root) with one small MPI_Iallgather; a difference becomes the same CollectiveMismatchError on every rank
// instead of a hang, a truncated message or silently mixed values.
import { fmtShape, type DType, type Tensor } from '@flint/core';
import { CollectiveMismatchError } from '../errors.js';
import type { GroupState } from '../group/process-group.js';
import { NativeBuffer } from '../mpi/native.js';

/** Header length in int32s: [collective, dtype, op, root, ndim, numel, dims (up to 10)]. */
export const HEADER = 16;
const MAX_DIMS = HEADER - 6;
const COLLECTIVES = ['allReduce', 'broadcast', 'allGather', 'reduceScatter', 'send', 'recv'];
const DTYPES: DType[] = ['float32', 'float64', 'int32', 'int64', 'uint8', 'bool', 'float16', 'bfloat16'];

/** What one rank brings to a collective. */
export interface Call { collective: string; tensor: Tensor; op?: string; root?: number }

/** The header of `c`, as int32s. */
export function encodeHeader(c: Call): Int32Array {
  const h = new Int32Array(HEADER);
  const shape = c.tensor.shape;
  h[0] = COLLECTIVES.indexOf(c.collective);
  h[1] = DTYPES.indexOf(c.tensor.dtype);
  h[2] = c.op === undefined ? -1 : ['sum', 'avg', 'max', 'min', 'product'].indexOf(c.op);
  h[3] = c.root ?? -1;
  h[4] = shape.length;
  h[5] = c.tensor.numel();
  // shapes with more dimensions than fit compare their leading ones plus the element count
  shape.slice(0, MAX_DIMS).forEach((d, i) => { h[6 + i] = d; });
  return h;
}

/** "allReduce(float32 [3,4], op 'sum')" from a header. */
export function describe(h: Int32Array): string {
  const dims = Array.from(h.subarray(6, 6 + Math.min(h[4]!, MAX_DIMS)));
  const shape = h[4]! > MAX_DIMS ? `${fmtShape(dims).slice(0, -1)},...] (${h[5]} elements)` : fmtShape(dims);
  const extra = [h[2]! >= 0 ? `op '${['sum', 'avg', 'max', 'min', 'product'][h[2]!]}'` : '', h[3]! >= 0 ? `root ${h[3]}` : ''].filter(Boolean).join(', ');
  return `${COLLECTIVES[h[0]!] ?? '?'}(${DTYPES[h[1]!] ?? '?'} ${shape}${extra ? `, ${extra}` : ''})`;
}

/** Swaps headers with every rank; throws a CollectiveMismatchError naming the collective and each rank's call. */
export async function agree(s: GroupState, c: Call, sameShape = true): Promise<void> {
  const mine = encodeHeader(c);
  const send = new NativeBuffer(s.mpi, 'int32', HEADER), recv = new NativeBuffer(s.mpi, 'int32', HEADER * s.size);
  try {
    (send.array as Int32Array).set(mine);
    const { handles: hd } = s.mpi;
    const name = `${c.collective} (checking shapes and dtypes across ranks)`;
    const slot = s.engine.start(name, (req) => s.mpi.Iallgather(send.ptr, HEADER, hd.int32, recv.ptr, HEADER, hd.int32, hd.commWorld, req));
    await s.engine.wait(name, [slot]);
    const all = recv.array as Int32Array;
    const headers = Array.from({ length: s.size }, (_, r) => all.slice(r * HEADER, (r + 1) * HEADER));
    const differs = (h: Int32Array): boolean => (sameShape ? h.some((v, i) => v !== headers[0]![i]) : h.subarray(0, 4).some((v, i) => v !== headers[0]![i]));
    if (headers.some(differs)) {
      const lines = headers.map((h, r) => `rank ${r}: ${describe(h)}`).join('; ');
      throw new CollectiveMismatchError(`${c.collective}: the ranks called collectives that don't match (${lines}); every rank must call the same collective with tensors of the same shape and dtype`);
    }
  } finally {
    send.free();
    recv.free();
  }
}
