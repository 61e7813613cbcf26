// WebAssembly bodies for conv's data movement: im2col gathers from a zero-padded image into GEMM panels,
// and col2im scatter-adds GEMM output back. Per element these are a load, a store and two counters, which
// JS runs at several ns per element; here it is a fraction of that, and four at a time with SIMD.
import {
  ADD, BLOCK, BR_IF, CONST, END, EQ, EQZ, F32_ADD, F32_LOAD, F32_STORE, F32X4_ADD, GET, I32, IF, LOOP, MEMORY_COPY,
  SET, SUB, TEE, V128, V128_LOAD, V128_STORE, funcBody, leb, simd,
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

/** The number of i32 parameters of the transposing gather (see transposeGatherBody). */
export const TRANSPOSE_PARAMS = 10;

const SHUFFLE = 0x0d;
/** i8x16.shuffle byte lanes: the 4x4 transpose of four float vectors in two rounds of pairing. */
const LOW_PAIRS = [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23];
const HIGH_PAIRS = [8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31];
const LOW_HALVES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const HIGH_HALVES = [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31];

/**
 * Body of gatherT4(s0, s1, s2, s3, dst, n, wo, owc, rowSkip, ps): four rows of an im2col (their elements
 * contiguous along an output row, at byte addresses s0..s3) into four adjacent lanes of GEMM panel rows, n
 * positions (a multiple of 4) at a time four: position k of row r goes to dst + k*ps + 4r. Four loads, a 4x4
 * transpose in shuffles and four stores per four positions, where the scalar window walk (windowBody with
 * one element per step) moved one element per step. Each output row holds wo positions (a multiple of 4),
 * owc of them left in the first; at a row's end every source skips rowSkip bytes more.
 */
export function transposeGatherBody(): number[] {
  const S = [0, 1, 2, 3], DST = 4, N = 5, WO = 6, OWC = 7, SKIP = 8, PS = 9, PS2 = 10, PS3 = 11, PS4 = 12;
  const V = [13, 14, 15, 16], T = [17, 18, 19, 20];
  const shuffle = (a: number, b: number, lanes: number[]): number[] => [GET, a, GET, b, ...simd(SHUFFLE), ...lanes];
  const storeAt = (offset: number[], value: number[]): number[] => [GET, DST, ...offset, ...value, ...simd(V128_STORE), 0, 0];
  return funcBody([[3, I32], [8, V128]], [
    GET, PS, GET, PS, ADD, SET, PS2, GET, PS2, GET, PS, ADD, SET, PS3, GET, PS2, GET, PS2, ADD, SET, PS4,
    ...BLOCK, GET, N, EQZ, BR_IF, 0, ...LOOP,
    ...S.flatMap((s, i) => [GET, s, ...simd(V128_LOAD), 0, 0, SET, V[i]!]),
    ...shuffle(V[0]!, V[1]!, LOW_PAIRS), SET, T[0]!, ...shuffle(V[0]!, V[1]!, HIGH_PAIRS), SET, T[1]!,
    ...shuffle(V[2]!, V[3]!, LOW_PAIRS), SET, T[2]!, ...shuffle(V[2]!, V[3]!, HIGH_PAIRS), SET, T[3]!,
    ...storeAt([], shuffle(T[0]!, T[2]!, LOW_HALVES)),
    ...storeAt([GET, PS, ADD], shuffle(T[0]!, T[2]!, HIGH_HALVES)),
    ...storeAt([GET, PS2, ADD], shuffle(T[1]!, T[3]!, LOW_HALVES)),
    ...storeAt([GET, PS3, ADD], shuffle(T[1]!, T[3]!, HIGH_HALVES)),
    GET, DST, GET, PS4, ADD, SET, DST,
    ...S.flatMap((s) => [GET, s, CONST, 16, ADD, SET, s]),
    GET, OWC, CONST, 4, SUB, TEE, OWC, EQZ, ...IF,
    GET, WO, SET, OWC,
    ...S.flatMap((s) => [GET, s, GET, SKIP, ADD, SET, s]),
    END,
    GET, N, CONST, 4, SUB, TEE, N, BR_IF, 0, END, END, END,
  ]);
}
