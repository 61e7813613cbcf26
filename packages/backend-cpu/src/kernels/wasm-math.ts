// float32 exp, log, tanh, sigmoid and gelu (both forms), and softmax's sum of exp, four lanes at a time in
// WebAssembly SIMD, assembled from bytes like wasm-gemm.ts. Math.exp and friends cost 15-40 ns per element
// in JS (erf-gelu 130); these take 2-8. The algorithms are Cephes' single-precision ones (range reduction +
// polynomials, 1-2 ulp), every lane computing every branch and a bitselect choosing: no per-lane jumps.
import type { NumArray } from '../storage.js';
import { BLOCK, BR_IF, CONST, END, EQZ, F32, F64, GET, I32, LOOP, SET, SUB, TEE, V128, V128_CONST, V128_LOAD, V128_STORE, addConst, funcBody, load, section, simd, str, vec } from './wasm-asm.js';

/** Code that leaves one v128 on the stack. */
export type E = number[];
const op = (code: number) => (...args: E[]): E => [...args.flat(), ...simd(code)];
export const fadd = op(0xe4), fsub = op(0xe5), fmul = op(0xe6), fdiv = op(0xe7), fabs = op(0xe0), fneg = op(0xe1), fsqrt = op(0xe3);
export const pmin = op(0xea), pmax = op(0xeb), feq = op(0x41), fne = op(0x42), flt = op(0x43), fgt = op(0x44), fge = op(0x46);
export const iadd = op(0xae), isub = op(0xb1), vnot = op(0x4d), vand = op(0x4e), vor = op(0x50), cvt = op(0xfa);
export const dadd = op(0xf0), dsub = op(0xf1), dmul = op(0xf2);
/** f64x2 of the low (or, with `high`, the high) two float32 lanes. */
export const promote = (e: E, high = false): E => [...e, ...(high ? [...e, ...simd(0x0d), 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15] : []), ...simd(0x5f)];
/** bitselect: lanes of a where mask m is set, else lanes of b. */
export const sel = (a: E, b: E, m: E): E => op(0x52)(a, b, m);
const shl = (a: E, s: number): E => [...a, CONST, s, ...simd(0xab)];
const shr = (a: E, s: number): E => [...a, CONST, s, ...simd(0xac)];
const shrU = (a: E, s: number): E => [...a, CONST, s, ...simd(0xad)];
// Constants live in locals set before the loop: V8 rebuilds an inline v128.const on every use (several
// instructions), while a local stays in a register or is one load away.
let pool = new Map<string, number>();
let nextLocal = 0;
/** Starts a function body: v128 locals are numbered from `first` (after the parameters), constants pooled afresh. */
export function beginBody(first: number): void { pool = new Map(); nextLocal = first; }
/** A fresh v128 local. */
export const newLocal = (): number => nextLocal++;
/** How many locals beginBody's function has used so far (its first included). */
export const localsEnd = (): number => nextLocal;
/** Code that sets the pooled constant locals, to run before the loop. */
export const constPrologue = (): number[] => [...pool].flatMap(([key, l]) => [...simd(V128_CONST), ...key.split(',').map(Number), SET, l]);
const splat = (arr: Float32Array | Int32Array): E => {
  const key = [...new Uint8Array(arr.buffer)].join();
  if (!pool.has(key)) pool.set(key, nextLocal++);
  return [GET, pool.get(key)!];
};
/** A float32 (k) or int32 (ki) constant in every lane. */
export const k = (v: number): E => splat(new Float32Array(4).fill(v));
export const ki = (v: number): E => splat(new Int32Array(4).fill(v));
export const get = (l: number): E => [GET, l];
export const set = (l: number, e: E): number[] => [...e, SET, l];
const horner = (x: E, cs: readonly number[]): E => cs.slice(1).reduce<E>((acc, c) => fadd(fmul(acc, x), k(c)), k(cs[0]!));

/** Allocates v128 locals (after the three i32 parameters). */
export type Locals = () => number;

