// Memory-bound float32 loops in WebAssembly SIMD: dense binary arithmetic, relu's gradient, batch norm's
// passes and the Adam and SGD updates. A JS loop over Float32Arrays converts every element to a double and
// back and checks bounds on each access: 1-2.5 ns per element here, where copying a chunk into wasm memory
// (TypedArray.set is a memcpy, ~0.13 ns per float), running four lanes at a time and copying it out costs
// ~0.4. Each call gathers up to CHUNK floats per operand into that operand's slot, so a chunk stays in L1/L2.
// The maps are float32 arithmetic with IEEE rounding per op, which is what the JS loops store (a double op
// on two floats, rounded to float32, is the float32 op): the same bits. The sums accumulate in float64 lanes.
import type { E } from './wasm-math.js';
import { beginBody, constPrologue, dadd, dmul, dsub, fadd, fdiv, fgt, fmul, fne, fsqrt, fsub, get, k, localsEnd, newLocal, promote, set, vand } from './wasm-math.js';
import { ADD, BLOCK, BR_IF, CONST, END, EQ, F32, F64, GE_U, GET, I32, IF, LOOP, LT_U, SET, SHL, V128, V128_LOAD, V128_STORE, addConst, funcBody, load, section, simd, str, vec } from './wasm-asm.js';

/** Floats per operand slot. */
export const CHUNK = 4096;
const SLOT_BYTES = CHUNK * 4;
/** Operand slots: CHUNK floats each, two 64 KiB pages. */
const SLOTS = 8;
/** Column block width of streamColSums (floats): its accumulators fill slots 4 to 7 as doubles. */
const COL_BLOCK = 2 * CHUNK;
const SCALARS = 7;

/** Reads a slot's four floats at the loop's position (loaded once per iteration). */
type Slot = (slot: number) => E;
/** The values a map stores, each to its slot, from its slots and its scalars (splatted). */
type MapSpec = (x: Slot, s: (i: number) => E) => Array<[slot: number, value: E]>;
/** A sum's f64x2 terms for the low and high two lanes, from its slots and the float64 scalar m. */
type SumSpec = (x: Slot, m: E) => [low: E, high: E];

/**
 * The shared loop f(start, n, ...params): param 0 = the first byte (slot-relative, advancing as the index),
 * param 1 = n floats (a multiple of 4; turned into the end byte); v128 locals after the parameters. `body`
 * is built once the slot loader exists, and returns [per-iteration code, epilogue].
 */
function loopFunction(params: number, prologue: () => number[], body: (x: Slot) => [number[], number[]]): number[] {
  const first = params + 2;
  beginBody(first);
  const pre = prologue();
  const loaded = new Map<number, number>();
  const x: Slot = (slot) => {
    if (!loaded.has(slot)) loaded.set(slot, newLocal());
    return get(loaded.get(slot)!);
  };
  const [code, epilogue] = body(x);
  const loads = [...loaded].flatMap(([slot, l]) => [GET, 0, ...load(V128_LOAD, slot * SLOT_BYTES), SET, l]);
  return funcBody([[localsEnd() - first, V128]], [
    ...pre, ...constPrologue(),
    GET, 1, CONST, 2, SHL, GET, 0, ADD, SET, 1,
    ...BLOCK, GET, 0, GET, 1, GE_U, BR_IF, 0, ...LOOP,
    ...loads, ...code,
    ...addConst(0, 16), GET, 0, GET, 1, LT_U, BR_IF, 0, END, END,
    ...epilogue, END,
  ]);
}

function mapBody(spec: MapSpec): number[] {
  let S: number[] = [];
  return loopFunction(SCALARS, () => {
    S = Array.from({ length: SCALARS }, () => newLocal());
    return S.flatMap((l, i) => [GET, 2 + i, ...simd(0x13), SET, l]);
  }, (x) => {
    const outs = spec(x, (i) => get(S[i]!));
    // every value goes to a local before any store: an output slot may also be an input
    const tmp = outs.map(() => newLocal());
    return [[
      ...outs.flatMap(([, v], i) => set(tmp[i]!, v)),
      ...outs.flatMap(([slot], i) => [GET, 0, GET, tmp[i]!, ...load(V128_STORE, slot * SLOT_BYTES)]),
    ], []];
  });
}

