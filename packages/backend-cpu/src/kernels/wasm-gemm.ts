// A float32 GEMM macro-kernel in WebAssembly SIMD, assembled here from bytes so the package needs no
// native build and no toolchain. gebp computes C[mc x nc] (+)= Ap * Bp over packed panels (see gemm.ts)
// by looping an MR x NR register-tile micro-kernel; JS has no SIMD, so this is where float32 matmul
// and conv get most of their speed.

import {
  ADD, BLOCK, BR, BR_IF, CALL, CONST, ELSE, END, EQZ, F32X4_ADD, F32X4_MUL, F32X4_RELAXED_MADD, GET, I32, IF, LOAD32_SPLAT, LOOP, MUL, SET, SUB,
  TEE, V128, V128_CONST, V128_LOAD, V128_STORE, addConst, leb, load, section, simd, sleb, str, vec,
} from './wasm-asm.js';
import { threadEnv } from '../threads/env.js';
import { TRANSPOSE_PARAMS, WINDOW_PARAMS, padRowsBody, transposeGatherBody, windowBody } from './wasm-im2col.js';

/** The register tile: MR rows of A by NR columns of B (NR/4 SIMD vectors per row). */
export interface TileShape { mr: number; nr: number }

const DEFAULT_TILE: TileShape = { mr: 3, nr: 16 };

/**
 * Body of mk(kc, ap, bp, cp, ldcBytes, load): C tile at cp (row stride ldcBytes) = [C +] sum_k Ap[k][:] x Bp[k][:];
 * load = 0 starts from zero, so the first K block needs no zeroed C. All MR*NR/4 accumulators must stay in
 * xmm registers: V8 keeps one of the 16 as scratch, and a spilled accumulator chains every k step through a
 * store-to-load round trip (that halved throughput). So only the first B vector lives in a local; the rest
 * are re-read from L1 for each row. Unrolling K made TurboFan hoist all loads of the unrolled steps and
 * spill, so the loop does one k per trip.
 */
function microKernelBody(mr: number, nr: number, fma: boolean): number[] {
  const nv = nr / 4;
  const KC = 0, AP = 1, BP = 2, CP = 3, LDC = 4, LOAD = 5;
  const acc = (r: number, v: number): number => 6 + r * nv + v;
  const b0 = 6 + mr * nv, aReg = b0 + 1, ROW = aReg + 1; // ROW: i32 row pointer
  const code: number[] = [];
  const rowLoop = (each: (r: number) => void): void => {
    code.push(GET, CP, SET, ROW);
    for (let r = 0; r < mr; r++) {
      each(r);
      code.push(GET, ROW, GET, LDC, ADD, SET, ROW);
    }
  };
  code.push(GET, LOAD, ...IF);
  rowLoop((r) => { for (let v = 0; v < nv; v++) code.push(GET, ROW, ...load(V128_LOAD, 16 * v), SET, acc(r, v)); });
  code.push(ELSE);
  for (let i = 0; i < mr * nv; i++) code.push(...simd(V128_CONST), ...new Array<number>(16).fill(0), SET, 6 + i);
  code.push(END);
  code.push(...BLOCK, ...LOOP, GET, KC, EQZ, BR_IF, 1);
  code.push(GET, BP, ...load(V128_LOAD, 0), SET, b0);
  for (let r = 0; r < mr; r++) {
    code.push(GET, AP, ...load(LOAD32_SPLAT, 4 * r), SET, aReg);
    for (let v = 0; v < nv; v++) {
      const b = v === 0 ? [GET, b0] : [GET, BP, ...load(V128_LOAD, 16 * v)];
      // relaxed_madd(a, b, acc) = a*b + acc, fused where the machine has FMA; else a multiply and an add
      if (fma) code.push(GET, aReg, ...b, GET, acc(r, v), ...simd(F32X4_RELAXED_MADD), SET, acc(r, v));
      else code.push(GET, acc(r, v), GET, aReg, ...b, ...simd(F32X4_MUL), ...simd(F32X4_ADD), SET, acc(r, v));
    }
  }
  code.push(...addConst(AP, 4 * mr), ...addConst(BP, 4 * nr), ...addConst(KC, -1), BR, 0, END, END);
  rowLoop((r) => { for (let v = 0; v < nv; v++) code.push(GET, ROW, GET, acc(r, v), ...load(V128_STORE, 16 * v)); });
  code.push(END);
  const locals = vec([[...leb(mr * nv + 2), V128], [1, I32]]);
  const body = [...locals, ...code];
  return [...leb(body.length), ...body];
}

