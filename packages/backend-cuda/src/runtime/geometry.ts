// The iteration space of a strided elementwise kernel: operands' shapes and strides with dims merged
// wherever every operand is contiguous across them, so most views index as one or two dims.
import type { Geometry } from './args.js';
import { MAX_DIMS } from './args.js';

/** A view an elementwise kernel reads or writes: its strides and offset in elements over a shared shape. */
export interface OperandView { readonly strides: readonly number[]; readonly offset: number }

/**
 * Merges adjacent dims where every operand steps through them as one (stride[k] == stride[k+1] * shape[k+1]),
 * drops size-1 dims, and marks the result dense when every operand is then one row-major run.
 */
export function geometry(shape: readonly number[], operands: readonly OperandView[]): Geometry {
  const n = shape.reduce((a, b) => a * b, 1);
  const dims: number[] = [], strides: number[][] = operands.map(() => []);
  shape.forEach((d, k) => {
    if (d === 1) return;
    const last = dims.length - 1;
    if (last >= 0 && operands.every((o, i) => strides[i]![last] === o.strides[k]! * d)) {
      dims[last] *= d;
      operands.forEach((o, i) => { strides[i]![last] = o.strides[k]!; });
    } else {
      dims.push(d);
      operands.forEach((o, i) => strides[i]!.push(o.strides[k]!));
    }
  });
  const dense = dims.length === 0 || (dims.length === 1 && strides.every((s) => s[0] === 1));
  if (dims.length > MAX_DIMS) throw new RangeError(`a strided CUDA kernel indexes at most ${MAX_DIMS} dims after merging, got ${dims.length}; make the view contiguous first`);
  return { n, shape: dims, strides, offsets: operands.map((o) => o.offset), dense };
}
