// Dropout: zero each element with probability p and scale the rest by 1/(1-p) (inverted dropout).
import { apply, withoutHooks } from '../../dispatch.js';
import { ShapeError } from '../../errors.js';
import { scope } from '../../memory.js';
import type { Tensor } from '../../tensor.js';
import { lt, mul } from '../binary.js';
import { rand, zerosLike } from '../creation.js';
import { castTo } from '../util.js';
import { requireSameFloat } from './util.js';

/**
 * torch.nn.functional.dropout. In training the op's inputs are [x, mask], where mask holds 0 or 1/(1-p):
 * the output is x * mask, so a gradient rule is just gradOut * mask.
 */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  if (!(p >= 0 && p <= 1)) throw new ShapeError(`dropout: probability p must be between 0 and 1, got ${p}`);
  requireSameFloat('dropout', x);
  if (!training || p === 0) return apply('dropout', [x], { p, training: false }, () => x.viewAs(x.shape, x.strides, x.offset));
  if (p === 1) return apply('dropout', [x], { p, training }, () => zerosLike(x));
  // the mask is an input of the recorded op, so a gradient rule is gradOut * mask; the tape keeps
  // its own view of it, so this handle can go
  const mask = withoutHooks(() => scope(() =>
    mul(castTo(lt(rand([...x.shape], { dtype: x.dtype, device: x.device }), 1 - p), x.dtype), 1 / (1 - p))));
  try {
    return apply('dropout', [x, mask], { p, training }, () => mul(x, mask));
  } finally {
    mask.dispose();
  }
}
