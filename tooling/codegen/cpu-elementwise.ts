// Generates packages/backend-cpu/src/kernels/elementwise.gen.ts: one specialised loop per elementwise op.
// Why: a shared loop calling a per-op closure is megamorphic in V8 and runs ~10x slower than a loop
// with the op's expression written in place. Run: pnpm codegen (CI runs pnpm codegen:check).
import { fileURLToPath } from 'node:url';

interface Op {
  name: string; expr: string; prelude?: string;
  /** yields exactly 0 or 1 (comparisons): no store conversion pass */ boolean?: boolean;
  /** float32 dense inputs go to this wasm-math.ts SIMD loop (code naming it), the JS loop the fallback */ wasm?: string;
  /** float32 dense (and row-contiguous) operands of this binary op go to wasm-stream.ts's map of that name */ stream?: boolean;
  /**
   * The int64 loop body over the operands' words xl, xh (and yl, yh): statements declaring the result's
   * words rl, rh, or for boolean ops an expression of 0 or 1. Ops without it never see int64.
   */
  i64?: string;
  /**
   * A branch-free float32 form for dense inputs: an expression of the input's bits v (read through an
   * Int32Array view) giving the output's bits, equal bit for bit to what `expr` stores.
   */
  bits32?: string;
}

// int64 bodies (words are int32: lo as signed, `>>> 0` reads it unsigned); every one wraps like torch's int64
// Comparisons yield 0/1 through +(a < b), which V8 compiles without a branch: a `? 1 : 0` on random data
// mispredicts about half the time and runs ~6x slower (activations compared to 0, masks of dropout).
const LT = '(+(xh < yh) | (+(xh === yh) & +((xl >>> 0) < (yl >>> 0))))';
const GT = '(+(xh > yh) | (+(xh === yh) & +((xl >>> 0) > (yl >>> 0))))';
const viaR = (call: string): string => `${call}; const rl = R[0]!, rh = R[1]!;`;

const binary: Op[] = [
  { name: 'add', stream: true, expr: 'x + y', i64: 'const lo = (xl >>> 0) + (yl >>> 0), rl = lo | 0, rh = (xh + yh + (lo >= TWO32 ? 1 : 0)) | 0;' },
  { name: 'sub', stream: true, expr: 'x - y', i64: 'const lo = (xl >>> 0) - (yl >>> 0), rl = lo | 0, rh = (xh - yh - (lo < 0 ? 1 : 0)) | 0;' },
  { name: 'mul', stream: true, expr: 'x * y', i64: viaR('mul64(xl, xh, yl, yh)') },
  { name: 'mulInt32', expr: 'Math.imul(x, y)' },
  { name: 'div', stream: true, expr: 'x / y' },
  { name: 'pow', expr: 'Math.pow(x, y)', i64: viaR('pow64(xl, xh, yl, yh)') },
  { name: 'maximum', expr: 'x !== x || y !== y ? NaN : x > y ? x : y', i64: `const m = ${LT}, rl = m ? yl : xl, rh = m ? yh : xh;` },
  { name: 'minimum', expr: 'x !== x || y !== y ? NaN : x < y ? x : y', i64: `const m = ${GT}, rl = m ? yl : xl, rh = m ? yh : xh;` },
  { name: 'remainder', expr: 'pyMod(x, y)', i64: viaR('rem64(xl, xh, yl, yh)') },
  { name: 'eq', expr: '+(x === y)', boolean: true, i64: '(+(xl === yl) & +(xh === yh))' },
  { name: 'ne', expr: '+(x !== y)', boolean: true, i64: '(+(xl !== yl) | +(xh !== yh))' },
  { name: 'lt', expr: '+(x < y)', boolean: true, i64: LT },
  { name: 'le', expr: '+(x <= y)', boolean: true, i64: `(${GT} ^ 1)` },
  { name: 'gt', expr: '+(x > y)', boolean: true, i64: GT },
  { name: 'ge', expr: '+(x >= y)', boolean: true, i64: `(${LT} ^ 1)` },
];