/**
 * Body of gebp(mc, nc, kc, ap, bp, cp, ldcBytes, load): for each NR-wide B panel, for each MR-high A panel,
 * call mk. mc and nc are positive multiples of MR and NR. Looping here rather than in JS saves a
 * JS-to-wasm call (tens of ns) per tile; the B panel stays in L1 while the A panels stream past it.
 */
function macroKernelBody({ mr, nr }: TileShape): number[] {
  const MC = 0, NC = 1, KC = 2, AP = 3, BP = 4, CP = 5, LDC = 6, LOAD = 7, A = 8, C = 9, M = 10, ASTEP = 11;
  const code: number[] = [
    GET, KC, CONST, ...sleb(4 * mr), MUL, SET, ASTEP,
    ...LOOP,
    GET, AP, SET, A, GET, CP, SET, C, GET, MC, SET, M,
    ...LOOP,
    GET, KC, GET, A, GET, BP, GET, C, GET, LDC, GET, LOAD, CALL, 0,
    GET, A, GET, ASTEP, ADD, SET, A,
    GET, C, GET, LDC, CONST, ...sleb(mr), MUL, ADD, SET, C,
    GET, M, CONST, ...sleb(mr), SUB, TEE, M, BR_IF, 0, END,
    GET, BP, GET, KC, CONST, ...sleb(4 * nr), MUL, ADD, SET, BP,
    ...addConst(CP, 4 * nr),
    GET, NC, CONST, ...sleb(nr), SUB, TEE, NC, BR_IF, 0, END,
    END,
  ];
  const body = [...vec([[4, I32]]), ...code];
  return [...leb(body.length), ...body];
}

/** Pages of a shared memory's declared maximum (4 GiB, wasm32's whole range: shared memories must declare one). */
const SHARED_MAX_PAGES = 65536;

function moduleBytes(tile: TileShape, shared: boolean, fma: boolean): Uint8Array<ArrayBuffer> {
  const i32s = (n: number): number[][] => Array.from({ length: n }, () => [I32]);
  const exp = (name: string, index: number): number[] => [...str(name), 0x00, index];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(i32s(6)), 0], [0x60, ...vec(i32s(8)), 0], [0x60, ...vec(i32s(WINDOW_PARAMS)), 0], [0x60, ...vec(i32s(TRANSPOSE_PARAMS)), 0]])),
    ...section(2, vec([[...str('e'), ...str('m'), 0x02, ...(shared ? [0x03, 0x01, ...leb(SHARED_MAX_PAGES)] : [0x00, 0x01])]])),
    ...section(3, vec([[0], [1], [0], [2], [2], [2], [2], [3]])),
    ...section(7, vec([exp('gebp', 1), exp('padRows', 2), exp('gather1', 3), exp('gather4', 4), exp('scatter1', 5), exp('scatter4', 6), exp('gatherT4', 7)])),
    ...section(10, vec([microKernelBody(tile.mr, tile.nr, fma), macroKernelBody(tile), padRowsBody(),
      windowBody(1, false), windowBody(4, false), windowBody(1, true), windowBody(4, true), transposeGatherBody()])),
  ];
  return new Uint8Array(bytes);
}

type I32Fn<N extends number, A extends number[] = []> = A['length'] extends N ? (...args: A) => void : I32Fn<N, [...A, number]>;
/** Walks an image window against GEMM panels (see windowBody for the arguments). */
export type WindowFn = I32Fn<typeof WINDOW_PARAMS>;
/** Moves four im2col rows into four panel lanes, transposing 4x4 (see transposeGatherBody for the arguments). */
export type TransposeFn = I32Fn<typeof TRANSPOSE_PARAMS>;

