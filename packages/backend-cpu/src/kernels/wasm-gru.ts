// One GRU step's gate arithmetic (gruCell after its matmuls) in WebAssembly SIMD for float32 with H a
// multiple of 4: the step's blocks are copied into wasm memory whole (one copy each, not one per batch row),
// one call runs every gate four lanes at a time with wasm-math.ts's sigmoid and tanh, and the results are
// copied out. The JS loop it replaces spent ~3 ns per gate element on double conversions and bounds checks.
// Each op rounds to float32 as the composite's separate ops do; gruCell and gruSequence both run it, so the
// fused sequence still equals the cell loop bit for bit.
import type { E } from './wasm-math.js';
import { beginBody, constPrologue, fadd, fmul, fsub, get, k, localsEnd, newLocal, sel, set, sigmoidOf, tanhOf } from './wasm-math.js';
import { ADD, BLOCK, BR_IF, CONST, END, EQ, EQZ, F32_LOAD, GET, I32, IF, LOOP, LT_U, MUL, SET, SHL, SUB, V128, V128_LOAD, V128_STORE, addConst, funcBody, load, section, simd, sleb, str, vec } from './wasm-asm.js';

/**
 * f(x, hg, c, h, w, o, N, bi, hasBi, ld): byte addresses of xGates [B,3H], hGates, hBias [3H], h [B,H], the
 * workspace [4,B,H] (r, z, n, h_n) and h' [B,H]; N = B*H floats; the input bias [3H] at bi, added to xGates
 * first when hasBi is 1 (the composite adds it right after its matmul). hGates is [B,3H], or with
 * `transposed` [3H, ld] (the WebAssembly GEMM's output block as it leaves the kernel). H is built in.
 */
function stepBody(H: number, transposed: boolean): number[] {
  const H4 = H * 4;
  const [PX, PG, PC, PH, PW, PO, PN, PBI, PHB, PLD] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const PE = 10, PGR = 11, PJ = 12, NB = 13, AX = 14, AG = 15, AC = 16, AW = 17, AB = 18, PB = 19, LDB = 20, GOFF = 21, AG1 = 22, AG2 = 23, L2 = 24, L3 = 25;
  const FIRST = 26;
  beginBody(FIRST);
  const L = newLocal;
  const at = (base: number, off: number): E => [GET, base, ...load(V128_LOAD, off)];
  const R = L(), Z = L(), HN = L(), NN = L(), HP = L(), MASK = L();
  const addr = (local: number, base: number, off: number): number[] => [GET, base, GET, off, ADD, SET, local];
  const store = (base: number, extra: number[], v: E): number[] => [GET, base, ...extra, ...v, ...load(V128_STORE, 0)];
  const f32load = (a: number[]): number[] => [...a, F32_LOAD, 2, 0];
  // four lanes ld floats apart: a splat of the first, then three lane replacements
  const column = (base: number): E => [
    ...f32load([GET, base]), ...simd(0x13),
    ...[LDB, L2, L3].flatMap((off, i) => [...f32load([GET, base, GET, off, ADD]), ...simd(0x20), i + 1]),
  ];
  const hgate = (g: number): E => (transposed ? column([AG, AG1, AG2][g]!) : at(AG, g * H4));
  const xgate = (g: number): E => sel(fadd(at(AX, g * H4), at(AB, g * H4)), at(AX, g * H4), get(MASK));
  const prologue = [
    CONST, 0, GET, PHB, SUB, ...simd(0x11), SET, MASK,
    GET, PLD, CONST, 2, SHL, SET, LDB, GET, LDB, GET, LDB, ADD, SET, L2, GET, L2, GET, LDB, ADD, SET, L3,
    GET, LDB, CONST, ...sleb(H), MUL, SET, GOFF,
  ];
  const body = [
    ...addr(AX, PX, PGR), ...addr(AC, PC, PJ), ...addr(AB, PBI, PJ), ...addr(AW, PW, PE),
    ...(transposed
      ? [GET, PG, GET, PB, ADD, GET, PJ, GET, PLD, MUL, ADD, SET, AG, GET, AG, GET, GOFF, ADD, SET, AG1, GET, AG1, GET, GOFF, ADD, SET, AG2]
      : addr(AG, PG, PGR)),
    ...set(R, sigmoidOf(fadd(xgate(0), fadd(hgate(0), at(AC, 0))), L)),
    ...set(Z, sigmoidOf(fadd(xgate(1), fadd(hgate(1), at(AC, H4))), L)),
    ...set(HN, fadd(hgate(2), at(AC, 2 * H4))),
    ...set(NN, tanhOf(fadd(xgate(2), fmul(get(R), get(HN))), L)),
    ...set(HP, [GET, PH, GET, PE, ADD, ...load(V128_LOAD, 0)]),
    ...store(AW, [], get(R)),
    ...store(AW, [GET, NB, ADD], get(Z)),
    ...store(AW, [GET, NB, GET, NB, ADD, ADD], get(NN)),
    ...store(AW, [GET, NB, GET, NB, GET, NB, ADD, ADD, ADD], get(HN)),
    ...store(PO, [GET, PE, ADD], fadd(get(NN), fmul(get(Z), fsub(get(HP), get(NN))))),
  ];
  return loopOverRows(H4, PN, NB, PE, PGR, PJ, body, 10, FIRST, prologue, [GET, PB, CONST, 4, ADD, SET, PB]);
}

