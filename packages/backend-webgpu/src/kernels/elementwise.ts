// Elementwise kernels built at run time from one table of WGSL expressions per op and storage kind: the
// required unary, binary, comparison and where kernels, the optional scalar-operand and activation kernels.
// Inputs arrive dense (core copies strided views first); one pipeline per op × dtype × variant, cached.
import type { DType, KernelTable } from '@flint/core';
import { DTypeError, ZeroDivisionError } from '@flint/core';
import type { Gpu } from '../runtime/gpu.js';
import type { WgBuffer } from '../runtime/pool.js';
import type { Kind } from '../runtime/storage.js';
import { kindOf } from '../runtime/storage.js';
import type { T } from './common.js';
import { ENTRY, FLAT, PRELUDE, Params, describe, grid, numel } from './common.js';
import { chunks, coalesce, pack8, rowMajor, spanOf, windowOf } from './strided.js';

/** An expression per storage kind, in x (unary) or a and b (binary); `s0`..`s2` are float params. */
type Exprs = Partial<Record<Kind | 'bool', string>>;

const UNARY: Record<string, Exprs> = {
  neg: { f32: '-x', i32: '-x', u32: '(256u - x) & 255u' },
  abs: { f32: 'abs(x)', i32: 'abs(x)', u32: 'x', bool: 'x' },
  exp: { f32: 'fexp(x)' }, log: { f32: 'flog(x)' }, log1p: { f32: 'flog1p(x)' }, expm1: { f32: 'fexpm1(x)' },
  sqrt: { f32: 'fsqrt(x)' }, sin: { f32: 'fsin(x)' }, cos: { f32: 'fcos(x)' }, tanh: { f32: 'ftanh(x)' },
  floor: { f32: 'floor(x)', i32: 'x', u32: 'x' }, ceil: { f32: 'ceil(x)', i32: 'x', u32: 'x' }, round: { f32: 'round(x)', i32: 'x', u32: 'x' },
  sign: { f32: 'fsign(x)', i32: 'sign(x)', u32: 'select(0u, 1u, x > 0u)', bool: 'x' },
  // optional activations (s0, s1: float attrs)
  rsqrt: { f32: '1.0 / fsqrt(x)' }, reciprocal: { f32: '1.0 / x' }, sigmoid: { f32: 'fsigmoid(x)' },
  relu: { f32: 'select(x, 0.0, x < 0.0)', i32: 'max(x, 0)', u32: 'x', bool: 'x' },
  gelu: { f32: '0.5 * x * ferfc(-x * 0.70710678118654752)' },
  geluTanh: { f32: '0.5 * x * (1.0 + ftanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))' },
  leakyRelu: { f32: 'select(x * s0, x, x > 0.0)' },
  softplus: { f32: 'select(flog1p(fexp(s0 * x)) / s0, x, s0 * x > s1)' },
};

const BINARY: Record<string, Exprs> = {
  add: { f32: 'a + b', i32: 'a + b', u32: '(a + b) & 255u', bool: 'a | b' },
  sub: { f32: 'a - b', i32: 'a - b', u32: '(a - b) & 255u', bool: 'a ^ b' },
  mul: { f32: 'a * b', i32: 'a * b', u32: '(a * b) & 255u', bool: 'a & b' },
  div: { f32: 'fdivide(a, b)' },
  pow: { f32: 'fpow(a, b)', i32: 'ipow(a, b)', u32: 'upow(a, b) & 255u', bool: 'a | (1u - b)' },
  maximum: { f32: 'fmaximum(a, b)', i32: 'max(a, b)', u32: 'max(a, b)', bool: 'a | b' },
  minimum: { f32: 'fminimum(a, b)', i32: 'min(a, b)', u32: 'min(a, b)', bool: 'a & b' },
  remainder: { f32: 'fremainder(a, b)', i32: 'irem(a, b)', u32: 'urem(a, b)' },
};

const COMPARE: Record<string, string> = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' };

// integer remainder: Python's sign rule; b == 0 is flagged on the device (code in p.s2) and reported at the next read
const INT_REM = /* wgsl */ `
fn irem(a: i32, b: i32) -> i32 {
  if (b == 0) { fault(u32(a)); return 0; }
  if (b == -1) { return 0; }
  let r = a % b; if (r != 0 && ((r < 0) != (b < 0))) { return r + b; } return r;
}
fn urem(a: u32, b: u32) -> u32 { if (b == 0u) { fault(a); return 0u; } return a % b; }
fn fault(v: u32) { let old = atomicMax(&faults[0], p.s2); if (old < p.s2) { atomicStore(&faults[1], v); } }
`;

const exprFor = (table: Record<string, Exprs>, op: string, dtype: DType): string => {
  const k = dtype === 'bool' ? 'bool' : kindOf(dtype, op);
  const e = table[op]![k];
  if (e === undefined) throw new DTypeError(`${op}: the webgpu backend has no ${dtype} kernel for ${op}; cast to float32 first`);
  return e;
};