// Cephes expf: x = n ln2 + r (ln2 split in two so n*C1 is exact), e^r by a degree-7 polynomial, 2^n as two
// exponent-field scalings so that exp(x) for x in [-103.9, -87.3] becomes a denormal as in torch, not 0.
const EXP_P = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
const MAGIC = 12582912; // 1.5 * 2^23: adding it rounds to an integer that then sits in the low mantissa bits
const pow2 = (n: E): E => shl(iadd(n, ki(127)), 23);
function expOf(x: E, L: Locals): E {
  const X = L(), T = L(), R = L(), NI = L(), N1 = L();
  return [
    ...set(X, pmin(pmax(x, k(-104)), k(89))), // pmin/pmax keep a NaN x; exp(89) overflows to inf below
    ...set(T, fadd(fmul(get(X), k(Math.LOG2E)), k(MAGIC))),
    ...set(NI, isub(get(T), ki(0x4b400000))),
    ...set(T, fsub(get(T), k(MAGIC))),
    ...set(R, fsub(fsub(get(X), fmul(get(T), k(0.693359375))), fmul(get(T), k(-2.12194440e-4)))),
    ...set(N1, shr(get(NI), 1)),
    ...fmul(fmul(fadd(fadd(fmul(horner(get(R), EXP_P), fmul(get(R), get(R))), get(R)), k(1)), pow2(get(N1))), pow2(isub(get(NI), get(N1)))),
  ];
}

// Cephes logf: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(m) = log1p(m - 1) by a degree-9 polynomial.
const LOG_P = [7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1];
function logOf(x: E, L: Locals): E {
  const X = L(), D = L(), XS = L(), EI = L(), M = L(), S = L(), Z = L(), EF = L();
  return [
    ...set(X, x),
    ...set(D, flt(get(X), k(1.17549435e-38))), // denormals: scale by 2^23 first
    ...set(XS, fmul(get(X), sel(k(8388608), k(1), get(D)))),
    ...set(EI, isub(isub(shrU(get(XS), 23), ki(126)), vand(get(D), ki(23)))),
    ...set(M, vor(vand(get(XS), ki(0x007fffff)), ki(0x3f000000))), // in [0.5, 1)
    ...set(S, flt(get(M), k(Math.SQRT1_2))),
    ...set(EI, iadd(get(EI), get(S))), // S lanes are -1 where m < sqrt(1/2): then m = 2m, e = e - 1
    ...set(M, fsub(fadd(get(M), vand(get(M), get(S))), k(1))),
    ...set(Z, fmul(get(M), get(M))),
    ...set(EF, cvt(get(EI))),
    ...set(Z, fadd(fadd(fmul(fmul(horner(get(M), LOG_P), get(M)), get(Z)), fmul(get(EF), k(-2.12194440e-4))), fmul(get(Z), k(-0.5)))),
    ...set(Z, fadd(fadd(get(M), get(Z)), fmul(get(EF), k(0.693359375)))),
    ...set(Z, sel(k(Infinity), get(Z), feq(get(X), k(Infinity)))),
    ...sel(k(NaN), sel(k(-Infinity), get(Z), feq(get(X), k(0))), vnot(fge(get(X), k(0)))), // log(±0) = -inf; x < 0 or NaN: NaN
  ];
}

// Cephes tanhf: an odd polynomial for |x| <= 0.625, else 1 - 2 / (e^2|x| + 1) with x's sign (1 once e^2|x| = inf).
const TANH_P = [-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1];
export function tanhOf(x: E, L: Locals): E {
  const X = L(), A = L(), Z = L(), B = L();
  return [
    ...set(X, x), ...set(A, fabs(get(X))), ...set(Z, fmul(get(X), get(X))),
    ...set(B, expOf(fadd(get(A), get(A)), L)),
    ...set(B, fsub(k(1), fdiv(k(2), fadd(get(B), k(1))))),
    // OR-ing in x's sign makes the large branch odd and keeps tanh(-0) = -0
    ...vor(sel(get(B), fadd(fmul(fmul(horner(get(Z), TANH_P), get(Z)), get(X)), get(X)), fgt(get(A), k(0.625))), vand(get(X), ki(-0x80000000))),
  ];
}

// sigmoid from e = exp(-|x|) <= 1, so nothing overflows: 1 / (1 + e) for x >= 0, e / (1 + e) below.
export function sigmoidOf(x: E, L: Locals): E {
  const X = L(), Ex = L(), R = L();
  return [
    ...set(X, x), ...set(Ex, expOf(fneg(fabs(get(X))), L)),
    ...set(R, fdiv(k(1), fadd(k(1), get(Ex)))),
    ...sel(get(R), fmul(get(Ex), get(R)), fge(get(X), k(0))),
  ];
}