const unary: Op[] = [
  { name: 'neg', expr: '-x', i64: 'const rl = -xl | 0, rh = (~xh + (xl === 0 ? 1 : 0)) | 0;' },
  { name: 'abs', expr: 'Math.abs(x)', i64: 'const m = xh < 0, rl = m ? -xl | 0 : xl, rh = m ? (~xh + (xl === 0 ? 1 : 0)) | 0 : xh;' },
  { name: 'exp', expr: 'Math.exp(x)', wasm: "'exp'" },
  { name: 'log', expr: 'Math.log(x)', wasm: "'log'" },
  { name: 'log1p', expr: 'Math.log1p(x)' },
  { name: 'expm1', expr: 'Math.expm1(x)' },
  { name: 'sqrt', expr: 'Math.sqrt(x)' },
  { name: 'sin', expr: 'Math.sin(x)' },
  { name: 'cos', expr: 'Math.cos(x)' },
  { name: 'tanh', expr: 'Math.tanh(x)', wasm: "'tanh'" },
  { name: 'floor', expr: 'Math.floor(x)' },
  { name: 'ceil', expr: 'Math.ceil(x)' },
  { name: 'round', expr: 'roundHalfEven(x)' },
  { name: 'sign', expr: '+(x > 0) - +(x < 0)', i64: 'const rh = xh < 0 ? -1 : 0, rl = xh < 0 ? -1 : (xh | xl) !== 0 ? 1 : 0;' },
  { name: 'rsqrt', expr: '1 / Math.sqrt(x)' },
  { name: 'reciprocal', expr: '1 / x' },
  { name: 'sigmoid', expr: 'sigmoid(x)', wasm: "'sigmoid'" },
  // bits: negative numbers (and -0, -inf) to +0 by masking with ~sign, NaN kept and quieted (bit 22),
  // as V8's double round trip of the expression form stores it
  { name: 'relu', wasm: "'relu'", expr: 'x > 0 ? x : x === x ? 0 : x', bits32: '(v & (~(v >> 31) | -nan)) | (nan << 22)', i64: 'const rl = xh < 0 ? 0 : xl, rh = xh < 0 ? 0 : xh;' },
  { name: 'gelu', prelude: "const tanhForm = attrs.approximate === 'tanh';", expr: 'tanhForm ? 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x * x * x))) : 0.5 * x * (1 + erf(x * Math.SQRT1_2))', wasm: "tanhForm ? 'geluTanh' : 'geluErf'" },
  // x times slope or 1 picked by index (x * 1 is x exactly): no branch on x
  { name: 'leakyRelu', prelude: "const slope = num(attrs, 'negativeSlope', 0.01), S = new Float64Array([slope, 1]);", expr: 'x * S[+(x > 0)]!' },
  { name: 'softplus', prelude: "const beta = num(attrs, 'beta', 1), threshold = num(attrs, 'threshold', 20);", expr: 'x * beta > threshold ? x : Math.log1p(Math.exp(beta * x)) / beta' },
];

/**
 * A dense loop over i < n, unrolled by 4 then the tail: V8 pays a few checks per iteration of a loop over
 * typed arrays passed in as arguments, which cost as much as a cheap op (unrolled: ~25-40% faster).
 */
const unrolled = (body: (k: string) => string, n = 'n'): string =>
  `let i = 0;
    for (; i + 4 <= ${n}; i += 4) { ${[0, 1, 2, 3].map((u) => `{ ${body(u ? `i + ${u}` : 'i')} }`).join(' ')} }
    for (; i < ${n}; i++) { ${body('i')} }`;

/** The guard sending a float32 op's contiguous run to the SIMD map (its JS loop follows as the fallback). */
const streamed = (op: Op, suffix: string, ia: string, ib: string, o: string, n: string): string =>
  (op.stream && suffix === 'F32' ? `if (!streamBinary('${op.name}', A as Float32Array, ${ia}, B as Float32Array, ${ib}, D as Float32Array, ${o}, ${n})) ` : '');