interface Launch { op: string; key: string; ins: T[]; out: T; body: string; params: (p: Params) => void; faults?: boolean }

/** An input's layout: dense from its offset, or a strided view (merged dims) indexed through its strides. */
interface Layout { dense: boolean; shape: number[]; strides: number[] }
function layoutOf(t: T, outShape: readonly number[]): Layout {
  const c = coalesce(outShape, [t.strides, rowMajor(outShape)]);
  const st = c.strides[0]!;
  const dense = c.shape.length === 0 || (c.shape.length === 1 && st[0] === 1);
  return { dense, shape: c.shape, strides: st };
}

/**
 * Encodes an elementwise kernel: the output dense, each input dense or a strided view (broadcasts,
 * permutations, slices are read in place, never copied first), in chunks that fit the binding limit.
 */
function launch(gpu: Gpu, l: Launch): void {
  const n = numel(l.out.shape);
  if (n === 0) return;
  const tIn = l.ins.map((t) => (t.dtype === 'bool' ? 'u32' : kindOf(t.dtype, l.op)));
  const tOut = l.out.dtype === 'bool' ? 'u32' : kindOf(l.out.dtype, l.op);
  const lay = l.ins.map((t) => layoutOf(t, l.out.shape));
  const names = ['a', 'b', 'c'];
  const key = `${l.key}:${lay.map((x) => (x.dense ? 'd' : 's')).join('')}`;
  const wgsl = (): string => `${PRELUDE}
struct V { off: u32, rank: u32, pad0: u32, pad1: u32, shape: array<vec4u, 2>, strides: array<vec4u, 2> }
struct P { n: u32, s0b: u32, s1b: u32, s2: u32, start: u32, oo: u32, pad0: u32, pad1: u32, ${l.ins.map((_, j) => `v${j}: V`).join(', ')} }
@group(0) @binding(0) var<uniform> p: P;
${l.ins.map((_, i) => `@group(0) @binding(${i + 1}) var<storage, read> in${i}: array<${tIn[i]}>;`).join('\n')}
@group(0) @binding(${l.ins.length + 1}) var<storage, read_write> out: array<${tOut}>;
${l.faults ? `@group(0) @binding(${l.ins.length + 2}) var<storage, read_write> faults: array<atomic<u32>>;${INT_REM}` : ''}
fn at8(v: array<vec4u, 2>, d: u32) -> u32 { return v[d / 4u][d % 4u]; }
fn view(v: V, i: u32) -> u32 {
  var rem = i; var o = v.off;
  for (var d = i32(v.rank) - 1; d >= 0; d--) { let n = at8(v.shape, u32(d)); o += (rem % n) * at8(v.strides, u32(d)); rem = rem / n; }
  return o;
}
${ENTRY()} {
  ${FLAT()}
  if (i >= p.n) { return; }
  let s0 = bitcast<f32>(p.s0b); let s1 = bitcast<f32>(p.s1b);
  ${l.ins.map((_, j) => `let ${l.ins.length === 1 ? 'x' : names[j]} = in${j}[${lay[j]!.dense ? `p.v${j}.off + i` : `view(p.v${j}, i + p.start)`}];`).join(' ')}
  out[p.oo + i] = ${l.body};
}`;
  const align = gpu.limits.minStorageBufferOffsetAlignment;
  // the window of each input over output elements [i0, i1), and the output's
  const spans = (i0: number, i1: number) => [
    ...l.ins.map((t, j) => {
      const x = lay[j]!;
      const [lo, hi] = x.dense ? [t.offset + i0, t.offset + i1 - 1] : spanOf(x.shape, x.strides, t.offset, i0, i1);
      return windowOf(lo, hi, 4, align);
    }),
    windowOf(l.out.offset + i0, l.out.offset + i1 - 1, 4, align),
  ];
  const whole = [...l.ins, l.out].every((t) => t.buffer.bytes <= gpu.maxBinding);
  const parts = whole ? [[0, n] as [number, number]] : chunks(n, (i0, i1) => spans(i0, i1).every((w) => w.size <= gpu.maxBinding));
  for (const [i0, i1] of parts) {
    const ws = whole ? [...l.ins, l.out].map((t) => ({ offset: 0, size: t.buffer.bytes, base: 0 })) : spans(i0, i1);
    const p = new Params().u32(i1 - i0);
    l.params(p);
    const wo = ws[l.ins.length]!;
    p.pad4().u32(i0, l.out.offset + i0 - wo.base, 0, 0);
    l.ins.forEach((t, j) => {
      const x = lay[j]!, w = ws[j]!;
      p.u32(x.dense ? t.offset + i0 - w.base : t.offset - w.base, x.dense ? 0 : x.shape.length, 0, 0, ...pack8(x.dense ? [] : x.shape, l.op), ...pack8(x.dense ? [] : x.strides, l.op));
    });
    const bind = (t: T, w: { offset: number; size: number }) => ({ buf: t.buffer, offset: w.offset, size: Math.max(4, Math.ceil(w.size / 4) * 4) });
    gpu.run({
      kernel: l.op, key, wgsl, describe: describe(l.ins, [l.out]), params: p.done(), groups: grid(i1 - i0, gpu),
      bindings: [...l.ins.map((t, j) => bind(t, ws[j]!)), bind(l.out, wo), ...(l.faults ? [{ buf: gpu.faultBuf }] : [])],
    });
  }
}

