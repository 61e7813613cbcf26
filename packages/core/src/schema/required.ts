// The required tier: every backend implements these; every other op in Flint is composed from them.
import type { KernelSpec } from './types.js';
import { int, key, num, oneOf, optional } from './types.js';

/** Keeps the literal types of an entry, so each kernel's attrs type can be derived from it. */
export const spec = <const S extends KernelSpec>(s: S): S => s;

const x = (dtype: 'numeric' | 'float' = 'numeric') => [{ name: 'x', dtype }] as const;
const ab = [{ name: 'a', dtype: 'numeric' }, { name: 'b', dtype: 'same' }] as const;
const sameAsX = [{ name: 'out', dtype: 'same', shape: 'x' }] as const;

const unary = (doc: string, dtype: 'numeric' | 'float' = 'float') =>
  spec({ tier: 'required', family: 'unary', doc, inputs: x(dtype), outputs: sameAsX, attrs: {}, strided: true, since: 0 });
const binary = (doc: string) =>
  spec({ tier: 'required', family: 'binary', doc, inputs: ab, outputs: [{ name: 'out', dtype: 'same', shape: 'a (a and b are already broadcast to it)' }], attrs: {}, strided: true, since: 0 });
const compare = (doc: string) =>
  spec({ tier: 'required', family: 'compare', doc, inputs: ab, outputs: [{ name: 'out', dtype: 'bool', shape: 'a' }], attrs: {}, strided: true, since: 0 });
const reduceDims = int('how many trailing dims of x to reduce (core moves the reduced dims last)');
const reduce = (doc: string, out: 'same' | 'index' = 'same') =>
  spec({
    tier: 'required', family: 'reduce', doc, inputs: x(), strided: true, since: 0, attrs: { reduceDims },
    outputs: [{ name: 'out', dtype: out, shape: 'x without its last reduceDims dims' }],
  });

