// WebAssembly bodies for conv's data movement: im2col gathers from a zero-padded image into GEMM panels,
// and col2im scatter-adds GEMM output back. Per element these are a load, a store and two counters, which
// JS runs at several ns per element; here it is a fraction of that, and four at a time with SIMD.
import {
  ADD, BLOCK, BR_IF, CONST, END, EQ, EQZ, F32_ADD, F32_LOAD, F32_STORE, F32X4_ADD, GET, I32, IF, LOOP, MEMORY_COPY,
  SET, SUB, TEE, V128_LOAD, V128_STORE, funcBody, leb, simd,
} from './wasm-asm.js';

/** padRows(src, dst, rows, bytes, srcStride, dstStride): copies `rows` runs of `bytes` between strided rows. */
export function padRowsBody(): number[] {
  const SRC = 0, DST = 1, ROWS = 2, BYTES = 3, SS = 4, DS = 5;
  return funcBody([], [
    ...BLOCK, GET, ROWS, EQZ, BR_IF, 0, ...LOOP,
    GET, DST, GET, SRC, GET, BYTES, ...MEMORY_COPY,
    GET, SRC, GET, SS, ADD, SET, SRC, GET, DST, GET, DS, ADD, SET, DST,
    GET, ROWS, CONST, 1, SUB, TEE, ROWS, BR_IF, 0, END, END, END,
  ]);
}

/** The number of i32 parameters of a window function (see windowBody). */
export const WINDOW_PARAMS = 11;

/**
 * Body of a window walk over n elements (a multiple of `elems`), `elems` (1 or 4) per step.
 * Image side: the element at SRC; SRC advances SW bytes per step, and after WO elements of an output row
 * (OWC left in the first) jumps to the next row, ROW + RS. Panel side: DST + LANE; LANE advances LI bytes
 * and on reaching LE wraps to 0 as DST advances STEP bytes (a panel row of NR, then the next panel).
 * gather: panel = image (im2col). scatter: image += panel (col2im).
 */
export function windowBody(elems: 1 | 4, scatter: boolean): number[] {
  const ROW = 0, SRC = 1, DST = 2, N = 3, WO = 4, OWC = 5, RS = 6, SW = 7, LI = 8, LE = 9, STEP = 10, LANE = 11;
  const ld = elems === 4 ? [...simd(V128_LOAD), 0, 0] : [F32_LOAD, 2, 0];
  const st = elems === 4 ? [...simd(V128_STORE), 0, 0] : [F32_STORE, 2, 0];
  const add = elems === 4 ? simd(F32X4_ADD) : [F32_ADD];
  const panel = [GET, DST, GET, LANE, ADD];
  const op = scatter ? [GET, SRC, GET, SRC, ...ld, ...panel, ...ld, ...add, ...st] : [...panel, GET, SRC, ...ld, ...st];
  return funcBody([[1, I32]], [
    ...BLOCK, GET, N, EQZ, BR_IF, 0, ...LOOP,
    ...op,
    GET, SRC, GET, SW, ADD, SET, SRC,
    GET, OWC, CONST, ...leb(elems), SUB, TEE, OWC, EQZ, ...IF,
    GET, WO, SET, OWC, GET, ROW, GET, RS, ADD, TEE, ROW, SET, SRC, END,
    GET, LANE, GET, LI, ADD, TEE, LANE, GET, LE, EQ, ...IF,
    CONST, 0, SET, LANE, GET, DST, GET, STEP, ADD, SET, DST, END,
    GET, N, CONST, ...leb(elems), SUB, TEE, N, BR_IF, 0, END, END, END,
  ]);
}
