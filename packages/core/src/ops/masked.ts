// maskedFill: torch.masked_fill, the value wherever a bool mask is true.
import { apply } from '../dispatch.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { where } from './binary.js';
import type { Scalar } from './util.js';
import { checkOperands, isTensor, scalarTensor } from './util.js';

/**
 * x with `value` where `mask` is true. The mask is bool and broadcasts with x (the result has their
 * broadcast shape, as torch's out-of-place masked_fill); value is a number or a 0-d tensor, cast to x's dtype.
 */
export function maskedFill(x: Tensor, mask: Tensor, value: Scalar | Tensor): Tensor {
  checkOperands('maskedFill', [x, mask, value], ['input', 'mask', 'value']);
  if (!isTensor(x) || !isTensor(mask)) throw new TypeError('maskedFill: input and mask must be tensors');
  if (mask.dtype !== 'bool') throw new DTypeError(`maskedFill: the mask must be a bool tensor, got ${mask.dtype} (shape ${fmtShape(mask.shape)}); make one with a comparison (x.gt(0)) or mask.bool()`);
  if (isTensor(value) && value.ndim !== 0) {
    throw new ShapeError(`maskedFill: value must be a number or a 0-d tensor, got a tensor of shape ${fmtShape(value.shape)}; for elementwise values use where(mask, values, x)`);
  }
  broadcastShapes('maskedFill', mask.shape, x.shape);
  const inputs = isTensor(value) ? [x, mask, value] : [x, mask];
  return apply('maskedFill', inputs, isTensor(value) ? {} : { value }, () => {
    // a recorded cast (not castTo), so a value tensor that requires grad gets one
    const v = isTensor(value) ? (value.dtype === x.dtype ? value : value.to(x.dtype)) : scalarTensor(value, x.dtype, x.device);
    return where(mask, v, x);
  });
}