// Each op is emitted twice: a float32-only copy (its element accesses stay monomorphic, the common case)
// and a copy for every other dtype.
const binaryKernel = (op: Op, suffix: string): string => `
const ${op.name}${suffix}: Kernel<CpuArray> = ([a, b], [out], attrs) => {
  void attrs;
  ${op.prelude ?? ''}
  const A = a!.buffer as NumArray, B = b!.buffer as NumArray, D = out!.buffer as NumArray, n = numel(out!.shape);
  const layout = binaryLayout(a!, b!);
  if (layout === DENSE) {
    const ia = a!.offset, ib = b!.offset;
    ${streamed(op, suffix, 'ia', 'ib', '0', 'n')}{
    ${unrolled((k) => `const x = A[ia + ${k}]!, y = B[ib + ${k}]!; D[${k}] = ${op.expr};`)}
    }
  } else if (layout === B_SCALAR) {
    const y = B[b!.offset]!;
    const ia = a!.offset;
    ${unrolled((k) => `const x = A[ia + ${k}]!; D[${k}] = ${op.expr};`)}
  } else if (layout === A_SCALAR) {
    const x = A[a!.offset]!;
    const ib = b!.offset;
    ${unrolled((k) => `const y = B[ib + ${k}]!; D[${k}] = ${op.expr};`)}
  } else {
    // rows: a per-channel operand (bias, batch-norm statistics) is constant along a row; a slice (of a cat) is
    // contiguous along it
    forEachRow2(out!.shape, a!, b!, (ia, ib, o, len, sa, sb) => {
      if (sa === 1 && sb === 0) { const y = B[ib]!; ${unrolled((k) => `const x = A[ia + ${k}]!; D[o + ${k}] = ${op.expr};`, 'len')} }
      else if (sa === 0 && sb === 1) { const x = A[ia]!; ${unrolled((k) => `const y = B[ib + ${k}]!; D[o + ${k}] = ${op.expr};`, 'len')} }
      else if (sa === 1 && sb === 1) { ${streamed(op, suffix, 'ia', 'ib', 'o', 'len')}{ ${unrolled((k) => `const x = A[ia + ${k}]!, y = B[ib + ${k}]!; D[o + ${k}] = ${op.expr};`, 'len')} } }
      else for (let j = 0; j < len; j++, ia += sa, ib += sb) { const x = A[ia]!, y = B[ib]!; D[o + j] = ${op.expr}; }
    });
  }
  ${op.boolean ? '' : 'settle(out!);'}
};`;

// x OP scalar (or scalar OP x when attrs.reverse): the expression with one side a constant.
const scalarKernel = (op: Op, suffix: string): string => `
const ${op.name}Scalar${suffix}: Kernel<CpuArray> = ([a], [out], attrs) => {
  const s = attrs.scalar as number, reverse = attrs.reverse === true;
  const A = a!.buffer as NumArray, D = out!.buffer as NumArray, n = numel(out!.shape);
  if (isDense(a!.shape, a!.strides)) {
    const ia = a!.offset;
    if (reverse) { const x = s; ${unrolled((k) => `const y = A[ia + ${k}]!; D[${k}] = ${op.expr};`)} }
    else { const y = s; ${unrolled((k) => `const x = A[ia + ${k}]!; D[${k}] = ${op.expr};`)} }
  } else {
    forEachRow1(out!.shape, a!, (ia, o, len, sa) => {
      if (reverse) { const x = s; for (let j = 0; j < len; j++, ia += sa) { const y = A[ia]!; D[o + j] = ${op.expr}; } }
      else { const y = s; for (let j = 0; j < len; j++, ia += sa) { const x = A[ia]!; D[o + j] = ${op.expr}; } }
    });
  }
  ${op.boolean ? '' : 'settle(out!);'}
};`;

// v: the element's bits; nan: 1 when it is a NaN
const denseBits32 = (bits: string): string => `const X = new Int32Array(A.buffer, A.byteOffset, A.length), DI = new Int32Array(D.buffer, D.byteOffset, D.length);
    const ia = a!.offset;
    ${unrolled((k) => `const v = X[ia + ${k}]!, nan = +((v & 0x7fffffff) > 0x7f800000); DI[${k}] = ${bits};`)}`;

const unaryKernel = (op: Op, suffix: string): string => `
const ${op.name}${suffix}: Kernel<CpuArray> = ([a], [out], attrs) => {
  void attrs;
  ${op.prelude ?? ''}
  const A = a!.buffer as NumArray, D = out!.buffer as NumArray, n = numel(out!.shape);
  if (isDense(a!.shape, a!.strides)) {
    ${op.wasm && suffix === 'F32' ? `if (!wasmUnary(${op.wasm}, A, a!.offset, D, n))` : ''} {
    ${op.bits32 && suffix === 'F32' ? denseBits32(op.bits32) : `const ia = a!.offset;
    ${unrolled((k) => `const x = A[ia + ${k}]!; D[${k}] = ${op.expr};`)}`}
    }
  } else {
    forEachRow1(out!.shape, a!, (ia, o, len, sa) => {
      for (let j = 0; j < len; j++, ia += sa) { const x = A[ia]!; D[o + j] = ${op.expr}; }
    });
  }
  settle(out!);
};`;