/**
 * g(w, y, carry, h, dx, dh, N): gruCellBackward's arithmetic for one step, from the workspace planes r, z,
 * n, h_n at w [4,B,H], the output gradient y and the carried state gradient (d = y + carry), and h the
 * step's previous state: dx [B,3H] = dr, dz, dn; dh [B,3H] = dr, dz, dn r; carry = d z (overwritten).
 */
function backBody(H: number): number[] {
  const H4 = H * 4;
  const [PW, PY, PC, PH, PX, PD, PN] = [0, 1, 2, 3, 4, 5, 6];
  const PE = 7, PGR = 8, PJ = 9, NB = 10, AW = 11, AX = 12, AD = 13;
  beginBody(14);
  const L = newLocal;
  const D = L(), R = L(), Z = L(), N = L(), DN = L(), DZ = L(), DR = L();
  const addr = (local: number, base: number, off: number): number[] => [GET, base, GET, off, ADD, SET, local];
  const ld = (base: number, extra: number[]): E => [GET, base, ...extra, ...load(V128_LOAD, 0)];
  const store = (base: number, off: number, v: E): number[] => [GET, base, ...v, ...load(V128_STORE, off)];
  const one = k(1);
  const body = [
    ...addr(AW, PW, PE), ...addr(AX, PX, PGR), ...addr(AD, PD, PGR),
    ...set(D, fadd(ld(PY, [GET, PE, ADD]), ld(PC, [GET, PE, ADD]))),
    ...set(R, ld(AW, [])), ...set(Z, ld(AW, [GET, NB, ADD])), ...set(N, ld(AW, [GET, NB, GET, NB, ADD, ADD])),
    ...set(DN, fmul(fmul(get(D), fsub(one, get(Z))), fsub(one, fmul(get(N), get(N))))),
    ...set(DZ, fmul(fmul(fmul(get(D), fsub(ld(PH, [GET, PE, ADD]), get(N))), get(Z)), fsub(one, get(Z)))),
    ...set(DR, fmul(fmul(fmul(get(DN), ld(AW, [GET, NB, GET, NB, GET, NB, ADD, ADD, ADD])), get(R)), fsub(one, get(R)))),
    ...store(AX, 0, get(DR)), ...store(AX, H4, get(DZ)), ...store(AX, 2 * H4, get(DN)),
    ...store(AD, 0, get(DR)), ...store(AD, H4, get(DZ)), ...store(AD, 2 * H4, fmul(get(DN), get(R))),
    GET, PC, GET, PE, ADD, ...fmul(get(D), get(Z)), ...load(V128_STORE, 0),
  ];
  return loopOverRows(H4, PN, NB, PE, PGR, PJ, body, 7, 14);
}

