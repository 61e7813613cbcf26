// Helpers for backends written in JS: walk the element offsets of a strided view.

/** Offsets of every element of a strided view, in row-major order of `shape`. */
export function stridedOffsets(shape: readonly number[], strides: readonly number[], offset: number): Int32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Int32Array(n);
  if (n === 0) return out;
  const nd = shape.length;
  if (nd === 0) { out[0] = offset; return out; }
  const last = nd - 1, lastSize = shape[last]!, lastStride = strides[last]!;
  const idx = new Array<number>(nd).fill(0);
  let base = offset, k = 0;
  for (;;) {
    for (let j = 0, o = base; j < lastSize; j++, o += lastStride) out[k++] = o;
    let d = last - 1;
    for (; d >= 0; d--) {
      idx[d]!++;
      base += strides[d]!;
      if (idx[d]! < shape[d]!) break;
      base -= strides[d]! * shape[d]!;
      idx[d] = 0;
    }
    if (d < 0) return out;
  }
}

/** True when the view covers its buffer range densely in row-major order. */
export function isDense(shape: readonly number[], strides: readonly number[]): boolean {
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) return false;
    s *= shape[i]!;
  }
  return true;
}