export const REQUIRED = {
  copy: spec({
    tier: 'required', family: 'creation', since: 0, strided: true, attrs: {},
    doc: 'Copy src into dst, elementwise. The one kernel whose output is any strided view: core writes slices (cat, pad, in-place ops) with it. A storage kernel: it sees every storage dtype.',
    inputs: [{ name: 'src', dtype: 'any' }], outputs: [{ name: 'dst', dtype: 'same', shape: 'like src; any strides and offset' }],
  }),
  cast: spec({
    tier: 'required', family: 'creation', since: 0, strided: true, attrs: {},
    doc: 'Convert to the output dtype: float→int truncates toward zero, →bool is x != 0, int→narrower int wraps. A storage kernel: it sees every storage dtype (that is how core moves int64 in and out of a backend that computes it as int32).',
    inputs: [{ name: 'x', dtype: 'any' }], outputs: [{ name: 'out', dtype: 'any', shape: 'x' }],
  }),
  fill: spec({
    tier: 'required', family: 'creation', since: 0, strided: true, inputs: [],
    doc: 'Set every element to value. A storage kernel: it sees every storage dtype.',
    outputs: [{ name: 'out', dtype: 'any', shape: 'any' }], attrs: { value: num('already representable in the output dtype (core rounds it)') },
  }),
  arange: spec({
    tier: 'required', family: 'creation', since: 0, strided: true, inputs: [],
    doc: 'out[i] = start + i * step, stored in the output dtype.',
    outputs: [{ name: 'out', dtype: 'numeric', shape: '[n]' }], attrs: { start: num('first value'), step: num('increment') },
  }),
  random: spec({
    tier: 'required', family: 'creation', since: 0, strided: true, inputs: [],
    doc: "Counter-based random draws: element i is uniformAt(key[0], key[1], counter + i) or normalAt(...) from @flint/core, scaled — the same stream on every backend.",
    outputs: [{ name: 'out', dtype: 'float', shape: 'any' }],
    attrs: {
      dist: oneOf(['uniform', 'normal'] as const, "'uniform': low + (high - low) * u; 'normal': mean + std * z"),
      key: key('Philox key words (uint32)'), counter: int('Philox counter of element 0 (below 2^53)'),
      low: optional(num('uniform: lower bound (default 0)')), high: optional(num('uniform: upper bound (default 1)')),
      mean: optional(num('normal: mean (default 0)')), std: optional(num('normal: standard deviation (default 1)')),
    },
  }),
  neg: unary('-x', 'numeric'), abs: unary('|x|', 'numeric'),
  exp: unary('e^x'), log: unary('natural log'), log1p: unary('log(1 + x)'), expm1: unary('e^x - 1'), sqrt: unary('square root'),
  sin: unary('sine'), cos: unary('cosine'), tanh: unary('hyperbolic tangent'),
  floor: unary('round down (core passes integer tensors through without a kernel)'), ceil: unary('round up'),
  round: unary('round half to even'), sign: unary('-1, 0 or 1; sign(NaN) is 0', 'numeric'),
  add: binary('a + b'), sub: binary('a - b'), mul: binary('a * b (int32 wraps as two\'s complement)'), div: binary('a / b (core casts integer operands to float first)'),
  pow: binary('a ** b'), maximum: binary('the larger; NaN if either is NaN'), minimum: binary('the smaller; NaN if either is NaN'),
  remainder: binary("Python's modulo: the result has the sign of b. For integers, b == 0 is a ZeroDivisionError (thrown, or reported at the next read as index errors are); for floats it is NaN"),
  eq: compare('a == b'), ne: compare('a != b'), lt: compare('a < b'), le: compare('a <= b'), gt: compare('a > b'), ge: compare('a >= b'),
  where: spec({
    tier: 'required', family: 'binary', since: 0, strided: true, attrs: {},
    doc: 'a where cond is true, else b (all three already broadcast to one shape).',
    inputs: [{ name: 'cond', dtype: 'bool' }, { name: 'a', dtype: 'numeric' }, { name: 'b', dtype: 'same' }],
    outputs: [{ name: 'out', dtype: 'same', shape: 'a' }],
  }),
  sum: reduce('sum over the trailing reduceDims dims (core casts integer inputs to the result dtype first)'),
  prod: reduce('product over the trailing reduceDims dims'),
  max: reduce('largest; NaN if any element is NaN'), min: reduce('smallest; NaN if any element is NaN'),
  argmax: reduce('flat index (within the reduced dims) of the first largest element; a NaN counts as largest', 'index'),
  argmin: reduce('flat index of the first smallest element; a NaN counts as smallest', 'index'),
  cumsum: spec({
    tier: 'required', family: 'reduce', since: 0, strided: true, attrs: {},
    doc: 'running sum along the last dim', inputs: x(), outputs: sameAsX,
  }),
  gather: spec({
    tier: 'required', family: 'indexing', since: 0, strided: true,
    doc: "out[i][j][k] = src[index[i][j][k]][j][k] for dim 0 (torch.gather). An index outside [0, src.shape[dim]) is an IndexError naming the op and the index: thrown, or reported at the next read or synchronize by a backend that can't check it without waiting.",
    inputs: [{ name: 'src', dtype: 'numeric' }, { name: 'index', dtype: 'index', shape: 'as many dims as src' }],
    outputs: [{ name: 'out', dtype: 'same', shape: 'index' }], attrs: { dim: int('the dim to index (non-negative)') },
  }),
  scatterAdd: spec({
    tier: 'required', family: 'indexing', since: 0, strided: true,
    doc: 'out = self, then out[index[i][j]][j] += src[i][j] for dim 0 (torch.scatter_add). Out-of-range indices as for gather.',
    inputs: [{ name: 'self', dtype: 'numeric' }, { name: 'index', dtype: 'index' }, { name: 'src', dtype: 'same', shape: 'at least index in every dim' }],
    outputs: [{ name: 'out', dtype: 'same', shape: 'self' }], attrs: { dim: int('the dim to scatter along (non-negative)') },
  }),
  matmul: spec({
    tier: 'required', family: 'linalg', since: 0, strided: true, attrs: {},
    doc: 'batched matrix product; the batch dims of a and b are identical (strides may be 0 where core broadcast them).',
    inputs: [{ name: 'a', dtype: 'numeric', shape: '[...batch, M, K]' }, { name: 'b', dtype: 'same', shape: '[...batch, K, N]' }],
    outputs: [{ name: 'out', dtype: 'same', shape: '[...batch, M, N]' }],
  }),
} as const;
