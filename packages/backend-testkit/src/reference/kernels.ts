// The required tier written as plainly as possible, over Float64Array buffers that hold every dtype
// rounded to it (./host.ts). The minimal backend runs them as they are; the mock GPU queues them.
import type { KernelTable, KernelTensor, RequiredKernel } from '@flint/core';
import { IndexError, ZeroDivisionError, isIntegral, normalAt, stridedOffsets, uniformAt } from '@flint/core';
import { store } from './host.js';

export type Buf = Float64Array;
type T = KernelTensor<Buf>;
type Kernel = (inputs: T[], outputs: T[], attrs: Readonly<Record<string, unknown>>) => void;

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The view's values in row-major order (a subarray when the view is dense: read before writing an alias). */
export function read(t: T): Float64Array {
  const n = size(t.shape);
  let s = 1, dense = true;
  for (let i = t.shape.length - 1; i >= 0 && dense; i--) { if (t.shape[i] !== 1 && t.strides[i] !== s) dense = false; s *= t.shape[i]!; }
  if (dense) return t.buffer.subarray(t.offset, t.offset + n);
  const offs = stridedOffsets(t.shape, t.strides, t.offset), out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = t.buffer[offs[i]!]!;
  return out;
}

/** Store values (rounded to out's dtype) into the dense output. */
export function write(out: T, values: ArrayLike<number>): void {
  const d = out.dtype, b = out.buffer, o = out.offset;
  for (let i = 0; i < values.length; i++) b[o + i] = store(d, values[i]!);
}

export const map1 = (f: (x: number) => number): Kernel => ([x], [out]) => {
  const v = read(x!), r = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) r[i] = f(v[i]!);
  write(out!, r);
};
export const map2 = (f: (a: number, b: number) => number): Kernel => ([a, b], [out]) => {
  const av = read(a!), bv = read(b!), r = new Float64Array(av.length);
  for (let i = 0; i < av.length; i++) r[i] = f(av[i]!, bv[i]!);
  write(out!, r);
};

export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
}
export function pythonMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}
export const nanMax = (a: number, b: number): number => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b));
export const nanMin = (a: number, b: number): number => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b));

/** The elementwise functions of the binary kernels (and their scalar forms). */
export const BINARY: Record<'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'remainder' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', (a: number, b: number) => number> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b, pow: (a, b) => a ** b,
  maximum: nanMax, minimum: nanMin, remainder: pythonMod,
  eq: (a, b) => +(a === b), ne: (a, b) => +(a !== b), lt: (a, b) => +(a < b), le: (a, b) => +(a <= b), gt: (a, b) => +(a > b), ge: (a, b) => +(a >= b),
};

/** Reduce the trailing `reduceDims` dims of the input: f sees each group's values in row-major order. */
const reduce = (f: (xs: Float64Array) => number): Kernel => ([x], [out], attrs) => {
  const k = attrs.reduceDims as number;
  const inner = size(x!.shape.slice(x!.shape.length - k));
  const v = read(x!), n = size(out!.shape), res = new Float64Array(n);
  for (let g = 0; g < n; g++) res[g] = f(v.subarray(g * inner, (g + 1) * inner));
  write(out!, res);
};

function argBest(xs: ArrayLike<number>, better: (a: number, b: number) => boolean): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) {
    if (Number.isNaN(xs[best]!)) break;
    if (Number.isNaN(xs[i]!) || better(xs[i]!, xs[best]!)) best = i;
  }
  return best;
}

/**
 * For each element of `index` (row-major), the offset into `t` of the same position with dim `dim`
 * replaced by the index value; `bad` is called for an index out of range (the element then reads 0).
 */
function indexedOffsets(t: T, index: T, dim: number, bad: (j: number) => void): Int32Array {
  const iv = read(index), n = iv.length, nd = index.shape.length, out = new Int32Array(n), pos = new Array<number>(nd).fill(0);
  const limit = t.shape[dim]!;
  let base = t.offset;
  for (let i = 0; i < n; i++) {
    const j = iv[i]!;
    if (j < 0 || j >= limit || !Number.isInteger(j)) { bad(j); out[i] = -1; } else out[i] = base + (j - pos[dim]!) * t.strides[dim]!;
    for (let d = nd - 1; d >= 0; d--) {
      base += t.strides[d]!;
      if (++pos[d]! < index.shape[d]!) break;
      base -= t.strides[d]! * index.shape[d]!;
      pos[d] = 0;
    }
  }
  return out;
}

/**
 * The required tier. `report(error)` gets the errors only the data reveals (an index out of range, an
 * integer division by zero): a synchronous backend throws it; an asynchronous one keeps it for the next read.
 */
