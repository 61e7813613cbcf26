// torch.can_cast: may a result of dtype `from` be written into a tensor of dtype `to` (in-place ops)?
import type { DType } from './dtype.js';
import { isFloating } from './dtype.js';

/** torch.can_cast: whether a result of dtype `from` may be written into a tensor of dtype `to`. */
export function canCast(from: DType, to: DType): boolean {
  if (isFloating(from)) return isFloating(to);
  if (from !== 'bool') return to !== 'bool';
  return true;
}