// gelu (tanh form): 0.5 x (1 + tanh(u)) = x sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3).
function geluTanhOf(x: E, L: Locals): E {
  const X = L();
  const u2 = fmul(fadd(get(X), fmul(fmul(fmul(get(X), get(X)), get(X)), k(0.044715))), k(2 * Math.sqrt(2 / Math.PI)));
  return [...set(X, x), ...fmul(get(X), sigmoidOf(u2, L))];
}

// gelu (erf form) 0.5 x (1 + erf(x / sqrt 2)) with Cephes erff/erfcf: an odd polynomial for |u| < 1, else
// erfc(|u|) = exp(-u^2) / |u| * P(1/u^2) (two fits, split at 2), so gelu(x < 0) = 0.5 x erfc(|u|) has no cancellation.
const ERF_T = [7.853861353153693e-5, -8.010193625184903e-4, 5.188327685732524e-3, -2.685381193529856e-2, 1.128358514861418e-1, -3.761262582423300e-1, 1.128379165726710];
const ERFC_P = [2.326819970068386e-2, -1.387039388740657e-1, 3.687424674597105e-1, -5.824733027278666e-1, 6.210004621745983e-1, -4.944515323274145e-1, 3.404879937665872e-1, -2.741127028184656e-1, 5.638259427386472e-1];
const ERFC_R = [-1.047766399936249e+1, 1.297719955371516e+1, -7.495518717768503, 2.921019019210786, -1.015265279202700, 4.218463358204948e-1, -2.820767439740514e-1, 5.641895067754075e-1];
function geluErfOf(x: E, L: Locals): E {
  const X = L(), U = L(), A = L(), Y = L(), Y2 = L(), C = L(), H = L();
  return [
    ...set(X, x), ...set(U, fmul(get(X), k(Math.SQRT1_2))), ...set(A, pmin(fabs(get(U)), k(12))), // erfc(12) is 0 in float32
    ...set(Y, fdiv(k(1), get(A))), ...set(Y2, fmul(get(Y), get(Y))),
    ...set(C, fmul(fmul(expOf(fneg(fmul(get(A), get(A))), L), get(Y)), sel(horner(get(Y2), ERFC_P), horner(get(Y2), ERFC_R), flt(get(A), k(2))))),
    ...set(H, fmul(get(X), k(0.5))),
    ...set(C, sel(fsub(get(X), fmul(get(H), get(C))), fmul(get(H), get(C)), fge(get(X), k(0)))),
    ...sel(get(C), fmul(get(H), fadd(k(1), fmul(get(U), horner(fmul(get(U), get(U)), ERF_T)))), fge(fabs(get(U)), k(1))),
  ];
}

// relu as the JS loop stores it: x where x > 0, NaN kept with its quiet bit set, else +0 (-0 included)
function reluOf(x: E, L: Locals): E {
  const X = L();
  return [...set(X, x), ...sel(vor(get(X), ki(0x400000)), vand(get(X), fgt(get(X), k(0))), fne(get(X), get(X)))];
}

const WASM_UNARY = { relu: reluOf, exp: expOf, log: logOf, tanh: tanhOf, sigmoid: sigmoidOf, geluTanh: geluTanhOf, geluErf: geluErfOf };
export type WasmUnaryOp = keyof typeof WASM_UNARY;
const OPS = Object.keys(WASM_UNARY) as WasmUnaryOp[];

/**
 * Body of f(src, dst, n): dst[i] = f(src[i]) for n floats (a multiple of 4; src may equal dst). With `sum`,
 * f(src, dst, n, shift) stores f(src[i] - shift) and returns their sum, accumulated in float64 lanes.
 */
