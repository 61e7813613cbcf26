// The uniform random fill in WebAssembly SIMD: Philox4x32-10 for four counters at once (one per lane), the
// 32x32 -> 64-bit products exact (i64x2.extmul), then low + (word >>> 8) * scale in float64 lanes rounded to
// float32 as a Float32Array store rounds the JS fill's double: the same bits as core's uniformFill, element for
// element (tested against it). The JS fill spends ~14 ns per value on its multiplies; this ~2.
import type { E } from './wasm-math.js';
import { beginBody, constPrologue, dadd, dmul, get, iadd, ki, localsEnd, newLocal, set } from './wasm-math.js';
import { BLOCK, BR_IF, CONST, END, F64, GET, GE_U, I32, LOOP, LT_U, V128, V128_CONST, V128_STORE, addConst, funcBody, load, section, simd, str, vec } from './wasm-asm.js';

/** Floats per call: the module's one page of memory. */
export const PHILOX_CHUNK = 16384;

const M0 = 0xd2511f53, M1 = 0xcd9e8d57, W0 = 0x9e3779b9, W1 = 0xbb67ae85;
const XOR = simd(0x51), I32X4_MUL = simd(0xb5), I32X4_SHR_U = simd(0xad), I32X4_SPLAT = simd(0x11);
const EXTMUL_LOW_U = simd(0xde), EXTMUL_HIGH_U = simd(0xdf), F64X2_CONVERT_LOW_U = simd(0xff), F32X4_DEMOTE = simd(0x5e), F64X2_SPLAT = simd(0x14);
/** i8x16.shuffle of two vectors by 32-bit lanes (0-3: the first's, 4-7: the second's). */
const shuffle32 = (a: E, b: E, lanes: number[]): E => [...a, ...b, ...simd(0x0d), ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])];
const xor = (a: E, b: E): E => [...a, ...b, ...XOR];

/**
 * uniform(out, end, c0, c1, k0, k1, low, scale): from byte `out` to byte `end` (a multiple of 64 apart), each
 * 64 bytes are Philox blocks (c0, c1), (c0 + 1, c1), (c0 + 2, c1), (c0 + 3, c1) in order, c0 advancing by 4.
 */
function uniformBody(): number[] {
  const [OUT, ENDB, C0, C1, K0, K1, LOW, SCALE] = [0, 1, 2, 3, 4, 5, 6, 7];
  beginBody(8);
  const [CV, X0, X1, X2, X3, KV0, KV1, LO0, HI0, LO1, HI1, T0, T1, T2, T3, U, LV, SV] = Array.from({ length: 18 }, newLocal);
  // the low and the high words of the four 64-bit products x * m, in lane order
  const lo = (x: number, m: number): E => [...get(x), ...ki(m), ...I32X4_MUL];
  const hi = (x: number, m: number): E => shuffle32([...get(x), ...ki(m), ...EXTMUL_LOW_U], [...get(x), ...ki(m), ...EXTMUL_HIGH_U], [1, 3, 5, 7]);
  const round = [
    ...set(LO0, lo(X0, M0)), ...set(HI0, hi(X0, M0)), ...set(LO1, lo(X2, M1)), ...set(HI1, hi(X2, M1)),
    ...set(X0, xor(xor(get(HI1), get(X1)), get(KV0))), ...set(X1, get(LO1)),
    ...set(X2, xor(xor(get(HI0), get(X3)), get(KV1))), ...set(X3, get(LO0)),
    ...set(KV0, iadd(get(KV0), ki(W0))), ...set(KV1, iadd(get(KV1), ki(W1))),
  ];
  // low + (w >>> 8) * scale for two words in float64 lanes, rounded to float32 (lanes 0-1 of the result)
  const pair = (u: E): E => [...dadd(dmul([...u, ...F64X2_CONVERT_LOW_U], get(SV)), get(LV)), ...F32X4_DEMOTE];
  // one block's four words (a vector) as floats, stored at byte `at` past OUT
  const store = (at: number, v: E): number[] => [
    ...set(U, [...v, CONST, 8, ...I32X4_SHR_U]),
    GET, OUT, ...shuffle32(pair(get(U)), pair(shuffle32(get(U), get(U), [2, 3, 2, 3])), [0, 1, 4, 5]), ...load(V128_STORE, at),
  ];
  const code = [
    ...set(CV, iadd([GET, C0, ...I32X4_SPLAT], [...simd(V128_CONST), ...new Uint8Array(new Uint32Array([0, 1, 2, 3]).buffer)])),
    ...set(LV, [GET, LOW, ...F64X2_SPLAT]), ...set(SV, [GET, SCALE, ...F64X2_SPLAT]),
    ...BLOCK, GET, OUT, GET, ENDB, GE_U, BR_IF, 0, ...LOOP,
    ...set(X0, get(CV)), ...set(X1, [GET, C1, ...I32X4_SPLAT]), ...set(X2, ki(0)), ...set(X3, ki(0)),
    ...set(KV0, [GET, K0, ...I32X4_SPLAT]), ...set(KV1, [GET, K1, ...I32X4_SPLAT]),
    ...Array.from({ length: 10 }, () => round).flat(),
    // lanes are blocks: transpose so each vector is one block's words 0-3
    ...set(T0, shuffle32(get(X0), get(X1), [0, 4, 1, 5])), ...set(T1, shuffle32(get(X2), get(X3), [0, 4, 1, 5])),
    ...set(T2, shuffle32(get(X0), get(X1), [2, 6, 3, 7])), ...set(T3, shuffle32(get(X2), get(X3), [2, 6, 3, 7])),
    ...store(0, shuffle32(get(T0), get(T1), [0, 1, 4, 5])), ...store(16, shuffle32(get(T0), get(T1), [2, 3, 6, 7])),
    ...store(32, shuffle32(get(T2), get(T3), [0, 1, 4, 5])), ...store(48, shuffle32(get(T2), get(T3), [2, 3, 6, 7])),
    ...set(CV, iadd(get(CV), ki(4))),
    ...addConst(OUT, 64), GET, OUT, GET, ENDB, LT_U, BR_IF, 0, END, END,
  ];
  // the constants live in locals set once, before the loop (see wasm-math.ts)
  return funcBody([[localsEnd() - 8, V128]], [...constPrologue(), ...code, END]);
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32], [F64], [F64]]), 0]])),
    ...section(2, vec([[...str('e'), ...str('m'), 0x02, 0x00, 1]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...str('uniform'), 0x00, 0]])),
    ...section(10, vec([uniformBody()])),
  ]);
}

