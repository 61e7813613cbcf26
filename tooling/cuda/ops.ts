// The CUDA C expression of each elementwise kernel of @flint/core's schema, per dtype. The generator
// (gen-kernels.ts) walks the schema and fails when a unary/binary/compare/activation/scalar kernel has no
// expression here, so a new schema op can't silently miss the CUDA backend.

/** A dtype the CUDA kernels compute in: its suffix in kernel names and its C type. */
export interface CDType {
  readonly suffix: 'f32' | 'f64' | 'i32' | 'i64' | 'u8' | 'b8';
  readonly c: string;
  readonly float: boolean;
  readonly signed: boolean;
  readonly bool: boolean;
}
export const CDTYPES: readonly CDType[] = [
  { suffix: 'f32', c: 'float', float: true, signed: true, bool: false },
  { suffix: 'f64', c: 'double', float: true, signed: true, bool: false },
  { suffix: 'i32', c: 'int', float: false, signed: true, bool: false },
  { suffix: 'i64', c: 'long long', float: false, signed: true, bool: false },
  { suffix: 'u8', c: 'unsigned char', float: false, signed: false, bool: false },
  { suffix: 'b8', c: 'unsigned char', float: false, signed: false, bool: true },
];

/** An expression over `x` (and `y`), or null where the dtype doesn't apply; `t` is the dtype. */
export type Expr = (t: CDType) => string | null;

const fn = (t: CDType, name: string) => (t.suffix === 'f32' ? `${name}f` : name);
const floatOnly = (name: string): Expr => (t) => (t.float ? `${fn(t, name)}(x)` : null);
/** Integers computed in int for the 8-bit types, wrapping for 32/64-bit ones. */
const intT = (t: CDType) => (t.suffix === 'i64' ? 'long long' : 'int');

/** Unary kernels: the schema's unary and activation families. Params after x: see PARAMS. */
export const UNARY: Readonly<Record<string, Expr>> = {
  neg: (t) => (t.float ? '-x' : t.bool ? null : `wneg<${intT(t)}>((${intT(t)})x)`),
  abs: (t) => (t.float ? `${fn(t, 'fabs')}(x)` : t.signed ? `(x < 0 ? wneg<${intT(t)}>(x) : x)` : 'x'),
  exp: floatOnly('exp'), log: floatOnly('log'), log1p: floatOnly('log1p'), expm1: floatOnly('expm1'),
  sqrt: floatOnly('sqrt'), sin: floatOnly('sin'), cos: floatOnly('cos'), tanh: floatOnly('tanh'),
  floor: floatOnly('floor'), ceil: floatOnly('ceil'), round: floatOnly('rint'),
  sign: (t) => (t.float ? '(x > 0 ? 1 : x < 0 ? -1 : 0)' : t.signed ? '(x > 0 ? 1 : x < 0 ? -1 : 0)' : '(x > 0 ? 1 : 0)'),
  rsqrt: (t) => (t.float ? `1 / ${fn(t, 'sqrt')}(x)` : null),
  reciprocal: (t) => (t.float ? '1 / x' : null),
  sigmoid: (t) => (t.float ? `1 / (1 + ${fn(t, 'exp')}(-x))` : null),
  relu: (t) => (t.float ? '(x > 0 ? x : x == x ? 0 : x)' : t.signed ? '(x > 0 ? x : 0)' : 'x'),
  gelu: (t) => (t.float
    ? `(p0 ? (${t.c})0.5 * x * (1 + ${fn(t, 'tanh')}((${t.c})0.7978845608028654 * (x + (${t.c})0.044715 * x * x * x))) : (${t.c})0.5 * x * (1 + ${fn(t, 'erf')}(x * (${t.c})0.7071067811865476)))`
    : null),
  leakyRelu: (t) => (t.float ? '(x > 0 ? x : x * (T)p1)' : null),
  softplus: (t) => (t.float ? `(x * (T)p1 > (T)p2 ? x : ${fn(t, 'log1p')}(${fn(t, 'exp')}(x * (T)p1)) / (T)p1)` : null),
};

/** Extra scalar parameters of unary kernels: gelu's approximate flag (p0), leakyRelu's slope (p1), softplus's beta (p1) and threshold (p2). */
export const UNARY_PARAMS: Readonly<Record<string, string>> = { gelu: 'int p0', leakyRelu: 'double p1', softplus: 'double p1, double p2' };

const wrap = (op: 'wadd' | 'wsub' | 'wmul') => (t: CDType): string => (t.float ? `x ${{ wadd: '+', wsub: '-', wmul: '*' }[op]} y` : `${op}<${intT(t)}>((${intT(t)})x, (${intT(t)})y)`);

/** Binary kernels (the schema's binary family, and the scalar family with y the scalar). */
export const BINARY: Readonly<Record<string, Expr>> = {
  add: wrap('wadd'), sub: (t) => (t.bool ? null : wrap('wsub')(t)), mul: wrap('wmul'),
  div: (t) => (t.float ? 'x / y' : t.bool ? null : '(y == 0 ? (T)0 : (T)(x / y))'),
  pow: (t) => (t.float ? `${fn(t, 'pow')}(x, y)` : t.bool ? null : `ipow<${intT(t)}>((${intT(t)})x, (${intT(t)})y)`),
  maximum: (t) => (t.float ? 'fmax_nan(x, y)' : '(x > y ? x : y)'),
  minimum: (t) => (t.float ? 'fmin_nan(x, y)' : '(x < y ? x : y)'),
  remainder: (t) => (t.float ? 'fmod_py(x, y)' : t.bool ? null : t.signed ? `(y == 0 ? (flint_report(err, FLINT_ERR_ZERO_DIV, site, 0), (T)0) : imod_py<${intT(t)}>((${intT(t)})x, (${intT(t)})y))` : '(y == 0 ? (flint_report(err, FLINT_ERR_ZERO_DIV, site, 0), (T)0) : (T)(x % y))'),
};

/** Comparisons: the output is bool (unsigned char 0/1). */
export const COMPARE: Readonly<Record<string, string>> = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' };

/** Kernels of the binary family that write a deferred error (remainder by an integer zero). */
export const REPORTS_ERRORS = new Set(['remainder']);