function sumBody(spec: SumSpec): number[] {
  let M = 0, A0 = 0, A1 = 0;
  return loopFunction(1, () => {
    M = newLocal(); A0 = newLocal(); A1 = newLocal();
    return [GET, 2, ...simd(0x14), SET, M];
  }, (x) => {
    const [lo, hi] = spec(x, get(M));
    return [[...set(A0, dadd(get(A0), lo)), ...set(A1, dadd(get(A1), hi))], [
      ...set(A0, dadd(get(A0), get(A1))), GET, A0, ...simd(0x21), 0, GET, A0, ...simd(0x21), 1, 0xa0 /* f64.add */,
    ]];
  });
}

/** The lanes relu keeps (and its gradient passes): all ones where v > 0 or v is NaN, else zero. */
const positiveOrNaN = (o: E): E => [...fgt(o, k(0)), ...fne(o, o), ...simd(0x50)];
const MAPS = {
  add: ((x) => [[0, fadd(x(0), x(1))]]) as MapSpec,
  sub: ((x) => [[0, fsub(x(0), x(1))]]) as MapSpec,
  mul: ((x) => [[0, fmul(x(0), x(1))]]) as MapSpec,
  div: ((x) => [[0, fdiv(x(0), x(1))]]) as MapSpec,
  reluGrad: ((x) => [[0, vand(x(0), positiveOrNaN(x(1)))]]) as MapSpec,
  // the same in place, from relu's output in slot 2 (batchNormReluBackward: g, x, out in slots 0, 1, 2)
  reluGradBy2: ((x) => [[0, vand(x(0), positiveOrNaN(x(2)))]]) as MapSpec,
  // batch norm, into slot 4 (so a segment's last group may spill into the next segment's output, which
  // that segment's call then overwrites): y = (x - mean) * scale + bias; s = mean, scale, bias
  bnApply: ((x, s) => [[4, fadd(fmul(fsub(x(0), s(0)), s(1)), s(2))]]) as MapSpec,
  // the same, then relu (batchNormRelu): +0 where y is not positive, a NaN kept
  bnApplyRelu: ((x, s) => {
    const Y = newLocal();
    return [[4, [...set(Y, fadd(fmul(fsub(x(0), s(0)), s(1)), s(2))), ...vand(get(Y), positiveOrNaN(get(Y)))]]];
  }) as MapSpec,
  // its input gradient from g (slot 0) and x (slot 1): k ((g - gMean) - (x - mean) proj); s = k, gMean, mean, proj
  bnGrad: ((x, s) => [[4, fmul(s(0), fsub(fsub(x(0), s(1)), fmul(fsub(x(1), s(2)), s(3))))]]) as MapSpec,
  // Adam, slots p, g, m, v; s = beta1, 1 - beta1, beta2, 1 - beta2, sqrt(bias correction 2), eps, -step size
  adam: ((x, s) => {
    const m = fadd(fmul(x(2), s(0)), fmul(x(1), s(1)));
    const v = fadd(fmul(x(3), s(2)), fmul(fmul(x(1), s(3)), x(1)));
    const M = newLocal(), V = newLocal();
    return [[2, [...set(M, m), ...get(M)]], [3, [...set(V, v), ...get(V)]],
      [0, fadd(x(0), fdiv(fmul(get(M), s(6)), fadd(fdiv(fsqrt(get(V)), s(4)), s(5))))]];
  }) as MapSpec,
  // SGD with momentum, slots p, g, buf; s = momentum, 1 - dampening, -lr
  sgd: ((x, s) => {
    const B = newLocal();
    return [[2, [...set(B, fadd(fmul(x(2), s(0)), fmul(x(1), s(1)))), ...get(B)]], [0, fadd(x(0), fmul(get(B), s(2)))]];
  }) as MapSpec,
};
const square = (e: E): E => { const D = newLocal(); return [...set(D, e), ...dmul(get(D), get(D))]; };
const SUMS = {
  sum: ((x) => [promote(x(0)), promote(x(0), true)]) as SumSpec,
  sumSq: ((x) => [square(promote(x(0))), square(promote(x(0), true))]) as SumSpec,
  sumProd: ((x) => [dmul(promote(x(0)), promote(x(1))), dmul(promote(x(0), true), promote(x(1), true))]) as SumSpec,
  sumSqDev: ((x, m) => [square(dsub(promote(x(0)), m)), square(dsub(promote(x(0), true), m))]) as SumSpec,
  // sum of g (slot 0) times (x (slot 1) - m)
  sumProdDev: ((x, m) => [dmul(promote(x(0)), dsub(promote(x(1)), m)), dmul(promote(x(0), true), dsub(promote(x(1), true), m))]) as SumSpec,
};
export type StreamMap = keyof typeof MAPS;
export type StreamSum = keyof typeof SUMS;
const MAP_NAMES = Object.keys(MAPS) as StreamMap[], SUM_NAMES = Object.keys(SUMS) as StreamSum[];

