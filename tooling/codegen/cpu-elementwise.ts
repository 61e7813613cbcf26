// Generates packages/backend-cpu/src/kernels/elementwise.gen.ts: one specialised loop per elementwise op.
// Why: a shared loop calling a per-op closure is megamorphic in V8 and runs ~10x slower than a loop
// with the op's expression written in place. Run: pnpm codegen (CI runs pnpm codegen:check).
import { fileURLToPath } from 'node:url';

interface Op {
  name: string; expr: string; prelude?: string;
  /** yields exactly 0 or 1 (comparisons): no store conversion pass */ boolean?: boolean;
  /** float32 dense inputs go to this wasm-math.ts SIMD loop (code naming it), the JS loop the fallback */ wasm?: string;
}

const binary: Op[] = [
  { name: 'add', expr: 'x + y' },
  { name: 'sub', expr: 'x - y' },
  { name: 'mul', expr: 'x * y' },
  { name: 'mulInt32', expr: 'Math.imul(x, y)' },
  { name: 'div', expr: 'x / y' },
  { name: 'pow', expr: 'Math.pow(x, y)' },
  { name: 'maximum', expr: 'x !== x || y !== y ? NaN : x > y ? x : y' },
  { name: 'minimum', expr: 'x !== x || y !== y ? NaN : x < y ? x : y' },
  { name: 'remainder', expr: 'pyMod(x, y)' },
  { name: 'eq', expr: 'x === y ? 1 : 0', boolean: true },
  { name: 'ne', expr: 'x !== y ? 1 : 0', boolean: true },
  { name: 'lt', expr: 'x < y ? 1 : 0', boolean: true },
  { name: 'le', expr: 'x <= y ? 1 : 0', boolean: true },
  { name: 'gt', expr: 'x > y ? 1 : 0', boolean: true },
  { name: 'ge', expr: 'x >= y ? 1 : 0', boolean: true },
];

const unary: Op[] = [
  { name: 'neg', expr: '-x' },
  { name: 'abs', expr: 'Math.abs(x)' },
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
  { name: 'sign', expr: 'x > 0 ? 1 : x < 0 ? -1 : 0' },
  { name: 'rsqrt', expr: '1 / Math.sqrt(x)' },
  { name: 'reciprocal', expr: '1 / x' },
  { name: 'sigmoid', expr: 'sigmoid(x)', wasm: "'sigmoid'" },
  { name: 'relu', expr: 'x > 0 ? x : x === x ? 0 : x' },
  { name: 'gelu', prelude: "const tanhForm = attrs.approximate === 'tanh';", expr: 'tanhForm ? 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x * x * x))) : 0.5 * x * (1 + erf(x * Math.SQRT1_2))', wasm: "tanhForm ? 'geluTanh' : 'geluErf'" },
  { name: 'leakyRelu', prelude: "const slope = num(attrs, 'negativeSlope', 0.01);", expr: 'x > 0 ? x : x * slope' },
  { name: 'softplus', prelude: "const beta = num(attrs, 'beta', 1), threshold = num(attrs, 'threshold', 20);", expr: 'x * beta > threshold ? x : Math.log1p(Math.exp(beta * x)) / beta' },
];

// Each op is emitted twice: a float32-only copy (its element accesses stay monomorphic, the common case)
// and a copy for every other dtype.
const binaryKernel = (op: Op, suffix: string): string => `
const ${op.name}${suffix}: Kernel<CpuArray> = ([a, b], [out], attrs) => {
  void attrs;
  ${op.prelude ?? ''}
  const A = a!.buffer, B = b!.buffer, D = out!.buffer, n = numel(out!.shape);
  const layout = binaryLayout(a!, b!);
  if (layout === DENSE) {
    for (let i = 0, ia = a!.offset, ib = b!.offset; i < n; i++) { const x = A[ia + i]!, y = B[ib + i]!; D[i] = ${op.expr}; }
  } else if (layout === B_SCALAR) {
    const y = B[b!.offset]!;
    for (let i = 0, ia = a!.offset; i < n; i++) { const x = A[ia + i]!; D[i] = ${op.expr}; }
  } else if (layout === A_SCALAR) {
    const x = A[a!.offset]!;
    for (let i = 0, ib = b!.offset; i < n; i++) { const y = B[ib + i]!; D[i] = ${op.expr}; }
  } else {
    forEachRow2(out!.shape, a!, b!, (ia, ib, o, len, sa, sb) => {
      for (let j = 0; j < len; j++, ia += sa, ib += sb) { const x = A[ia]!, y = B[ib]!; D[o + j] = ${op.expr}; }
    });
  }
  ${op.boolean ? '' : 'settle(out!);'}
};`;