export function referenceKernels(report: (error: Error) => void): Required<Pick<KernelTable<Buf>, RequiredKernel>> {
  const badIndex = (op: string, size: number) => (j: number) =>
    report(new IndexError(`${op}: index ${j} is out of bounds for a dim of size ${size} (valid: 0..${size - 1})`));
  const table: Record<string, Kernel> = {
    copy: ([src], [dst]) => {
      const v = read(src!).slice(), offs = stridedOffsets(dst!.shape, dst!.strides, dst!.offset);
      for (let i = 0; i < offs.length; i++) dst!.buffer[offs[i]!] = store(dst!.dtype, v[i]!);
    },
    cast: ([x], [out]) => write(out!, read(x!)),
    fill: (_, [out], { value }) => write(out!, new Float64Array(size(out!.shape)).fill(value as number)),
    arange: (_, [out], { start, step }) => write(out!, Float64Array.from({ length: size(out!.shape) }, (_, i) => (start as number) + i * (step as number))),
    random: (_, [out], a) => {
      const [k0, k1] = a.key as [number, number], c = a.counter as number, n = size(out!.shape);
      const draw = a.dist === 'uniform'
        ? (i: number) => ((a.low as number | undefined) ?? 0) + (((a.high as number | undefined) ?? 1) - ((a.low as number | undefined) ?? 0)) * uniformAt(k0, k1, c + i)
        : (i: number) => ((a.mean as number | undefined) ?? 0) + ((a.std as number | undefined) ?? 1) * normalAt(k0, k1, c + i);
      write(out!, Float64Array.from({ length: n }, (_, i) => draw(i)));
    },
    neg: map1((x) => -x), abs: map1(Math.abs), exp: map1(Math.exp), log: map1(Math.log), log1p: map1(Math.log1p),
    expm1: map1(Math.expm1), sqrt: map1(Math.sqrt), sin: map1(Math.sin), cos: map1(Math.cos), tanh: map1(Math.tanh),
    floor: map1(Math.floor), ceil: map1(Math.ceil), round: map1(roundHalfEven),
    sign: map1((x) => +(x > 0) - +(x < 0)), // torch: sign(NaN) = 0
    ...Object.fromEntries(Object.entries(BINARY).map(([k, f]) => [k, map2(f)])),
    remainder: (inputs, outputs, attrs) => {
      if (isIntegral(outputs[0]!.dtype) && read(inputs[1]!).includes(0)) report(new ZeroDivisionError(`remainder: integer division by zero (${outputs[0]!.dtype})`));
      map2(pythonMod)(inputs, outputs, attrs);
    },
    where: ([c, a, b], [out]) => {
      const cv = read(c!), av = read(a!), bv = read(b!), r = new Float64Array(cv.length);
      for (let i = 0; i < cv.length; i++) r[i] = cv[i] ? av[i]! : bv[i]!;
      write(out!, r);
    },
    sum: reduce((xs) => xs.reduce((s, x) => s + x, 0)),
    prod: reduce((xs) => xs.reduce((s, x) => s * x, 1)),
    max: reduce((xs) => xs[argBest(xs, (a, b) => a > b)]!),
    min: reduce((xs) => xs[argBest(xs, (a, b) => a < b)]!),
    argmax: reduce((xs) => argBest(xs, (a, b) => a > b)),
    argmin: reduce((xs) => argBest(xs, (a, b) => a < b)),
    cumsum: ([x], [out]) => {
      const v = read(x!).slice(), n = x!.shape[x!.shape.length - 1] ?? 1;
      for (let i = 0; i < v.length; i++) if (i % n !== 0) v[i]! += v[i - 1]!;
      write(out!, v);
    },
    gather: ([src, index], [out], { dim }) => {
      const offs = indexedOffsets(src!, index!, dim as number, badIndex('gather', src!.shape[dim as number]!));
      write(out!, Float64Array.from(offs, (o) => (o < 0 ? 0 : src!.buffer[o]!)));
    },
    scatterAdd: ([self, index, src], [out], { dim }) => {
      write(out!, read(self!));
      const dense: T = { ...out!, strides: contiguous(out!.shape), offset: out!.offset };
      const offs = indexedOffsets(dense, index!, dim as number, badIndex('scatterAdd', self!.shape[dim as number]!));
      const sv = read({ ...src!, shape: index!.shape });
      for (let i = 0; i < offs.length; i++) if (offs[i]! >= 0) out!.buffer[offs[i]!] = store(out!.dtype, out!.buffer[offs[i]!]! + sv[i]!);
    },
    matmul: ([a, b], [out]) => {
      const r = a!.shape.length, M = a!.shape[r - 2]!, K = a!.shape[r - 1]!, N = b!.shape[r - 1]!;
      const av = read(a!), bv = read(b!), batches = size(a!.shape.slice(0, r - 2)), res = new Float64Array(batches * M * N);
      for (let p = 0; p < batches; p++) {
        for (let i = 0; i < M; i++) {
          const row = p * M * N + i * N;
          for (let k = 0; k < K; k++) {
            const x = av[p * M * K + i * K + k]!, bo = p * K * N + k * N;
            for (let j = 0; j < N; j++) res[row + j]! += x * bv[bo + j]!;
          }
        }
      }
      write(out!, res);
    },
  };
  return table as unknown as ReturnType<typeof referenceKernels>;
}

export function contiguous(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  for (let i = shape.length - 1, acc = 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]!; }
  return s;
}
