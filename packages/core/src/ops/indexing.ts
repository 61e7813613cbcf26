// Indexing by tensors: gather, scatterAdd, indexSelect, embedding.
import { apply, runKernel } from '../dispatch.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { normalizeDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { castTo, promote } from './util.js';

function checkIndex(op: string, index: Tensor): void {
  if (index.dtype !== 'int32' && index.dtype !== 'int64') {
    throw new DTypeError(`${op}: index must be int32 or int64, got ${index.dtype}; convert with index.long()`);
  }
}

/** Values of `x` picked along `dim` at `index` (int32 or int64): out[i][j] = x[index[i][j]][j] for dim 0. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  checkIndex('gather', index);
  const d = normalizeDim('gather', dim, x.ndim);
  if (index.ndim !== x.ndim && !(x.ndim === 0 && index.ndim <= 1)) throw new ShapeError(`gather: index ${fmtShape(index.shape)} must have as many dims as the input ${fmtShape(x.shape)}`);
  index.shape.forEach((s, i) => {
    if (i !== d && s > x.shape[i]!) throw new ShapeError(`gather: index ${fmtShape(index.shape)} is larger than the input ${fmtShape(x.shape)} in dim ${i}`);
  });
  return apply('gather', [x, index], { dim: d }, () => {
    // a 0-d input is gathered as a 1-element vector; the result keeps the index's shape ([] for a 0-d index)
    const [src, idx] = x.ndim === 0 ? [x.reshape([1]), index.reshape([-1])] : [x, index];
    return runKernel('gather', x.device, [src, idx], [{ shape: idx.shape, dtype: x.dtype }], { dim: d })[0]!.reshape([...index.shape]);
  });
}

/** A copy of `x` with each `src` value added at its `index` along `dim`. */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  checkIndex('scatterAdd', index);
  const d = normalizeDim('scatterAdd', dim, x.ndim);
  if (index.ndim !== x.ndim || src.ndim !== x.ndim) throw new ShapeError(`scatterAdd: input ${fmtShape(x.shape)}, index ${fmtShape(index.shape)} and src ${fmtShape(src.shape)} must have the same number of dims`);
  index.shape.forEach((s, i) => {
    if (s > src.shape[i]! || (i !== d && s > x.shape[i]!)) throw new ShapeError(`scatterAdd: index ${fmtShape(index.shape)} must not be larger than src ${fmtShape(src.shape)} in any dim, nor than the input ${fmtShape(x.shape)} outside dim ${d}`);
  });
  const dtype = promote([x]);
  return apply('scatterAdd', [x, index, src], { dim: d }, () => {
    const [self, idx, from] = x.ndim === 0 ? [x.reshape([1]), index.reshape([-1]), src.reshape([-1])] : [x, index, src];
    return runKernel('scatterAdd', x.device, [self, idx, castTo(from, dtype)], [{ shape: self.shape, dtype }], { dim: d })[0]!.reshape([...x.shape]);
  });
}

/** Rows (or slices along dim) of x picked by a 1-d index. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  checkIndex('indexSelect', index);
  if (index.ndim > 1) throw new ShapeError(`indexSelect: index must be 0-d or 1-d, got shape ${fmtShape(index.shape)}`);
  const d = x.ndim === 0 ? 0 : normalizeDim('indexSelect', dim, x.ndim);
  return apply('indexSelect', [x, index], { dim: d }, () => {
    // a 0-d input gives a 0-d result, whatever the (one-element) index's shape, as in torch
    if (x.ndim === 0) return runKernel('gather', x.device, [x.reshape([1]), index.reshape([-1])], [{ shape: [index.numel()], dtype: x.dtype }], { dim: 0 })[0]!.reshape([]);
    const n = index.numel();
    const outShape = [...x.shape];
    outShape[d] = n;
    const shaped = index.reshape(x.shape.map((_, i) => (i === d ? n : 1)));
    const idx = shaped.expand(outShape);
    return runKernel('gather', x.device, [x, idx], [{ shape: outShape, dtype: x.dtype }], { dim: d })[0]!;
  });
}

/** Look up rows of `weight` [num, dim] for integer `indices` of any shape. */
export function embedding(indices: Tensor, weight: Tensor): Tensor {
  checkIndex('embedding', indices);
  if (weight.ndim !== 2) throw new ShapeError(`embedding: weight must be 2-d [numEmbeddings, embeddingDim], got ${fmtShape(weight.shape)}`);
  return apply('embedding', [indices, weight], {}, () =>
    indexSelect(weight, 0, indices.reshape([-1])).reshape([...indices.shape, weight.shape[1]!]));
}
