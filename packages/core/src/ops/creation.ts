// Creating tensors: from data, constant fills, ranges, identity, random draws.
import type { DType, HostArray } from '../dtype.js';
import { floatToBfloatBits, floatToHalfBits, hostArray, isFloating, representable } from '../dtype.js';
import { allocate, apply, launch, makeTensor } from '../dispatch.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { checkOptions, optionKeys } from '../names.js';
import { Storage } from '../memory.js';
import { nextCounters, uniformAt } from '../random.js';
import { getBackend, getDefaultDevice } from '../registry.js';
import { checkShape, contiguousStrides, numel, parseShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { Scalar } from './util.js';

/**
 * Options of the creation functions.
 * @property dtype - the element type (default: float32 for numbers, or what the data implies)
 * @property device - the device (default: the default device)
 * @property requiresGrad - make the tensor a leaf that requires grad (needs `@flint/autograd`)
 */
export interface CreateOptions { dtype?: DType; device?: string; requiresGrad?: boolean }
const CREATE_KEYS = optionKeys<CreateOptions>()('dtype', 'device', 'requiresGrad');
const createOpts = (op: string, opts: CreateOptions | undefined): CreateOptions => { checkOptions(op, opts, CREATE_KEYS); return opts ?? {}; };
/** Values for {@link tensor}: a number, boolean or bigint, or nested arrays of them. */
export type NestedData = number | boolean | bigint | readonly NestedData[];
/** What {@link tensor} accepts: nested arrays or a typed array (whose type picks the dtype). */
export type TensorData = NestedData | Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

function finish(t: Tensor, opts: CreateOptions | undefined): Tensor {
  if (opts?.requiresGrad) t.requiresGrad_(true);
  return t;
}

function inferShape(data: NestedData): number[] {
  const shape: number[] = [];
  let d: NestedData = data;
  while (Array.isArray(d)) { shape.push(d.length); d = d[0] as NestedData; }
  return shape;
}

function flatten(data: NestedData, shape: number[], out: (number | boolean | bigint)[], dim = 0): void {
  if (dim === shape.length) {
    if (Array.isArray(data)) throw new ShapeError(`tensor: nested lists have ragged lengths (expected shape ${fmtShape(shape)})`);
    if (typeof data !== 'number' && typeof data !== 'boolean' && typeof data !== 'bigint') throw new DTypeError(`tensor: unsupported element ${String(data)} (${typeof data}); use numbers, booleans or bigints`);
    out.push(data as number | boolean | bigint);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) throw new ShapeError(`tensor: nested lists have ragged lengths at depth ${dim} (expected ${shape[dim]} elements per list for shape ${fmtShape(shape)})`);
  for (const x of data) flatten(x, shape, out, dim + 1);
}

function inferDType(values: readonly (number | boolean | bigint)[]): DType {
  if (values.length === 0) return 'float32';
  if (values.every((v) => typeof v === 'boolean')) return 'bool';
  if (values.every((v) => typeof v === 'bigint')) return 'int64';
  return 'float32';
}

const typedDType = (d: ArrayBufferView): DType | undefined =>
  d instanceof Float32Array ? 'float32' : d instanceof Float64Array ? 'float64' : d instanceof Int32Array ? 'int32'
    : d instanceof BigInt64Array ? 'int64' : d instanceof Uint8Array ? 'uint8' : undefined;

/** Convert JS values to the host array the backend contract uses for dtype. */
export function toHost(values: ArrayLike<number | boolean | bigint>, dtype: DType): HostArray {
  const out = hostArray(dtype, values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (dtype === 'int64') (out as BigInt64Array)[i] = typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
    else if (dtype === 'float16') out[i] = floatToHalfBits(Number(v));
    else if (dtype === 'bfloat16') out[i] = floatToBfloatBits(Number(v));
    else if (dtype === 'bool') out[i] = v ? 1 : 0;
    else (out as Float64Array)[i] = Number(v);
  }
  return out;
}

/** A tensor from nested arrays, a typed array, or a scalar (PyTorch's torch.tensor). */
export function tensor(data: TensorData, opts: CreateOptions = {}): Tensor {
  checkOptions('tensor', opts, CREATE_KEYS);
  const device = opts.device ?? getDefaultDevice();
  let shape: number[], values: ArrayLike<number | boolean | bigint>, dtype: DType;
  if (ArrayBuffer.isView(data)) {
    shape = [(data as unknown as ArrayLike<number>).length];
    values = data as unknown as ArrayLike<number>;
    dtype = opts.dtype ?? typedDType(data) ?? 'float32';
  } else {
    shape = inferShape(data as NestedData);
    const flat: (number | boolean | bigint)[] = [];
    flatten(data as NestedData, shape, flat);
    values = flat;
    dtype = opts.dtype ?? inferDType(flat);
  }
  const t = allocate(device, dtype, shape);
  t.storage.backend.write(t.storage.buffer, dtype, toHost(values, dtype), 0);
  return finish(t, opts);
}

/** Zero-copy wrap of a typed array (CPU-style backends); falls back to a copy elsewhere. */
export function fromBlob(data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array, shape?: readonly number[], opts: { device?: string; dtype?: DType } = {}): Tensor {
  checkOptions('fromBlob', opts, ['device', 'dtype']);
  const s = shape ? [...shape] : [data.length];
  if (numel(s) !== data.length) throw new ShapeError(`fromBlob: shape ${fmtShape(s)} needs ${numel(s)} elements, the array has ${data.length}`);
  const device = opts.device ?? getDefaultDevice();
  const dtype = opts.dtype ?? typedDType(data)!;
  const backend = getBackend(device);
  const buf = backend.wrap?.(dtype, data);
  if (buf === undefined) return apply('fromBlob', [], {}, () => tensor(data, { device, dtype }).reshape(s).contiguous());
  return makeTensor(new Storage(backend, device, buf, dtype, data.length), s, contiguousStrides(s), 0);
}

type ShapeArgs = (number | readonly number[] | CreateOptions)[];
function splitArgs(op: string, args: ShapeArgs): [number[], CreateOptions] {
  const last = args[args.length - 1];
  const opts = last !== undefined && typeof last === 'object' && !Array.isArray(last) ? (args.pop() as CreateOptions) : {};
  const shape = parseShape(args as (number | number[])[]);
  checkShape(op, shape);
  return [shape, createOpts(op, opts)];
}

/** full(shape, value, opts): a tensor filled with value. */
export function full(shape: readonly number[], value: Scalar, opts: CreateOptions = {}): Tensor {
  checkShape('full', shape);
  checkOptions('full', opts, CREATE_KEYS);
  if (typeof value !== 'number' && typeof value !== 'boolean' && typeof value !== 'bigint') {
    throw new TypeError(`full: the fill value must be a number, boolean or bigint, got ${value === null ? 'null' : typeof value} ${String(JSON.stringify(value))}`);
  }
  const dtype = opts.dtype ?? (typeof value === 'boolean' ? 'bool' : typeof value === 'bigint' ? 'int64' : 'float32');
  return apply('full', [], { shape, value, dtype }, () => {
    const t = allocate(opts.device ?? getDefaultDevice(), dtype, shape);
    // a bigint past 2^53 doesn't survive the fill kernel's number: write it exactly instead
    if (dtype === 'int64' && typeof value === 'bigint' && !Number.isSafeInteger(Number(value))) t.storage.backend.write(t.storage.buffer, dtype, new BigInt64Array(numel(shape)).fill(BigInt.asIntN(64, value)), 0);
    else launch('fill', [], [t], { value: representable(value, dtype) });
    return finish(t, opts);
  });
}

/** A tensor of zeros: `zeros([2, 3])` or `zeros(2, 3, { dtype })`. */
export const zeros = (...args: ShapeArgs): Tensor => { const [s, o] = splitArgs('zeros', args); return full(s, 0, o); };
/** A tensor of ones: `ones([2, 3])` or `ones(2, 3, { dtype })`. */
export const ones = (...args: ShapeArgs): Tensor => { const [s, o] = splitArgs('ones', args); return full(s, 1, o); };
/** Uninitialised in PyTorch; zero-filled here (the same cost on our backends, and deterministic). */
export const empty = (...args: ShapeArgs): Tensor => { const [s, o] = splitArgs('empty', args); return full(s, 0, o); };

const likeOpts = (op: string, t: Tensor, opts: CreateOptions): CreateOptions => ({ dtype: t.dtype, device: t.device, ...createOpts(op, opts) });
/** Zeros with the shape, dtype and device of `t` (unless `opts` says otherwise). */
export const zerosLike = (t: Tensor, opts: CreateOptions = {}): Tensor => full(t.shape, 0, likeOpts('zerosLike', t, opts));
/** Ones with the shape, dtype and device of `t` (unless `opts` says otherwise). */
export const onesLike = (t: Tensor, opts: CreateOptions = {}): Tensor => full(t.shape, 1, likeOpts('onesLike', t, opts));
/** An uninitialised tensor like `t` (zero-filled here, as {@link empty}). */
export const emptyLike = (t: Tensor, opts: CreateOptions = {}): Tensor => full(t.shape, 0, likeOpts('emptyLike', t, opts));
/** A tensor like `t` filled with `value`. */
export const fullLike = (t: Tensor, value: Scalar, opts: CreateOptions = {}): Tensor => full(t.shape, value, likeOpts('fullLike', t, opts));

/** arange(end) or arange(start, end, step?, opts?); int64 when every argument is an integer, like torch. */
export function arange(a: number, b?: number | CreateOptions, c?: number | CreateOptions, d?: CreateOptions): Tensor {
  let start = 0, end: number, step = 1, opts: CreateOptions = {};
  if (typeof b !== 'number') { end = a; opts = b ?? {}; } else {
    start = a; end = b;
    if (typeof c === 'number') { step = c; opts = d ?? {}; } else opts = c ?? {};
  }
  checkOptions('arange', opts, CREATE_KEYS);
  const dtype = opts.dtype ?? ([start, end, step].every(Number.isInteger) ? 'int64' : 'float32');
  // for an integer dtype torch converts start, end and step to it first
  if (!isFloating(dtype)) [start, end, step] = [start, end, step].map(Math.trunc) as [number, number, number];
  if (step === 0) throw new ShapeError(`arange: step must be nonzero${isFloating(dtype) ? '' : ` (it truncates to 0 in ${dtype})`}`);
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new ShapeError(`arange: start and end must be finite, got ${start} and ${end}`);
  if ((end - start) / step < 0) throw new ShapeError(`arange: upper bound and larger bound inconsistent with step sign (start ${start}, end ${end}, step ${step})`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  return apply('arange', [], { start, end, step, dtype }, () => {
    const t = allocate(opts.device ?? getDefaultDevice(), dtype, [n]);
    launch('arange', [], [t], { start, step });
    return finish(t, opts);
  });
}

/** `steps` evenly spaced values from start to end inclusive. */
export function linspace(start: number, end: number, steps: number, opts: CreateOptions = {}): Tensor {
  checkOptions('linspace', opts, CREATE_KEYS);
  if (!Number.isInteger(steps) || steps < 0) throw new ShapeError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const dtype = opts.dtype ?? 'float32';
  // for an integer dtype torch converts the bounds first, then truncates each value
  if (!isFloating(dtype)) [start, end] = [Math.trunc(start), Math.trunc(end)];
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  // torch fills the second half from the end so the last value is exactly `end`
  const values = Array.from({ length: steps }, (_, i) => (i < steps / 2 ? start + step * i : end - step * (steps - 1 - i)));
  return tensor(values, { ...opts, dtype });
}

/** Identity matrix n x m. */
export function eye(n: number, m?: number | CreateOptions, opts: CreateOptions = {}): Tensor {
  if (typeof m === 'object') { opts = m; m = undefined; }
  checkOptions('eye', opts, CREATE_KEYS);
  const cols = m ?? n;
  checkShape('eye', [n, cols]);
  const values = new Float64Array(n * cols);
  for (let i = 0; i < Math.min(n, cols); i++) values[i * cols + i] = 1;
  return apply('eye', [], { n, m: cols }, () => finish(tensor(values, { device: opts.device, dtype: opts.dtype ?? 'float32' }).reshape(n, cols).contiguous(), opts));
}

type Distribution = { dist: 'uniform'; low: number; high: number } | { dist: 'normal'; mean: number; std: number };

function randomFill(op: 'rand' | 'randn' | 'randint', shape: number[], opts: CreateOptions, attrs: Distribution): Tensor {
  const dtype = opts.dtype ?? 'float32';
  if (!isFloating(dtype) && op !== 'randint') throw new DTypeError(`${op}: dtype must be floating point, got ${dtype}`);
  const n = numel(shape);
  const { key, counter } = nextCounters(n);
  return apply(op, [], { shape, dtype }, () => {
    const t = allocate(opts.device ?? getDefaultDevice(), dtype, shape);
    launch('random', [], [t], { ...attrs, key, counter });
    return finish(t, opts);
  });
}

/** Uniform [0, 1). */
export const rand = (...args: ShapeArgs): Tensor => { const [s, o] = splitArgs('rand', args); return randomFill('rand', s, o, { dist: 'uniform', low: 0, high: 1 }); };
/** Standard normal. */
export const randn = (...args: ShapeArgs): Tensor => { const [s, o] = splitArgs('randn', args); return randomFill('randn', s, o, { dist: 'normal', mean: 0, std: 1 }); };

/** Integers uniformly in [low, high); int64 unless opts.dtype says otherwise. */
export function randint(low: number, high: number, shape: readonly number[], opts: CreateOptions = {}): Tensor {
  checkOptions('randint', opts, CREATE_KEYS);
  if (!(high > low)) throw new ShapeError(`randint: high (${high}) must be greater than low (${low})`);
  checkShape('randint', shape);
  const dtype = opts.dtype ?? 'int64';
  return apply('randint', [], { low, high, dtype }, () => {
    // float64 keeps ranges past 2^24 exact; a device without it (WebGPU) draws in float32, clamped below high
    const wide = getBackend(opts.device ?? getDefaultDevice()).dtypes.float64?.storage ?? false;
    const u = randomFill('randint', [...shape], { device: opts.device, dtype: wide ? 'float64' : 'float32' }, { dist: 'uniform', low: 0, high: 1 });
    const scaled = u.mul(high - low).floor();
    return finish((wide ? scaled : scaled.clamp(null, high - low - 1)).add(low).to(dtype), opts);
  });
}

/** A random permutation of 0..n-1 (drawn on the host from the global generator, then uploaded). */
export function randperm(n: number, opts: CreateOptions = {}): Tensor {
  checkOptions('randperm', opts, CREATE_KEYS);
  if (!Number.isInteger(n) || n < 0) throw new ShapeError(`randperm: n must be a non-negative integer, got ${n}`);
  const { key, counter } = nextCounters(n);
  const perm = Array.from({ length: n }, (_, i) => i);
  // Fisher–Yates driven by the counter-based stream
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniformAt(key[0], key[1], counter + i) * (i + 1));
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  return tensor(perm, { ...opts, dtype: opts.dtype ?? 'int64' });
}

