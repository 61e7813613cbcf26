// norm: torch.norm / torch.linalg.vector_norm over dims. Its gradient is a rule (@flint/autograd) with
// torch's subgradients: 0 where the norm is 0, ties of the inf-norm share the gradient.
import { apply } from '../dispatch.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { normalizeDims } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { mul, ne, pow } from './binary.js';
import type { Dims } from './reduce.js';
import { amax, amin, sum } from './reduce.js';
import { abs, sqrt } from './unary.js';
import { castTo, requireFloat } from './util.js';
import { checkOptions, optionKeys } from '../names.js';

/** Options of {@link norm}. */
export interface NormOptions {
  /** The order: 2 (default), 1, Infinity, -Infinity, 0 (count of non-zeros), any other number, or 'fro' (= 2 over the dims). */
  p?: number | 'fro' | 'nuc';
  /** The dims to reduce (default: all of them, the norm of the flattened tensor). */
  dim?: Dims;
  /** Keep reduced dims as size 1 (default false). */
  keepdim?: boolean;
}

/** The order as a number (torch.norm's 'fro' is the 2-norm over at most two dims). */
function order(p: NormOptions['p'], dims: number, given: boolean): number {
  if (p === undefined) return 2;
  if (p === 'fro') {
    if (given && dims > 2) throw new ShapeError(`norm: p='fro' takes at most 2 dims, got ${dims}; use p=2 for a vector norm over more dims`);
    return 2;
  }
  if (p === 'nuc') throw new ValueError("norm: p='nuc' (the nuclear norm, a sum of singular values) is not supported; Flint has no SVD yet");
  if (typeof p !== 'number' || Number.isNaN(p)) throw new ValueError(`norm: p must be a number, Infinity, -Infinity or 'fro', got ${String(p)}`);
  return p;
}

/**
 * The vector p-norm of x over `dim` (all dims by default): (sum |x|^p)^(1/p); max |x| for Infinity,
 * min |x| for -Infinity, the count of non-zeros for 0. x must be floating point, as in torch.
 */
export function norm(x: Tensor, opts: NormOptions = {}): Tensor {
  checkOptions('norm', opts, optionKeys<NormOptions>()('p', 'dim', 'keepdim'));
  requireFloat('norm', x);
  const dims = normalizeDims('norm', opts.dim, x.ndim), keepdim = opts.keepdim ?? false;
  const p = order(opts.p, dims.length, opts.dim !== undefined);
  if (!Number.isFinite(p) && dims.some((d) => x.shape[d] === 0)) {
    throw new ShapeError(`norm: can't take the ${p > 0 ? '' : '-'}inf norm over a zero-size dim (shape ${fmtShape(x.shape)}); it has no identity`);
  }
  if (x.ndim === 0 && !Number.isFinite(p)) return apply('norm', [x], { p, dim: dims, keepdim }, () => abs(x));
  return apply('norm', [x], { p, dim: dims, keepdim }, ([x0]) => {
    const x = x0!;
    if (p === Infinity) return amax(abs(x), dims, keepdim);
    if (p === -Infinity) return amin(abs(x), dims, keepdim);
    if (p === 0) return sum(castTo(ne(x, 0), x.dtype), dims, keepdim);
    if (p === 1) return sum(abs(x), dims, keepdim);
    if (p === 2) return sqrt(sum(mul(x, x), dims, keepdim));
    return pow(sum(pow(abs(x), p), dims, keepdim), 1 / p);
  });
}