/**
 * colSum(src, n, width, acc): float64 acc[j] += float32 src[r * width + j] for the n floats from byte src
 * (whole rows of `width` floats, a multiple of 4), row after row: each column's adds in row order, as the
 * JS loop makes them. acc: `width` doubles from byte acc.
 */
function colSumBody(): number[] {
  beginBody(4);
  const END_AT = newLocal(), J = newLocal(), V = newLocal(), AT = newLocal();
  const addInto = (offset: number, high: boolean): number[] =>
    [GET, AT, ...dadd([GET, AT, ...load(V128_LOAD, offset)], promote(get(V), high)), ...load(V128_STORE, offset)];
  return funcBody([[2, I32], [1, V128], [1, I32]], [
    GET, 1, CONST, 2, SHL, GET, 0, ADD, SET, END_AT,
    GET, 2, CONST, 2, SHL, SET, 2,
    ...BLOCK, GET, 0, GET, END_AT, GE_U, BR_IF, 0, ...LOOP,
    GET, 0, ...load(V128_LOAD, 0), SET, V,
    // a double per float: the column's accumulator is at acc + 2 * (byte in the row)
    GET, 3, GET, J, CONST, 1, SHL, ADD, SET, AT,
    ...addInto(0, false), ...addInto(16, true),
    ...addConst(0, 16), ...addConst(J, 16),
    GET, J, GET, 2, EQ, ...IF, CONST, 0, SET, J, END,
    GET, 0, GET, END_AT, LT_U, BR_IF, 0, END, END,
    END,
  ]);
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[I32], [I32], ...Array.from({ length: SCALARS }, () => [F32])]), 0], [0x60, ...vec([[I32], [I32], [F64]]), 1, F64],
      [0x60, ...vec([[I32], [I32], [I32], [I32]]), 0]])),
    ...section(2, vec([[...str('e'), ...str('m'), 0x02, 0x00, (SLOTS * SLOT_BYTES) >> 16]])),
    ...section(3, vec([...MAP_NAMES.map(() => [0]), ...SUM_NAMES.map(() => [1]), [2]])),
    ...section(7, vec([...MAP_NAMES, ...SUM_NAMES, 'colSum'].map((name, i) => [...str(name), 0x00, i]))),
    ...section(10, vec([...MAP_NAMES.map((n) => mapBody(MAPS[n])), ...SUM_NAMES.map((n) => sumBody(SUMS[n])), colSumBody()])),
  ]);
}

type MapFn = (start: number, n: number, s0: number, s1: number, s2: number, s3: number, s4: number, s5: number, s6: number) => void;
type SumFn = (start: number, n: number, m: number) => number;
/** The instantiated loops and their memory (slot j at float j * CHUNK). */
export interface Stream {
  f32: Float32Array; maps: Record<StreamMap, MapFn>; sums: Record<StreamSum, SumFn>;
  colSum: (src: number, n: number, width: number, acc: number) => void;
  /** Slots 4 to 7 as doubles (colSum's accumulators). */
  acc64: Float64Array;
}

/** Instantiates the module, or null where the engine lacks WebAssembly SIMD. */
export function buildStream(): Stream | null {
  try {
    const g = globalThis as { WebAssembly?: typeof WebAssembly };
    const bytes = moduleBytes();
    if (!g.WebAssembly || !WebAssembly.validate(bytes)) return null;
    const memory = new WebAssembly.Memory({ initial: (SLOTS * SLOT_BYTES) >> 16 });
    const e = new WebAssembly.Instance(new WebAssembly.Module(bytes), { e: { m: memory } }).exports;
    return {
      f32: new Float32Array(memory.buffer), acc64: new Float64Array(memory.buffer, 4 * SLOT_BYTES, COL_BLOCK),
      maps: Object.fromEntries(MAP_NAMES.map((n) => [n, e[n]])) as Stream['maps'],
      sums: Object.fromEntries(SUM_NAMES.map((n) => [n, e[n]])) as Stream['sums'],
      colSum: e.colSum as Stream['colSum'],
    };
  } catch {
    return null;
  }
}