/** The loop both bodies share: e over N floats by 4 (PE its byte offset), PGR the [B,3H] offset, PJ the column. */
function loopOverRows(H4: number, PN: number, NB: number, PE: number, PGR: number, PJ: number, body: number[], params: number, firstV128: number,
  prologue: number[] = [], rowEnd: number[] = []): number[] {
  return funcBody([[firstV128 - params, I32], [localsEnd() - firstV128, V128]], [
    ...constPrologue(), ...prologue,
    GET, PN, CONST, 2, SHL, SET, NB,
    ...BLOCK, GET, NB, EQZ, BR_IF, 0, ...LOOP,
    ...body,
    ...addConst(PE, 16), ...addConst(PGR, 16), ...addConst(PJ, 16),
    // the end of a batch row: the [B,3H] blocks skip their other two thirds
    GET, PJ, CONST, ...sleb(H4), EQ, ...IF, CONST, 0, SET, PJ, ...addConst(PGR, 2 * H4), ...rowEnd, END,
    GET, PE, GET, NB, LT_U, BR_IF, 0, END, END, END,
  ]);
}

function moduleBytes(H: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(Array.from({ length: 10 }, () => [I32])), 0], [0x60, ...vec(Array.from({ length: 7 }, () => [I32])), 0]])),
    ...section(2, vec([[...str('e'), ...str('m'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0], [0], [1]])),
    ...section(7, vec([[...str('step'), 0x00, 0], [...str('stepT'), 0x00, 1], [...str('back'), 0x00, 2]])),
    ...section(10, vec([stepBody(H, false), stepBody(H, true), backBody(H)])),
  ]);
}

type StepFn = (a: number, b: number, c: number, d: number, e: number, f: number, n: number, bi?: number, hasBi?: number, ld?: number) => void;
interface Fns { step: StepFn; stepT: StepFn; back: StepFn }
let memory: WebAssembly.Memory | null = null;
let f32 = new Float32Array(0);
const steps = new Map<number, Fns | null>();
let enabled = true;

/** Turns the SIMD step off (true) or back on, so tests can compare it with the JS loop. */
export function setGruSimdDisabled(off: boolean): void { enabled = !off; }

/** Whether gruStepSimd and gruBackSimd run for hidden size H (float32 buffers). */
export const gruSimdReady = (H: number): boolean => stepFor(H) !== null;

function stepFor(H: number): Fns | null {
  if (!enabled || H % 4 !== 0 || H === 0) return null;
  if (steps.has(H)) return steps.get(H)!;
  let fn: Fns | null = null;
  try {
    const g = globalThis as { WebAssembly?: typeof WebAssembly };
    const bytes = moduleBytes(H);
    if (g.WebAssembly && WebAssembly.validate(bytes)) {
      memory ??= new WebAssembly.Memory({ initial: 1 });
      fn = new WebAssembly.Instance(new WebAssembly.Module(bytes), { e: { m: memory } }).exports as unknown as Fns;
    }
  } catch {
    fn = null;
  }
  steps.set(H, fn);
  return fn;
}

/** Where a step's hidden-gate products come from: [B,3H] at `off`, or with `ld` > 0 [3H, ld] (transposed). */
export interface HGates { data: Float32Array; off: number; ld: number }

/**
 * gruCell's arithmetic for one step on float32 arrays: out [B,H] = h' from xGates (3N floats at xOff, plus
 * the input bias bi [3H] at biOff first when given), the hidden gates `hg`, the hidden bias (3H at cOff, or
 * none) and h (at hOff); the planes r, z, n, h_n to ws (4N at wOff) when given. False (nothing written) where
 * the SIMD step can't run (H % 4, no SIMD).
 */
export function gruStepSimd(xp: Float32Array, xOff: number, bi: Float32Array | null, biOff: number, hg: HGates, c: Float32Array | null, cOff: number,
  h: Float32Array, hOff: number, out: Float32Array, oOff: number, ws: Float32Array | null, wOff: number, B: number, H: number): boolean {
  const fn = stepFor(H);
  if (!fn || B === 0) return false;
  const N = B * H, hgLen = hg.ld > 0 ? 3 * H * hg.ld : 3 * N;
  const X = 0, G = 3 * N, C = G + hgLen, BI = C + 3 * H, P = BI + 3 * H, W = P + N, O = W + 4 * N;
  reserve((O + N) * 4);
  f32.set(xp.subarray(xOff, xOff + 3 * N), X);
  f32.set(hg.data.subarray(hg.off, hg.off + hgLen), G);
  if (c) f32.set(c.subarray(cOff, cOff + 3 * H), C); else f32.fill(0, C, C + 3 * H);
  if (bi) f32.set(bi.subarray(biOff, biOff + 3 * H), BI);
  f32.set(h.subarray(hOff, hOff + N), P);
  (hg.ld > 0 ? fn.stepT : fn.step)(X * 4, G * 4, C * 4, P * 4, W * 4, O * 4, N, BI * 4, bi ? 1 : 0, hg.ld);
  out.set(f32.subarray(O, O + N), oOff);
  if (ws) ws.set(f32.subarray(W, W + 4 * N), wOff);
  return true;
}

