// Shape arithmetic: strides, broadcasting, dim normalisation and shape-argument parsing.
import { IndexError, ShapeError, fmtShape } from './errors.js';

export type Shape = readonly number[];

export const numel = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

/** The row-major strides of `shape`, in elements. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) { strides[i] = s; s *= shape[i]!; }
  return strides;
}

export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) return false;
    s *= shape[i]!;
  }
  return true;
}

/** The shape `shapes` broadcast to; a ShapeError names `op` when they don't. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const ndim = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(ndim).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = ndim - s.length + i, d = s[i]!;
      if (out[j] === 1) out[j] = d;
      else if (d !== 1 && d !== out[j]) {
        throw new ShapeError(`${op}: shapes ${shapes.map(fmtShape).join(' and ')} can't be broadcast ` +
          `(dim ${j - ndim}: ${out[j]} vs ${d}); sizes must match or be 1`);
      }
    }
  }
  return out;
}

/** `dim` made non-negative for a tensor of `ndim` dims (`forInsert`: for a new dim); an IndexError names `op`. */
export function normalizeDim(op: string, dim: number, ndim: number, forInsert = false): number {
  const n = forInsert ? ndim + 1 : ndim;
  const lo = -Math.max(n, 1), hi = Math.max(n, 1) - 1;
  if (!Number.isInteger(dim) || dim < lo || dim > hi) {
    throw new IndexError(`${op}: dim ${dim} is out of range for a ${ndim}-d tensor (expected ${lo}..${hi})`);
  }
  return dim < 0 ? dim + Math.max(n, 1) : dim;
}

/** Normalise an optional dim / dim list for a reduction; undefined means all dims. */
export function normalizeDims(op: string, dim: number | readonly number[] | undefined, ndim: number): number[] {
  if (dim === undefined) return [...Array(ndim).keys()];
  const list = typeof dim === 'number' ? [dim] : [...dim];
  const out = list.map((d) => (ndim === 0 ? (normalizeDim(op, d, 0), 0) : normalizeDim(op, d, ndim)));
  if (new Set(out).size !== out.length) throw new ShapeError(`${op}: dim ${fmtShape(list)} repeats a dimension`);
  return ndim === 0 ? [] : out.sort((a, b) => a - b);
}

/** Accept `f(2, 3)`, `f([2, 3])` or `f()` as a shape. */
export function parseShape(args: readonly (number | readonly number[])[]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return [...(args[0] as readonly number[])];
  return args as number[];
}

export function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`${op}: invalid shape ${fmtShape(shape)}; sizes must be non-negative integers`);
  }
}

/** Resolve one -1 in a reshape target. */
export function inferReshape(op: string, from: Shape, to: readonly number[]): number[] {
  const total = numel(from);
  const neg = to.filter((d) => d === -1).length;
  if (neg > 1) throw new ShapeError(`${op}: only one dimension can be -1, got ${fmtShape(to)}`);
  const known = to.reduce((a, d) => (d === -1 ? a : a * d), 1);
  const out = to.map((d) => {
    if (d === -1) {
      if (known === 0 || total % known !== 0) throw new ShapeError(`${op}: shape ${fmtShape(to)} is invalid for input of size ${total} (shape ${fmtShape(from)})`);
      return total / known;
    }
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`${op}: invalid size ${d} in ${fmtShape(to)}`);
    return d;
  });
  if (numel(out) !== total) throw new ShapeError(`${op}: shape ${fmtShape(to)} is invalid for input of size ${total} (shape ${fmtShape(from)})`);
  return out;
}

/**
 * Strides for viewing (shape, strides) as newShape without a copy, or null when a copy is needed
 * (the same rule as torch's computeStride).
 */
export function viewStrides(shape: Shape, strides: readonly number[], newShape: Shape): number[] | null {
  if (numel(shape) === 0) return contiguousStrides(newShape);
  const newStrides = new Array<number>(newShape.length).fill(0);
  let viewD = newShape.length - 1;
  let chunkBase = strides[strides.length - 1] ?? 1;
  let tensorNumel = 1, viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d]!;
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) { chunkBase = strides[d - 1]!; tensorNumel = 1; viewNumel = 1; }
    }
  }
  if (viewD !== -1) {
    // remaining leading size-1 dims
    for (; viewD >= 0; viewD--) { if (newShape[viewD] !== 1) return null; newStrides[viewD] = 1; }
  }
  return newStrides;
}
