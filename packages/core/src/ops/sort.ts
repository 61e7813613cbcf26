// Sorting along a dim: sort, argsort, topk. Composed from the required tier as a bitonic network: the dim
// is padded to a power of two, and each of the log2(n)(log2(n)+1)/2 stages pairs every element with a
// partner (one gather) and keeps the smaller or larger (comparisons and where). Elements compare as
// (value, original index), so the order is a total one: ties keep their original order (a stable sort),
// and NaN sorts above every number, as in torch. The values are gathered from the input at the end, so
// their gradient is gather's.
import { isFloating } from '../dtype.js';
import { apply, withoutHooks } from '../dispatch.js';
import { IndexError } from '../errors.js';
import { scope } from '../memory.js';
import { normalizeDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { ge, gt, logicalAnd, logicalNot, logicalOr, logicalXor, lt, ne, eq, where } from './binary.js';
import { arange, tensor } from './creation.js';
import { gather, indexSelect } from './indexing.js';
import { pad } from './join.js';
import type { ValuesIndices } from './reduce.js';
import { castTo } from './util.js';
import { checkOptions, optionKeys } from '../names.js';

/** Options of {@link sort}. */
export interface SortOptions {
  /** The dim to sort along (default -1). */
  dim?: number;
  /** Largest first (default false). */
  descending?: boolean;
  /** Keep equal elements in their original order. Flint's sort always does; the flag is accepted for torch's signature. */
  stable?: boolean;
}
/**
 * Options of {@link argsort}.
 * @property dim - the dim to sort along (default -1)
 * @property descending - largest first (default false)
 * @property stable - accepted for torch's signature; the sort is always stable
 */
export interface ArgsortOptions { dim?: number; descending?: boolean; stable?: boolean }
/** Options of {@link topk}. */
export interface TopkOptions {
  /** The dim to pick along (default -1). */
  dim?: number;
  /** The k largest (default) or, when false, the k smallest. */
  largest?: boolean;
  /** Return them in order (default true). Unsorted results come sorted too: any order is allowed. */
  sorted?: boolean;
}

const tables = new Map<string, { partner: Int32Array; keepFirst: Uint8Array }>();

/** Stage (k, j) of the network over N slots: each slot's partner i ^ j, and whether it keeps the one that comes first. */
function stage(N: number, k: number, j: number): { partner: Int32Array; keepFirst: Uint8Array } {
  const key = `${N}:${k}:${j}`;
  let t = tables.get(key);
  if (!t) {
    const partner = new Int32Array(N), keepFirst = new Uint8Array(N);
    for (let i = 0; i < N; i++) { partner[i] = i ^ j; keepFirst[i] = ((i & j) === 0) === ((i & k) === 0) ? 1 : 0; }
    if (tables.size > 256) tables.delete(tables.keys().next().value!);
    tables.set(key, (t = { partner, keepFirst }));
  }
  return t;
}

/**
 * Whether (a, ia) comes before (b, ib): by value (NaN above every number), then by original index; padding
 * slots (index >= n) come after every element.
 */
function precedes(a: Tensor, ia: Tensor, b: Tensor, ib: Tensor, n: number, padded: boolean, descending: boolean): Tensor {
  const idxFirst = lt(ia, ib);
  let valueFirst: Tensor, tie: Tensor;
  if (isFloating(a.dtype)) {
    const na = ne(a, a), nb = ne(b, b);
    valueFirst = descending ? logicalOr(gt(a, b), logicalAnd(na, logicalNot(nb))) : logicalOr(lt(a, b), logicalAnd(logicalNot(na), nb));
    tie = logicalOr(eq(a, b), logicalAnd(na, nb));
  } else {
    valueFirst = descending ? gt(a, b) : lt(a, b);
    tie = eq(a, b);
  }
  const before = logicalOr(valueFirst, logicalAnd(tie, idxFirst));
  return padded ? where(logicalOr(ge(ia, n), ge(ib, n)), idxFirst, before) : before;
}

/** The int64 permutation that sorts x along its last dim (x has at least one dim). Not recorded by hooks. */
function sortLastDim(x: Tensor, descending: boolean): Tensor {
  return withoutHooks(() => scope(() => {
    const last = x.ndim - 1, n = x.shape[last]!;
    const N = n <= 1 ? Math.max(n, 1) : 2 ** Math.ceil(Math.log2(n));
    let keys = x.dtype === 'bool' ? castTo(x, 'int32') : x;
    if (N > n) keys = pad(keys, [0, N - n]);
    let idx = arange(N, { dtype: 'int32', device: x.device }).expand(keys.shape);
    for (let k = 2; k <= N; k *= 2) {
      for (let j = k / 2; j >= 1; j /= 2) {
        const [nk, ni] = scope(() => {
          const t = stage(N, k, j);
          const partner = tensor(t.partner, { dtype: 'int32', device: x.device });
          const keepFirst = tensor(t.keepFirst, { dtype: 'bool', device: x.device });
          const pk = indexSelect(keys, last, partner), pi = indexSelect(idx, last, partner);
          // keep self when (self comes first) == (this slot keeps the first of the pair)
          const keep = logicalNot(logicalXor(keepFirst, precedes(keys, idx, pk, pi, n, N > n, descending)));
          return [where(keep, keys, pk), where(keep, idx, pi)] as const;
        });
        if (keys !== x) keys.dispose();
        idx.dispose();
        keys = nk; idx = ni;
      }
    }
    return castTo(N > n ? idx.narrow(last, 0, n) : idx, 'int64');
  }));
}

/** The sorting permutation along dim d (x may be 0-d). */
function permutation(x: Tensor, d: number, descending: boolean): Tensor {
  if (x.ndim === 0) return sortLastDim(x.reshape([1]), descending).reshape([]);
  const last = x.ndim - 1;
  if (d === last) return sortLastDim(x, descending);
  return sortLastDim(x.transpose(d, last), descending).transpose(d, last);
}

const dimOf = (op: string, x: Tensor, dim: number): number => (x.ndim === 0 ? (normalizeDim(op, dim, 0), 0) : normalizeDim(op, dim, x.ndim));

/** torch.sort: { values, indices } along dim (default -1), ascending unless descending. */
export function sort(x: Tensor, opts: SortOptions = {}): ValuesIndices {
  checkOptions('sort', opts, optionKeys<SortOptions>()('dim', 'descending', 'stable'));
  const d = dimOf('sort', x, opts.dim ?? -1), descending = opts.descending ?? false;
  return apply('sort', [x], { dim: d, descending }, () => {
    const indices = permutation(x, d, descending);
    return { values: gather(x, d, indices), indices };
  });
}

/** torch.argsort: the indices that sort x along dim. */
export function argsort(x: Tensor, opts: ArgsortOptions = {}): Tensor {
  checkOptions('argsort', opts, optionKeys<ArgsortOptions>()('dim', 'descending', 'stable'));
  const d = dimOf('argsort', x, opts.dim ?? -1), descending = opts.descending ?? false;
  return apply('argsort', [x], { dim: d, descending }, () => permutation(x, d, descending));
}

/** torch.topk: the k largest (or smallest) elements along dim, with their indices. */
export function topk(x: Tensor, k: number, opts: TopkOptions = {}): ValuesIndices {
  checkOptions('topk', opts, optionKeys<TopkOptions>()('dim', 'largest', 'sorted'));
  const d = dimOf('topk', x, opts.dim ?? -1), largest = opts.largest ?? true;
  const size = x.ndim === 0 ? 1 : x.shape[d]!;
  if (!Number.isInteger(k) || k < 0 || k > size) {
    throw new IndexError(`topk: k (${k}) is out of range for dim ${d} of size ${size}; k must be an integer in 0..${size}`);
  }
  return apply('topk', [x], { k, dim: d, largest }, () => {
    const order = permutation(x, d, largest);
    const indices = x.ndim === 0 ? order : order.narrow(d, 0, k);
    return { values: gather(x, d, indices), indices };
  });
}