/**
 * A float32 GRU layer's loop over Tn steps with h and the hidden products kept in wasm memory from step to
 * step: `gemm(h, hg, f32)` leaves hg [B,3H] = h wHhᵀ at float hg of `f32`, reading h [B,H] at float h (a native
 * GEMM writes there directly), and each step's h' is the next one's h in place. Per step only that step's
 * input projections (3N floats of xp) go in and h' (and, with `ws`, the planes) come out: gruStepSimd's
 * arithmetic and calls, so the same bits. out [T,B,H] at oOff. False (nothing written) where it can't run.
 */
export function gruLoopSimd(Tn: number, B: number, H: number, reverse: boolean, xp: Float32Array, bi: Float32Array | null, biOff: number,
  c: Float32Array | null, cOff: number, h0: Float32Array, h0Off: number, gemm: (h: number, hg: number, f32: Float32Array) => void,
  out: Float32Array, oOff: number, ws: Float32Array | null, wOff: number, ready: (s: number) => void = () => {}): boolean {
  const fn = stepFor(H);
  if (!fn || B === 0) return false;
  const N = B * H, X = 0, G = 3 * N, C = G + 3 * N, BI = C + 3 * H, P0 = BI + 3 * H, P1 = P0 + N, W = P1 + N;
  reserve((W + 4 * N) * 4);
  const m = f32;
  if (c) m.set(c.subarray(cOff, cOff + 3 * H), C); else m.fill(0, C, C + 3 * H);
  if (bi) m.set(bi.subarray(biOff, biOff + 3 * H), BI);
  m.set(h0.subarray(h0Off, h0Off + N), P0);
  let h = P0, next = P1;
  for (let s = 0; s < Tn; s++) {
    const t = reverse ? Tn - 1 - s : s;
    gemm(h, G, m);
    ready(s);
    m.set(xp.subarray(t * 3 * N, (t + 1) * 3 * N), X);
    fn.step(X * 4, G * 4, C * 4, h * 4, W * 4, next * 4, N, BI * 4, bi ? 1 : 0, 0);
    out.set(m.subarray(next, next + N), oOff + t * N);
    if (ws) ws.set(m.subarray(W, W + 4 * N), wOff + t * 4 * N);
    [h, next] = [next, h];
  }
  return true;
}

/** Grows the shared memory to at least `bytes` and refreshes the float view. */
function reserve(bytes: number): void {
  if (memory!.buffer.byteLength < bytes) memory!.grow(Math.ceil((bytes - memory!.buffer.byteLength) / 65536));
  if (f32.buffer !== memory!.buffer) f32 = new Float32Array(memory!.buffer);
}

/**
 * gruSequenceBackward's per-step arithmetic on float32 arrays: d = y (N floats at yOff) + carry, then
 * dx and dh (3N each at dOff) and carry = d z, from the workspace planes (4N at wOff) and the previous
 * state (N at hOff). `carry` is N floats, read and overwritten. False (nothing written) where it can't run.
 */
export function gruBackSimd(ws: Float32Array, wOff: number, y: Float32Array, yOff: number, carry: Float32Array, h: Float32Array, hOff: number,
  dx: Float32Array, dh: Float32Array, dOff: number, B: number, H: number): boolean {
  const fn = stepFor(H);
  if (!fn || B === 0) return false;
  const N = B * H, W = 0, Y = 4 * N, C = 5 * N, P = 6 * N, DX = 7 * N, DH = 10 * N;
  reserve((DH + 3 * N) * 4);
  f32.set(ws.subarray(wOff, wOff + 4 * N), W);
  f32.set(y.subarray(yOff, yOff + N), Y);
  f32.set(carry, C);
  f32.set(h.subarray(hOff, hOff + N), P);
  fn.back(W * 4, Y * 4, C * 4, P * 4, DX * 4, DH * 4, N);
  dx.set(f32.subarray(DX, DX + 3 * N), dOff);
  dh.set(f32.subarray(DH, DH + 3 * N), dOff);
  carry.set(f32.subarray(C, C + N));
  return true;
}