let cached: Stream | null | undefined;
let enabled = true;
const stream = (): Stream | null => (!enabled ? null : cached === undefined ? (cached = buildStream()) : cached);
/** Turns the SIMD loops off (true) or back on, so tests can compare them with the JS loops. */
export function setStreamDisabled(off: boolean): void { enabled = !off; }
/** Whether the SIMD loops are available and on. */
export const streamAvailable = (): boolean => stream() !== null;

/** Below this many floats the JS loop wins: the copies and the call into wasm cost more than they save. */
export const STREAM_MIN = 64;

/** The last gather's pieces: (offset in the row set, length, position in the slots), three ints each. */
const pieces = new Int32Array(3 * CHUNK);

/**
 * Copies the next CHUNK floats (or fewer, at the end) of a strided set of rows into the slots, from `pos`
 * (row, column; advanced): `rows` rows of `len` floats, row r of operand j at srcOff[j] + r * stride (a dense
 * run is one row); null operands are skipped. Returns the floats filled and the pieces' int count.
 */
function gather(w: Stream, src: ReadonlyArray<Float32Array | null>, srcOff: readonly number[], rows: number, len: number, stride: number, pos: [number, number]): [fill: number, count: number] {
  const f32 = w.f32;
  let fill = 0, np = 0, [r, j] = pos;
  while (r < rows && fill < CHUNK) {
    const m = Math.min(len - j, CHUNK - fill), o = r * stride + j;
    for (let s = 0; s < src.length; s++) {
      const A = src[s];
      if (!A) continue;
      const b = srcOff[s]! + o;
      // a short piece (a 7x7 plane) copies faster element by element than through a subarray view
      if (m < 32) for (let i = 0, t = s * CHUNK + fill; i < m; i++) f32[t + i] = A[b + i]!;
      else f32.set(A.subarray(b, b + m), s * CHUNK + fill);
    }
    pieces[np++] = o; pieces[np++] = m; pieces[np++] = fill;
    fill += m; j += m;
    if (j === len) { j = 0; r++; }
  }
  pos[0] = r; pos[1] = j;
  return [fill, np];
}

/**
 * Runs a map over rows × len floats: operand slot j reads src[j] (if given) and, after the map, its slot is
 * written to dst[j] (if given). False (nothing read or written) where the loops are off or unavailable.
 */
export function streamMap(map: StreamMap, src: ReadonlyArray<Float32Array | null>, srcOff: readonly number[], dst: ReadonlyArray<Float32Array | null>, dstOff: readonly number[],
  rows: number, len: number, stride: number, s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0): boolean {
  const w = stream();
  if (!w) return false;
  if (rows === 0 || len === 0) return true;
  const fn = w.maps[map], f32 = w.f32, pos: [number, number] = [0, 0];
  while (pos[0] < rows) {
    const [fill, np] = gather(w, src, srcOff, rows, len, stride, pos);
    fn(0, (fill + 3) & ~3, s0, s1, s2, s3, s4, s5, s6);
    for (let s = 0; s < dst.length; s++) {
      const D = dst[s];
      if (!D) continue;
      for (let p = 0; p < np; p += 3) {
        const o = dstOff[s]! + pieces[p]!, m = pieces[p + 1]!, at = s * CHUNK + pieces[p + 2]!;
        if (m < 32) for (let i = 0; i < m; i++) D[o + i] = f32[at + i]!;
        else D.set(f32.subarray(at, at + m), o);
      }
    }
  }
  return true;
}

/** Each sum's float64 term for one element, for the last (n mod 4) floats the SIMD loop leaves. */
const TAIL: Record<StreamSum, (f32: Float32Array, i: number, m: number) => number> = {
  sum: (f, i) => f[i]!,
  sumSq: (f, i) => f[i]! * f[i]!,
  sumSqDev: (f, i, m) => { const d = f[i]! - m; return d * d; },
  sumProd: (f, i) => f[i]! * f[CHUNK + i]!,
  sumProdDev: (f, i, m) => f[i]! * (f[CHUNK + i]! - m),
};

/**
 * One float64 sum over `len` floats from float `at` of the slots (a gather's fill, or a channelSlabs segment):
 * the SIMD loop over whole groups of four, then the tail.
 */