// The int64 copies walk the word views (element k at words 2k, 2k+1) with the op's i64 body.
const store64 = (op: Op, k: string): string => (op.boolean ? `D[${k}] = ${op.i64};` : `${op.i64} D[2 * (${k})] = rl; D[2 * (${k}) + 1] = rh;`);
const out64 = (op: Op): string => (op.boolean ? 'out!.buffer as Uint8Array' : 'words(out!.buffer)');

const binaryKernelI64 = (op: Op): string => `
const ${op.name}I64: Kernel<CpuArray> = ([a, b], [out]) => {
  const A = words(a!.buffer), B = words(b!.buffer), D = ${out64(op)}, n = numel(out!.shape);
  const layout = binaryLayout(a!, b!);
  if (layout === DENSE) {
    for (let i = 0, ia = 2 * a!.offset, ib = 2 * b!.offset; i < n; i++, ia += 2, ib += 2) { const xl = A[ia]!, xh = A[ia + 1]!, yl = B[ib]!, yh = B[ib + 1]!; ${store64(op, 'i')} }
  } else if (layout === B_SCALAR) {
    const yl = B[2 * b!.offset]!, yh = B[2 * b!.offset + 1]!;
    for (let i = 0, ia = 2 * a!.offset; i < n; i++, ia += 2) { const xl = A[ia]!, xh = A[ia + 1]!; ${store64(op, 'i')} }
  } else if (layout === A_SCALAR) {
    const xl = A[2 * a!.offset]!, xh = A[2 * a!.offset + 1]!;
    for (let i = 0, ib = 2 * b!.offset; i < n; i++, ib += 2) { const yl = B[ib]!, yh = B[ib + 1]!; ${store64(op, 'i')} }
  } else {
    forEachRow2(out!.shape, a!, b!, (ia, ib, o, len, sa, sb) => {
      for (let j = 0; j < len; j++, ia += sa, ib += sb) { const xl = A[2 * ia]!, xh = A[2 * ia + 1]!, yl = B[2 * ib]!, yh = B[2 * ib + 1]!; ${store64(op, 'o + j')} }
    });
  }
};`;

// the scalar is an integral number (core sends bigints past 2^53 as 0-d tensors); fromNumber splits it
const scalarKernelI64 = (op: Op): string => `
const ${op.name}ScalarI64: Kernel<CpuArray> = ([a], [out], attrs) => {
  const reverse = attrs.reverse === true;
  fromNumber(attrs.scalar as number);
  const sl = R[0]!, sh = R[1]!;
  const A = words(a!.buffer), D = ${out64(op)}, n = numel(out!.shape);
  if (isDense(a!.shape, a!.strides)) {
    if (reverse) { const xl = sl, xh = sh; for (let i = 0, ia = 2 * a!.offset; i < n; i++, ia += 2) { const yl = A[ia]!, yh = A[ia + 1]!; ${store64(op, 'i')} } }
    else { const yl = sl, yh = sh; for (let i = 0, ia = 2 * a!.offset; i < n; i++, ia += 2) { const xl = A[ia]!, xh = A[ia + 1]!; ${store64(op, 'i')} } }
  } else {
    forEachRow1(out!.shape, a!, (ia, o, len, sa) => {
      if (reverse) { const xl = sl, xh = sh; for (let j = 0; j < len; j++, ia += sa) { const yl = A[2 * ia]!, yh = A[2 * ia + 1]!; ${store64(op, 'o + j')} } }
      else { const yl = sl, yh = sh; for (let j = 0; j < len; j++, ia += sa) { const xl = A[2 * ia]!, xh = A[2 * ia + 1]!; ${store64(op, 'o + j')} } }
    });
  }
};`;

const unaryKernelI64 = (op: Op): string => `
const ${op.name}I64: Kernel<CpuArray> = ([a], [out]) => {
  const A = words(a!.buffer), D = words(out!.buffer), n = numel(out!.shape);
  if (isDense(a!.shape, a!.strides)) {
    for (let i = 0, ia = 2 * a!.offset; i < n; i++, ia += 2) { const xl = A[ia]!, xh = A[ia + 1]!; ${store64(op, 'i')} }
  } else {
    forEachRow1(out!.shape, a!, (ia, o, len, sa) => {
      for (let j = 0; j < len; j++, ia += sa) { const xl = A[2 * ia]!, xh = A[2 * ia + 1]!; ${store64(op, 'o + j')} }
    });
  }
};`;

