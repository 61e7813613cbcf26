// A third-party-style backend with only the required kernels, written as plainly as possible: every dtype
// lives in a Float64Array and is rounded to its dtype when stored. Everything else must come from core.
import type { Backend, DType, DTypeSupport, HostArray, Kernel, KernelTensor } from '@flint/core';
import { API_VERSION, DTYPES, IndexError, REQUIRED_KERNELS, hostArray, normalAt, stridedOffsets, uniformAt } from '@flint/core';

type Buf = Float64Array;
type T = KernelTensor<Buf>;

/** Round a double to what `dtype` can hold (int32/uint8 wrap like C, float→int truncates). */
function store(dtype: DType, v: number): number {
  switch (dtype) {
    case 'float32': return Math.fround(v);
    case 'int32': return Number.isFinite(v) ? Math.trunc(v) | 0 : 0;
    case 'int64': return Number.isFinite(v) ? Math.trunc(v) : 0;
    case 'uint8': return Number.isFinite(v) ? Math.trunc(v) & 255 : 0;
    case 'bool': return v !== 0 ? 1 : 0;
    default: return v;
  }
}

const read = (t: T): number[] => Array.from(stridedOffsets(t.shape, t.strides, t.offset), (o) => t.buffer[o]!);
const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
function write(out: T, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) out.buffer[out.offset + i] = store(out.dtype, values[i]!);
}

const unary = (f: (x: number) => number): Kernel<Buf> => ([x], [out]) => write(out!, read(x!).map(f));
const binary = (f: (a: number, b: number) => number): Kernel<Buf> => ([a, b], [out]) => {
  const bv = read(b!);
  write(out!, read(a!).map((x, i) => f(x, bv[i]!)));
};

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
}

function pythonMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/** Reduce the trailing `reduceDims` dims of the input: f sees each group's values in row-major order. */
const reduce = (f: (xs: number[]) => number): Kernel<Buf> => ([x], [out], attrs) => {
  const k = attrs.reduceDims as number;
  const inner = size(x!.shape.slice(x!.shape.length - k));
  const v = read(x!), n = size(out!.shape), res = new Array<number>(n);
  for (let g = 0; g < n; g++) res[g] = f(v.slice(g * inner, (g + 1) * inner));
  write(out!, res);
};

function argBest(xs: number[], better: (a: number, b: number) => boolean): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) {
    if (Number.isNaN(xs[best]!)) break;
    if (Number.isNaN(xs[i]!) || better(xs[i]!, xs[best]!)) best = i;
  }
  return best;
}

/** Row-major multi-index of flat position i in shape. */
function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) { idx[d] = i % shape[d]!; i = Math.floor(i / shape[d]!); }
  return idx;
}
const at = (t: T, idx: number[]): number => idx.reduce((o, v, d) => o + v * t.strides[d]!, t.offset);