type UniformFn = (out: number, end: number, c0: number, c1: number, k0: number, k1: number, low: number, scale: number) => void;
let cached: { f32: Float32Array; uniform: UniformFn } | null | undefined;

/** The instantiated module, or null where the engine lacks WebAssembly SIMD. */
function philox(): { f32: Float32Array; uniform: UniformFn } | null {
  if (cached !== undefined) return cached;
  try {
    const g = globalThis as { WebAssembly?: typeof WebAssembly };
    const bytes = moduleBytes();
    if (!g.WebAssembly || !WebAssembly.validate(bytes)) return (cached = null);
    const memory = new WebAssembly.Memory({ initial: 1 });
    const e = new WebAssembly.Instance(new WebAssembly.Module(bytes), { e: { m: memory } }).exports;
    return (cached = { f32: new Float32Array(memory.buffer), uniform: e.uniform as UniformFn });
  } catch {
    return (cached = null);
  }
}

let enabled = true;
/** Turns the SIMD fill off (true) or back on, so tests can compare it with core's. */
export function setPhiloxDisabled(off: boolean): void { enabled = !off; }

/**
 * Fills out[offset + 4i .. offset + 4i + 3] with the uniform values of Philox blocks b0 + i for i < nBlocks
 * (low + (word >>> 8) * scale, rounded to float32), b0 + nBlocks <= 2^53; false (nothing written) where the
 * SIMD fill is off or unavailable.
 */
export function philoxUniform(out: Float32Array, offset: number, b0: number, nBlocks: number, k0: number, k1: number, low: number, scale: number): boolean {
  const w = enabled ? philox() : null;
  if (!w) return false;
  let done = 0;
  while (done < nBlocks) {
    const b = b0 + done, c0 = b % 0x100000000, c1 = Math.floor(b / 0x100000000);
    // a call's blocks stay below the next wrap of the low counter word (the lanes add to it mod 2^32, and c1
    // does not follow); a last group's lanes past the end are computed and dropped
    const m = Math.min(nBlocks - done, PHILOX_CHUNK / 4, 0x100000000 - c0);
    w.uniform(0, Math.ceil(m / 4) * 64, c0 | 0, c1 | 0, k0 | 0, k1 | 0, low, scale);
    out.set(w.f32.subarray(0, 4 * m), offset + 4 * done);
    done += m;
  }
  return true;
}