export function slotSum(w: Stream, sum: StreamSum, at: number, len: number, m = 0): number {
  const n4 = len & ~3, tail = TAIL[sum];
  let s = w.sums[sum](at * 4, n4, m);
  for (let i = at + n4; i < at + len; i++) s += tail(w.f32, i, m);
  return s;
}

/** One float64 sum over rows × len floats (slots as in streamMap); null where the loops are off. */
export function streamSum(sum: StreamSum, src: ReadonlyArray<Float32Array | null>, srcOff: readonly number[], rows: number, len: number, stride: number, m = 0): number | null {
  const w = stream();
  if (!w) return null;
  const pos: [number, number] = [0, 0];
  let acc = 0;
  while (pos[0] < rows && len > 0) acc += slotSum(w, sum, 0, gather(w, src, srcOff, rows, len, stride, pos)[0], m);
  return acc;
}

/**
 * Batch norm's walk over float32 [N, C, S] operands: each n's [C, S] slab is contiguous, so it moves in
 * CHUNK-float pieces, one copy per operand per piece (gathering a channel's N planes would copy each plane
 * alone, and a copy costs ~0.25 us: more than a 7x7 plane's arithmetic). `seg(w, c, at, len)` runs for each
 * channel's run inside the piece (`at` its first float in the slots), after `pre(w, len)` where given (once per
 * piece, over its first `len` floats); slot 4 then goes to dst when given. False (nothing done) where the
 * loops are off.
 */
export function channelSlabs(src: readonly Float32Array[], srcOff: readonly number[], dst: Float32Array | null, dstOff: number,
  N: number, C: number, S: number, seg: (w: Stream, c: number, at: number, len: number) => void, pre?: (w: Stream, len: number) => void): boolean {
  const w = stream();
  if (!w) return false;
  const f32 = w.f32, slab = C * S;
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < slab; p += CHUNK) {
      const m = Math.min(CHUNK, slab - p);
      for (let j = 0; j < src.length; j++) { const b = srcOff[j]! + n * slab + p; f32.set(src[j]!.subarray(b, b + m), j * CHUNK); }
      pre?.(w, m);
      for (let q = 0; q < m;) {
        const c = Math.floor((p + q) / S), e = Math.min(m, (c + 1) * S - p);
        seg(w, c, q, e - q);
        q = e;
      }
      if (dst) dst.set(f32.subarray(4 * CHUNK, 4 * CHUNK + m), dstOff + n * slab + p);
    }
  }
  return true;
}

/** d = a (op) b over n dense floats at the given offsets; false where the JS loop should run. */
export function streamBinary(map: StreamMap, a: Float32Array, ao: number, b: Float32Array, bo: number, d: Float32Array, doff: number, n: number): boolean {
  return n >= STREAM_MIN && a instanceof Float32Array && b instanceof Float32Array && d instanceof Float32Array
    && streamMap(map, [a, b], [ao, bo], [d], [doff], 1, n, 0);
}

/**
 * acc[j] += A[off + a * stride + j] for a < rows, j < L (float64 accumulators, float32 rows), row after row:
 * the bits of the JS loop that adds each row in turn. Rows are staged in slots 0 to 3 (padded to a multiple
 * of 4 floats; one copy for many rows when they are dense), the accumulators in slots 4 to 7. False (nothing
 * done) where the loops are off.
 */
export function streamColSums(A: Float32Array, off: number, rows: number, L: number, stride: number, acc: Float64Array): boolean {
  const w = stream();
  if (!w) return false;
  const f32 = w.f32, f64 = w.acc64;
  for (let c0 = 0; c0 < L; c0 += COL_BLOCK) {
    const W = Math.min(COL_BLOCK, L - c0), W4 = (W + 3) & ~3, per = Math.floor((4 * CHUNK) / W4);
    f64.set(acc.subarray(c0, c0 + W));
    for (let a = 0; a < rows; a += per) {
      const n = Math.min(per, rows - a), base = off + a * stride + c0;
      if (W4 === W && stride === W) f32.set(A.subarray(base, base + n * W));
      else for (let r = 0; r < n; r++) f32.set(A.subarray(base + r * stride, base + r * stride + W), r * W4);
      w.colSum(0, n * W4, W4, 4 * SLOT_BYTES);
    }
    acc.set(f64.subarray(0, W), c0);
  }
  return true;
}