const kernels: Record<string, Kernel<Buf>> = {
  copy: ([src], [dst]) => {
    const v = read(src!), offs = stridedOffsets(dst!.shape, dst!.strides, dst!.offset);
    offs.forEach((o, i) => { dst!.buffer[o] = store(dst!.dtype, v[i]!); });
  },
  cast: ([x], [out]) => write(out!, read(x!)),
  fill: (_, [out], { value }) => write(out!, new Array<number>(size(out!.shape)).fill(Number(value))),
  arange: (_, [out], { start, step }) => write(out!, Array.from({ length: size(out!.shape) }, (_, i) => (start as number) + i * (step as number))),
  random: (_, [out], a) => {
    const [k0, k1] = a.key as [number, number], c = a.counter as number, n = size(out!.shape);
    const draw = a.dist === 'uniform'
      ? (i: number) => (a.low as number) + ((a.high as number) - (a.low as number)) * uniformAt(k0, k1, c + i)
      : (i: number) => (a.mean as number) + (a.std as number) * normalAt(k0, k1, c + i);
    write(out!, Array.from({ length: n }, (_, i) => draw(i)));
  },
  neg: unary((x) => -x), abs: unary(Math.abs), exp: unary(Math.exp), log: unary(Math.log), log1p: unary(Math.log1p),
  expm1: unary(Math.expm1), sqrt: unary(Math.sqrt), sin: unary(Math.sin), cos: unary(Math.cos), tanh: unary(Math.tanh),
  floor: unary(Math.floor), ceil: unary(Math.ceil), round: unary(roundHalfEven),
  sign: unary((x) => +(x > 0) - +(x < 0)), // torch: sign(NaN) = 0
  add: binary((a, b) => a + b), sub: binary((a, b) => a - b), mul: binary((a, b) => a * b), div: binary((a, b) => a / b),
  pow: binary((a, b) => a ** b),
  maximum: binary((a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b))),
  minimum: binary((a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b))),
  remainder: binary(pythonMod),
  eq: binary((a, b) => +(a === b)), ne: binary((a, b) => +(a !== b)), lt: binary((a, b) => +(a < b)),
  le: binary((a, b) => +(a <= b)), gt: binary((a, b) => +(a > b)), ge: binary((a, b) => +(a >= b)),
  where: ([c, a, b], [out]) => {
    const cv = read(c!), av = read(a!), bv = read(b!);
    write(out!, cv.map((x, i) => (x ? av[i]! : bv[i]!)));
  },
  sum: reduce((xs) => xs.reduce((s, x) => s + x, 0)),
  prod: reduce((xs) => xs.reduce((s, x) => s * x, 1)),
  max: reduce((xs) => xs[argBest(xs, (a, b) => a > b)]!),
  min: reduce((xs) => xs[argBest(xs, (a, b) => a < b)]!),
  argmax: reduce((xs) => argBest(xs, (a, b) => a > b)),
  argmin: reduce((xs) => argBest(xs, (a, b) => a < b)),
  cumsum: ([x], [out]) => {
    const v = read(x!), n = x!.shape[x!.shape.length - 1] ?? 1;
    for (let i = 0; i < v.length; i++) if (i % n !== 0) v[i]! += v[i - 1]!;
    write(out!, v);
  },
  // the contract: a backend that runs synchronously reports bad indices itself
  gather: ([src, index], [out], { dim }) => {
    const iv = read(index!);
    checkIndices('gather', iv, src!.shape[dim as number]!);
    write(out!, iv.map((j, i) => {
      const idx = unravel(i, index!.shape);
      idx[dim as number] = j;
      return src!.buffer[at(src!, idx)]!;
    }));
  },
  scatterAdd: ([self, index, src], [out], { dim }) => {
    write(out!, read(self!));
    const iv = read(index!);
    checkIndices('scatterAdd', iv, self!.shape[dim as number]!);
    iv.forEach((j, i) => {
      const idx = unravel(i, index!.shape);
      const s = src!.buffer[at(src!, idx)]!;
      idx[dim as number] = j;
      const o = out!.offset + idx.reduce((acc, v, d) => acc * out!.shape[d]! + v, 0);
      out!.buffer[o] = store(out!.dtype, out!.buffer[o]! + s);
    });
  },
  matmul: ([a, b], [out]) => {
    const r = a!.shape.length, M = a!.shape[r - 2]!, K = a!.shape[r - 1]!, N = b!.shape[r - 1]!;
    const av = read(a!), bv = read(b!), batches = size(a!.shape.slice(0, r - 2)), res: number[] = [];
    for (let p = 0; p < batches; p++) {
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += av[p * M * K + i * K + k]! * bv[p * K * N + k * N + j]!;
          res.push(s);
        }
      }
    }
    write(out!, res);
  },
};

const STORED: DType[] = ['float32', 'float64', 'int32', 'int64', 'uint8', 'bool'];

/**
 * The factory; the registry keeps backends of unknown buffer type, and kernels only see buffers made here.
 * `syncRead` adds readSync, for code that reads synchronously (gradcheck); the conformance run stays async.
 */
export const createMinimalBackend = (opts: { syncRead?: boolean } = {}): Backend => makeMinimal(opts.syncRead ?? false) as unknown as Backend;

function makeMinimal(syncRead: boolean): Backend<Buf> {
  const live = new Set<Buf>();
  const dtypes = Object.fromEntries(DTYPES.map((d): [DType, DTypeSupport] => {
    const ok = STORED.includes(d);
    return [d, { storage: ok, arithmetic: ok, accelerated: false }];
  })) as Record<DType, DTypeSupport>;
  return {
    name: 'minimal',
    apiVersion: API_VERSION,
    dtypes,
    syncRead,
    limits: { maxBufferBytes: 2 ** 30 },
    allocate(_dtype, numel) {
      const b = new Float64Array(numel);
      live.add(b);
      return b;
    },
    write(buffer, dtype, data: HostArray, offset = 0) {
      for (let i = 0; i < data.length; i++) buffer[offset + i] = store(dtype, Number(data[i]!));
    },
    async read(buffer, dtype, offset, numel) { return readHost(buffer, dtype, offset, numel); },
    ...(syncRead ? { readSync: readHost } : {}),
    release(buffer) { live.delete(buffer); },
    memory: () => ({ buffers: live.size, bytes: [...live].reduce((s, b) => s + b.byteLength, 0) }),
    kernels: Object.fromEntries(REQUIRED_KERNELS.map((k) => [k, kernels[k]!])),
  };
}

function readHost(buffer: Buf, dtype: DType, offset: number, numel: number): HostArray {
  const out = hostArray(dtype, numel);
  for (let i = 0; i < numel; i++) {
    if (out instanceof BigInt64Array) out[i] = BigInt(buffer[offset + i]!);
    else out[i] = buffer[offset + i]!;
  }
  return out;
}

function checkIndices(op: string, values: number[], size: number): void {
  const bad = values.find((j) => j < 0 || j >= size);
  if (bad !== undefined) throw new IndexError(`${op}: index ${bad} is out of bounds for a dim of size ${size} (valid: 0..${size - 1})`);
}