export interface WasmGemm extends TileShape {
  /** A shared memory where kernel threads are available (then `module` is what workers instantiate over it). */
  readonly memory: WebAssembly.Memory;
  readonly module: WebAssembly.Module;
  /** Whether the micro-kernel uses relaxed-SIMD fused multiply-add. */
  readonly fma: boolean;
  readonly gebp: (mc: number, nc: number, kc: number, ap: number, bp: number, cp: number, ldcBytes: number, load: number) => void;
  readonly padRows: (src: number, dst: number, rows: number, bytes: number, srcStride: number, dstStride: number) => void;
  readonly gather1: WindowFn;
  readonly gather4: WindowFn;
  readonly scatter1: WindowFn;
  readonly scatter4: WindowFn;
  readonly gatherT4: TransposeFn;
  /** A Float32Array over the whole memory (refreshed after growth). */
  f32: Float32Array;
}

/** Kernel variants: `fma` uses relaxed-SIMD fused multiply-add, where the engine validates it. */
export interface KernelOptions { shared?: boolean; fma?: boolean }

/**
 * Instantiate a kernel with the given tile, or null where the engine lacks WebAssembly SIMD. By default
 * its memory is shared (so kernel threads can work in it) where threads are available, and its micro-kernel
 * uses relaxed-SIMD FMA where the engine has it; each falls back on its own (ordinary memory, mul + add).
 */
export function buildWasmGemm(tile: TileShape = DEFAULT_TILE, opts: KernelOptions = {}): WasmGemm | null {
  const g = globalThis as { WebAssembly?: typeof WebAssembly };
  if (!g.WebAssembly) return null;
  const shared = opts.shared ?? threadEnv() !== null, fmas = opts.fma === false ? [false] : [true, false];
  for (const fma of fmas) {
    for (const sh of shared ? [true, false] : [false]) {
      try {
        const k = instantiate(tile, sh, fma);
        if (k) return k;
      } catch {
        // no threads proposal, or no room for a shared memory's maximum: try the next variant
      }
    }
  }
  return null;
}

function instantiate(tile: TileShape, shared: boolean, fma: boolean): WasmGemm | null {
  const bytes = moduleBytes(tile, shared, fma);
  if (!WebAssembly.validate(bytes)) return null;
  const memory = shared ? new WebAssembly.Memory({ initial: 1, maximum: SHARED_MAX_PAGES, shared: true }) : new WebAssembly.Memory({ initial: 1 });
  const module = new WebAssembly.Module(bytes);
  const e = new WebAssembly.Instance(module, { e: { m: memory } }).exports;
  return {
    memory, module, fma, mr: tile.mr, nr: tile.nr, f32: new Float32Array(memory.buffer),
    gebp: e.gebp as WasmGemm['gebp'], padRows: e.padRows as WasmGemm['padRows'],
    gather1: e.gather1 as WindowFn, gather4: e.gather4 as WindowFn, scatter1: e.scatter1 as WindowFn, scatter4: e.scatter4 as WindowFn, gatherT4: e.gatherT4 as TransposeFn,
  };
}

let cached: WasmGemm | null | undefined;

/** The shared SIMD kernel, or null where the engine lacks WebAssembly SIMD (then gemm.ts uses plain JS). */
export function wasmGemm(): WasmGemm | null {
  if (cached === undefined) cached = buildWasmGemm();
  return cached;
}

/** Make the memory hold at least `floats` float32 values. */
export function ensureWasmFloats(w: WasmGemm, floats: number): void {
  const need = floats * 4;
  if (w.memory.buffer.byteLength < need) {
    w.memory.grow(Math.ceil((need - w.memory.buffer.byteLength) / 65536));
  }
  // by length: a shared memory's buffer grows in place, an ordinary one's is replaced (the old view empties)
  if (w.f32.length * 4 !== w.memory.buffer.byteLength) w.f32 = new Float32Array(w.memory.buffer);
}