const isIntRem = (op: string, d: DType): boolean => op === 'remainder' && (d === 'int32' || d === 'uint8');

/** The elementwise kernels of the required tier and the scalar/activation kernels of the optional tier. */
export function elementwiseKernels(gpu: Gpu): KernelTable<WgBuffer> {
  const table: Record<string, (ins: T[], outs: T[], attrs: Record<string, unknown>) => void> = {};
  const remFault = (op: string, d: DType): number => gpu.fault((v) => new ZeroDivisionError(`${op}: integer division by zero (${d} remainder of ${v} by 0)`));
  for (const op of ['neg', 'abs', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'sin', 'cos', 'tanh', 'floor', 'ceil', 'round', 'sign', 'rsqrt', 'reciprocal', 'sigmoid', 'relu', 'leakyRelu', 'softplus', 'gelu']) {
    table[op] = ([x], [out], attrs) => {
      const name = op === 'gelu' && attrs.approximate === 'tanh' ? 'geluTanh' : op;
      const body = exprFor(UNARY, name, x!.dtype);
      launch(gpu, {
        op, key: `${name}:${x!.dtype}`, ins: [x!], out: out!, body,
        params: (p) => p.f32(op === 'leakyRelu' ? attrs.negativeSlope as number : op === 'softplus' ? attrs.beta as number : 0, op === 'softplus' ? attrs.threshold as number : 0),
      });
    };
  }
  for (const op of Object.keys(BINARY)) {
    table[op] = ([a, b], [out]) => {
      const faults = isIntRem(op, a!.dtype);
      launch(gpu, {
        op, key: `${op}:${a!.dtype}`, ins: [a!, b!], out: out!, body: exprFor(BINARY, op, a!.dtype), faults,
        params: (p) => p.u32(0, 0, faults ? remFault(op, a!.dtype) : 0),
      });
    };
    const scalarOp = `${op}Scalar`;
    table[scalarOp] = ([x], [out], attrs) => {
      const k = x!.dtype === 'bool' ? 'u32' : kindOf(x!.dtype, scalarOp);
      const rev = attrs.reverse === true;
      const s = k === 'f32' ? 's0' : k === 'i32' ? 'bitcast<i32>(p.s0b)' : 'p.s0b';
      const body = `${exprFor(BINARY, op, x!.dtype).replace(/\ba\b/g, rev ? 'S' : 'X').replace(/\bb\b/g, rev ? 'X' : 'S').replace(/\bX\b/g, 'x').replace(/\bS\b/g, s)}`;
      const faults = isIntRem(op, x!.dtype);
      launch(gpu, {
        op: scalarOp, key: `${scalarOp}:${x!.dtype}:${rev}`, ins: [x!], out: out!, body, faults,
        params: (p) => p.scalar(k, attrs.scalar as number).u32(0, faults ? remFault(scalarOp, x!.dtype) : 0),
      });
    };
  }
  for (const [op, sym] of Object.entries(COMPARE)) {
    // != is unordered (true when either is NaN) whatever the driver's default comparison is
    const cmp = (x: string, y: string, k: string): string => (op === 'ne' && k === 'f32' ? `!(${x} == ${y})` : `${x} ${sym} ${y}`);
    table[op] = ([a, b], [out]) => launch(gpu, { op, key: `${op}:${a!.dtype}`, ins: [a!, b!], out: out!, body: `select(0u, 1u, ${cmp('a', 'b', kindOf(a!.dtype === 'bool' ? 'uint8' : a!.dtype))})`, params: () => {} });
    table[`${op}Scalar`] = ([x], [out], attrs) => {
      const k = x!.dtype === 'bool' ? 'u32' : kindOf(x!.dtype, op);
      const s = k === 'f32' ? 's0' : k === 'i32' ? 'bitcast<i32>(p.s0b)' : 'p.s0b';
      launch(gpu, { op: `${op}Scalar`, key: `${op}Scalar:${x!.dtype}`, ins: [x!], out: out!, body: `select(0u, 1u, ${cmp('x', s, k)})`, params: (p) => p.scalar(k, attrs.scalar as number) });
    };
  }
  table.where = ([cond, a, b], [out]) =>
    launch(gpu, { op: 'where', key: `where:${a!.dtype}`, ins: [cond!, a!, b!], out: out!, body: 'select(c, b, a != 0u)', params: () => {} });
  return table as KernelTable<WgBuffer>;
}