// x OP scalar (or scalar OP x when attrs.reverse): the expression with one side a constant.
const scalarKernel = (op: Op, suffix: string): string => `
const ${op.name}Scalar${suffix}: Kernel<CpuArray> = ([a], [out], attrs) => {
  const s = attrs.scalar as number, reverse = attrs.reverse === true;
  const A = a!.buffer, D = out!.buffer, n = numel(out!.shape);
  if (isDense(a!.shape, a!.strides)) {
    if (reverse) { const x = s; for (let i = 0, ia = a!.offset; i < n; i++) { const y = A[ia + i]!; D[i] = ${op.expr}; } }
    else { const y = s; for (let i = 0, ia = a!.offset; i < n; i++) { const x = A[ia + i]!; D[i] = ${op.expr}; } }
  } else {
    forEachRow1(out!.shape, a!, (ia, o, len, sa) => {
      if (reverse) { const x = s; for (let j = 0; j < len; j++, ia += sa) { const y = A[ia]!; D[o + j] = ${op.expr}; } }
      else { const y = s; for (let j = 0; j < len; j++, ia += sa) { const x = A[ia]!; D[o + j] = ${op.expr}; } }
    });
  }
  ${op.boolean ? '' : 'settle(out!);'}
};`;

const unaryKernel = (op: Op, suffix: string): string => `
const ${op.name}${suffix}: Kernel<CpuArray> = ([a], [out], attrs) => {
  void attrs;
  ${op.prelude ?? ''}
  const A = a!.buffer, D = out!.buffer, n = numel(out!.shape);
  if (isDense(a!.shape, a!.strides)) {
    ${op.wasm && suffix === 'F32' ? `if (!wasmUnary(${op.wasm}, A, a!.offset, D, n))` : ''}
    for (let i = 0, ia = a!.offset; i < n; i++) { const x = A[ia + i]!; D[i] = ${op.expr}; }
  } else {
    forEachRow1(out!.shape, a!, (ia, o, len, sa) => {
      for (let j = 0; j < len; j++, ia += sa) { const x = A[ia]!; D[o + j] = ${op.expr}; }
    });
  }
  settle(out!);
};`;

const tableType = (names: string[]): string => `Pick<KernelTable<CpuArray>, ${names.map((n) => `'${n}'`).join(' | ')}>`;
const kernelNames = (ops: Op[], suffix = ''): string[] => ops.filter((o) => o.name !== 'mulInt32').map((o) => o.name + suffix);

const render = (): string => `// GENERATED by tooling/codegen/cpu-elementwise.ts — do not edit; change the generator and rerun it.
import type { Kernel, KernelTable } from '@flint/core';
import { isDense } from '@flint/core';
import type { CpuArray } from '../storage.js';
import { A_SCALAR, B_SCALAR, DENSE, GELU_C, binaryLayout, erf, forEachRow1, forEachRow2, pyMod, roundHalfEven, settle, sigmoid } from './scalar.js';
import { num, numel } from './util.js';
import { wasmUnary } from './wasm-math.js';
${binary.map((o) => (o.name === 'mulInt32' ? '' : binaryKernel(o, 'F32')) + binaryKernel(o, 'Any')).join('\n')}
${binary.map((o) => (o.name === 'mulInt32' ? '' : scalarKernel(o, 'F32')) + scalarKernel(o, 'Any')).join('\n')}
${unary.map((o) => unaryKernel(o, 'F32') + unaryKernel(o, 'Any')).join('\n')}

const byDtype = (f32: Kernel<CpuArray>, any: Kernel<CpuArray>): Kernel<CpuArray> =>
  (inputs, outputs, attrs) => (inputs[0]!.dtype === 'float32' ? f32 : any)(inputs, outputs, attrs);
// int32 products wrap exactly with Math.imul (a double product loses the low bits past 2^53)
const byDtypeMul = (f32: Kernel<CpuArray>, int32: Kernel<CpuArray>, any: Kernel<CpuArray>): Kernel<CpuArray> =>
  (inputs, outputs, attrs) => (inputs[0]!.dtype === 'float32' ? f32 : inputs[0]!.dtype === 'int32' ? int32 : any)(inputs, outputs, attrs);

export const binaryKernels: ${tableType(kernelNames(binary))} = {
${binary.filter((o) => o.name !== 'mulInt32').map((o) => (o.name === 'mul' ? '  mul: byDtypeMul(mulF32, mulInt32Any, mulAny),' : `  ${o.name}: byDtype(${o.name}F32, ${o.name}Any),`)).join('\n')}
};
export const scalarKernels: ${tableType(kernelNames(binary, 'Scalar'))} = {
${binary.filter((o) => o.name !== 'mulInt32').map((o) => (o.name === 'mul' ? '  mulScalar: byDtypeMul(mulScalarF32, mulInt32ScalarAny, mulScalarAny),' : `  ${o.name}Scalar: byDtype(${o.name}ScalarF32, ${o.name}ScalarAny),`)).join('\n')}
};
export const unaryKernels: ${tableType(kernelNames(unary))} = {
${unary.map((o) => `  ${o.name}: byDtype(${o.name}F32, ${o.name}Any),`).join('\n')}
};
`;

export const cpuElementwise = {
  target: fileURLToPath(new URL('../../packages/backend-cpu/src/kernels/elementwise.gen.ts', import.meta.url)),
  render,
};