function loopBody(f: (x: E, L: Locals) => E, sum = false): number[] {
  const SRC = 0, DST = 1, N = 2, SHIFT = 3;
  beginBody(sum ? 4 : 3);
  const first = nextLocal, Y = nextLocal++, ACC = sum ? nextLocal++ : -1;
  const x: E = [GET, SRC, ...load(V128_LOAD, 0)];
  const expr = f(sum ? fsub(x, [GET, SHIFT, ...simd(0x13)]) : x, () => nextLocal++);
  const consts = constPrologue();
  const accumulate = sum ? set(ACC, dadd(get(ACC), dadd(promote(get(Y)), promote(get(Y), true)))) : [];
  return funcBody([[nextLocal - first, V128]], [
    ...consts,
    ...BLOCK, GET, N, EQZ, BR_IF, 0, ...LOOP,
    ...set(Y, expr), GET, DST, GET, Y, ...load(V128_STORE, 0), ...accumulate,
    ...addConst(SRC, 16), ...addConst(DST, 16),
    GET, N, CONST, 4, SUB, TEE, N, CONST, 0, 0x4a /* i32.gt_s */, BR_IF, 0, END, END,
    ...(sum ? [GET, ACC, ...simd(0x21), 0, GET, ACC, ...simd(0x21), 1, 0xa0 /* f64.add */] : []), END,
  ]);
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32]]), 0], [0x60, ...vec([[I32], [I32], [I32], [F32]]), 1, F64]])),
    ...section(2, vec([[...str('e'), ...str('m'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([...OPS.map(() => [0]), [1]])),
    ...section(7, vec([...OPS.map((name, i) => [...str(name), 0x00, i]), [...str('expSum'), 0x00, OPS.length]])),
    ...section(10, vec([...OPS.map((name) => loopBody(WASM_UNARY[name])), loopBody(expOf, true)])),
  ]);
}

type LoopFn = (src: number, dst: number, n: number) => void;
interface WasmMath { f32: Float32Array; fns: Record<WasmUnaryOp, LoopFn>; expSum: (src: number, dst: number, n: number, shift: number) => number }

/** Floats per call: the chunk is copied in, transformed in place and copied out while it sits in L1. */
const CHUNK = 4096;

/** Instantiates the module, or null where the engine lacks WebAssembly SIMD. */
export function buildWasmMath(): WasmMath | null {
  try {
    const g = globalThis as { WebAssembly?: typeof WebAssembly };
    const bytes = moduleBytes();
    if (!g.WebAssembly || !WebAssembly.validate(bytes)) return null;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((CHUNK * 4) / 65536) });
    const e = new WebAssembly.Instance(new WebAssembly.Module(bytes), { e: { m: memory } }).exports;
    return { f32: new Float32Array(memory.buffer), fns: Object.fromEntries(OPS.map((o) => [o, e[o] as LoopFn])) as Record<WasmUnaryOp, LoopFn>, expSum: e.expSum as WasmMath['expSum'] };
  } catch {
    return null;
  }
}

let cached: WasmMath | null | undefined;
export const wasmMath = (): WasmMath | null => (cached === undefined ? (cached = buildWasmMath()) : cached);

/** Below this many elements the JS loop wins: the copies and the JS-to-wasm call cost more than they save. */
export const WASM_MIN_N = 16;

/**
 * y[0..n) = op(x[xOff..xOff+n)) through the SIMD loop, true if it ran; false (nothing written) when the
 * buffers are not float32, n is small or there is no WebAssembly SIMD, and the caller runs its JS loop.
 */
export function wasmUnary(op: WasmUnaryOp, x: NumArray, xOff: number, y: NumArray, n: number, yOff = 0): boolean {
  if (n < WASM_MIN_N || !(x instanceof Float32Array) || !(y instanceof Float32Array)) return false;
  const w = wasmMath();
  if (!w) return false;
  const f32 = w.f32, fn = w.fns[op];
  for (let i = 0; i < n; i += CHUNK) {
    const m = Math.min(CHUNK, n - i);
    f32.set(x.subarray(xOff + i, xOff + i + m));
    fn(0, 0, (m + 3) & ~3);
    y.set(f32.subarray(0, m), yOff + i);
  }
  return true;
}

/**
 * sum over i < n of exp(x[xOff+i] - shift), each term also stored to y[yOff+i] when y is given (softmax's
 * numerators); null (nothing written) where the SIMD loop can't run, and the caller sums in JS.
 */
export function wasmExpSum(x: NumArray, xOff: number, n: number, shift: number, y: NumArray | null, yOff = 0): number | null {
  if (n < WASM_MIN_N || !(x instanceof Float32Array) || (y && !(y instanceof Float32Array))) return null;
  const w = wasmMath();
  if (!w) return null;
  const f32 = w.f32;
  let s = 0;
  for (let i = 0; i < n; i += CHUNK) {
    const m = Math.min(CHUNK, n - i), m4 = (m + 3) & ~3;
    f32.set(x.subarray(xOff + i, xOff + i + m));
    f32.fill(-Infinity, m, m4); // padding lanes add exp(-inf) = 0
    s += w.expSum(0, 0, m4, shift);
    if (y) y.set(f32.subarray(0, m), yOff + i);
  }
  return s;
}