const tableType = (names: string[]): string => `Pick<KernelTable<CpuArray>, ${names.map((n) => `'${n}'`).join(' | ')}>`;
const kernelNames = (ops: Op[], suffix = ''): string[] => ops.filter((o) => o.name !== 'mulInt32').map((o) => o.name + suffix);
/** The dispatcher of one op: float32 first (the hot case), then int64 (its own loop, or a refusal). */
const entry = (op: Op, suffix = ''): string => {
  const name = op.name + suffix, i64 = op.i64 ? `${name}I64` : `noInt64('${name}')`;
  if (op.name === 'mul') return `  ${name}: byDtypeMul(${name}F32, mulInt32${suffix}Any, ${name}Any, ${i64}),`;
  return `  ${name}: byDtype(${name}F32, ${name}Any, ${i64}),`;
};

const render = (): string => `// GENERATED by tooling/codegen/cpu-elementwise.ts — do not edit; change the generator and rerun it.
import type { Kernel, KernelTable } from '@flint/core';
import { BackendError, isDense } from '@flint/core';
import type { CpuArray, NumArray } from '../storage.js';
import * as int64 from './int64.js';
import { A_SCALAR, B_SCALAR, DENSE, GELU_C, binaryLayout, erf, forEachRow1, forEachRow2, pyMod, roundHalfEven, settle, sigmoid } from './scalar.js';
import { num, numel } from './util.js';
import { wasmUnary } from './wasm-math.js';
import { streamBinary } from './wasm-stream.js';

// module-local copies: V8 inlines calls and folds constants through these, not through imported bindings
// (an int64 mul loop runs ~5x slower calling the imported mul64)
const { R, TWO32, fromNumber, mul64, pow64, rem64, words } = int64;
${binary.map((o) => (o.name === 'mulInt32' ? '' : binaryKernel(o, 'F32')) + binaryKernel(o, 'Any') + (o.i64 ? binaryKernelI64(o) : '')).join('\n')}
${binary.map((o) => (o.name === 'mulInt32' ? '' : scalarKernel(o, 'F32')) + scalarKernel(o, 'Any') + (o.i64 ? scalarKernelI64(o) : '')).join('\n')}
${unary.map((o) => unaryKernel(o, 'F32') + unaryKernel(o, 'Any') + (o.i64 ? unaryKernelI64(o) : '')).join('\n')}

// the schema sends these ops floats only (core casts integer operands first): int64 here is a core bug
const noInt64 = (name: string): Kernel<CpuArray> => () => {
  throw new BackendError(\`cpu: kernel '\${name}' got int64 operands, which the schema never sends it (core casts them to a float first)\`);
};
const byDtype = (f32: Kernel<CpuArray>, any: Kernel<CpuArray>, i64: Kernel<CpuArray>): Kernel<CpuArray> =>
  (inputs, outputs, attrs) => {
    const d = inputs[0]!.dtype;
    return (d === 'float32' ? f32 : d === 'int64' ? i64 : any)(inputs, outputs, attrs);
  };
// int32 products wrap exactly with Math.imul (a double product loses the low bits past 2^53)
const byDtypeMul = (f32: Kernel<CpuArray>, int32: Kernel<CpuArray>, any: Kernel<CpuArray>, i64: Kernel<CpuArray>): Kernel<CpuArray> =>
  (inputs, outputs, attrs) => {
    const d = inputs[0]!.dtype;
    return (d === 'float32' ? f32 : d === 'int32' ? int32 : d === 'int64' ? i64 : any)(inputs, outputs, attrs);
  };

export const binaryKernels: ${tableType(kernelNames(binary))} = {
${binary.filter((o) => o.name !== 'mulInt32').map((o) => entry(o)).join('\n')}
};
export const scalarKernels: ${tableType(kernelNames(binary, 'Scalar'))} = {
${binary.filter((o) => o.name !== 'mulInt32').map((o) => entry(o, 'Scalar')).join('\n')}
};
export const unaryKernels: ${tableType(kernelNames(unary))} = {
${unary.map((o) => entry(o)).join('\n')}
};
`;

export const cpuElementwise = {
  target: fileURLToPath(new URL('../../packages/backend-cpu/src/kernels/elementwise.gen.ts', import.meta.url)),
  render,
};
