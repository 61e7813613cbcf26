// max pooling's windows in WebAssembly SIMD, four outputs of a row at a time (column stride 1 or 2): the JS
// loop's branch-free running max costs ~5 ns per window element here, as every step waits on the last.
// A plane is staged in wasm memory; the caller runs the windows that lie wholly inside it through here and
// the clipped ones at the borders in JS. The rule is the JS loop's: a larger value, or the first NaN, wins,
// and the index is that of the first such element in row-major order, as in PyTorch.
import type { E } from './wasm-math.js';
import { beginBody, feq, fgt, fne, get, iadd, localsEnd, newLocal, sel, set, vand, vor } from './wasm-math.js';
import { ADD, BLOCK, BR_IF, CONST, END, EQZ, GET, I32, LOOP, SET, SUB, TEE, V128, V128_CONST, V128_LOAD, V128_STORE, funcBody, load, section, simd, sleb, str, vec } from './wasm-asm.js';

const I32X4_SPLAT = 0x11, SHUFFLE = 0x0d;
/** Bytes 0-3 and 8-11 of each operand: the even float lanes of two loads, four outputs' elements at column stride 2. */
const EVEN_LANES = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];

/**
 * maxRun{1,2}(src, dst, dstIdx, groups, kh, kw, rowStep, colStep, rowIdx, colIdx, idx0, rows, srcRow, dstRow,
 * idxRow): `rows` output rows of `groups` x 4 outputs each. Output t of a row has its window at byte
 * src + 4*t*stride and its element (i, j) at + i*rowStep + j*colStep bytes, with flat index idx0 + t*stride +
 * i*rowIdx + j*colIdx; its value goes to dst + 4t and its index (i32) to dstIdx + 4t. Each next row: src +=
 * srcRow, dst and dstIdx += dstRow, idx0 += idxRow.
 */
function maxRunBody(stride: 1 | 2): number[] {
  const SRC = 0, DST = 1, DIDX = 2, G = 3, KH = 4, KW = 5, RS = 6, CS = 7, RI = 8, CI = 9, IDX0 = 10, ROWS = 11, SROW = 12, DROW = 13, IROW = 14;
  // i32 locals, then v128 ones
  const I = 15, J = 16, RA = 17, A = 18, ROFF = 19, TOFF = 20, S = 21, D = 22, DI = 23, GC = 24, FIRST = 25;
  beginBody(FIRST);
  const BEST = newLocal(), BIDX = newLocal(), LANE = newLocal(), ROWLANE = newLocal(), V = newLocal(), TAKE = newLocal(), NEGINF = newLocal();
  const splatI = (e: number[]): E => [...e, ...simd(I32X4_SPLAT)];
  const lanes: E = [...simd(V128_CONST), ...new Uint8Array(new Int32Array([0, stride, 2 * stride, 3 * stride]).buffer)];
  const loadAt = (addr: number[]): E => stride === 1 ? [...addr, ...load(V128_LOAD, 0)]
    : [...addr, ...load(V128_LOAD, 0), ...addr, ...load(V128_LOAD, 16), ...simd(SHUFFLE), ...EVEN_LANES];
  const window = [
    ...set(BEST, get(NEGINF)), ...set(BIDX, get(LANE)),
    GET, S, SET, RA, CONST, 0, SET, ROFF, GET, KH, SET, I,
    ...LOOP,
    GET, RA, SET, A, GET, ROFF, SET, TOFF, GET, KW, SET, J,
    ...LOOP,
    // v = the four outputs' element (i, j): taken where it is larger, or where it is the first NaN
    ...set(V, loadAt([GET, A])),
    ...set(TAKE, vor(fgt(get(V), get(BEST)), vand(fne(get(V), get(V)), feq(get(BEST), get(BEST))))),
    ...set(BEST, sel(get(V), get(BEST), get(TAKE))),
    ...set(BIDX, sel(iadd(get(LANE), splatI([GET, TOFF])), get(BIDX), get(TAKE))),
    GET, A, GET, CS, ADD, SET, A, GET, TOFF, GET, CI, ADD, SET, TOFF,
    GET, J, CONST, 1, SUB, TEE, J, BR_IF, 0, END,
    GET, RA, GET, RS, ADD, SET, RA, GET, ROFF, GET, RI, ADD, SET, ROFF,
    GET, I, CONST, 1, SUB, TEE, I, BR_IF, 0, END,
    GET, D, GET, BEST, ...store(), GET, DI, GET, BIDX, ...store(),
  ];
  return funcBody([[FIRST - 15, I32], [localsEnd() - FIRST, V128]], [
    ...set(NEGINF, splatI([CONST, ...sleb(-8388608)])), // 0xff800000: -inf
    ...set(ROWLANE, iadd(lanes, splatI([GET, IDX0]))),
    ...BLOCK, GET, ROWS, EQZ, BR_IF, 0, GET, G, EQZ, BR_IF, 0, ...LOOP,
    GET, SRC, SET, S, GET, DST, SET, D, GET, DIDX, SET, DI, GET, G, SET, GC, ...set(LANE, get(ROWLANE)),
    ...LOOP,
    ...window,
    GET, S, CONST, ...sleb(16 * stride), ADD, SET, S, GET, D, CONST, 16, ADD, SET, D, GET, DI, CONST, 16, ADD, SET, DI,
    ...set(LANE, iadd(get(LANE), splatI([CONST, ...sleb(4 * stride)]))),
    GET, GC, CONST, 1, SUB, TEE, GC, BR_IF, 0, END,
    GET, SRC, GET, SROW, ADD, SET, SRC, GET, DST, GET, DROW, ADD, SET, DST, GET, DIDX, GET, DROW, ADD, SET, DIDX,
    ...set(ROWLANE, iadd(get(ROWLANE), splatI([GET, IROW]))),
    GET, ROWS, CONST, 1, SUB, TEE, ROWS, BR_IF, 0, END, END, END,
  ]);
}
const store = (): number[] => [...simd(V128_STORE), 0, 0];

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const params = vec(Array.from({ length: 15 }, () => [I32]));
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...params, 0]])),
    ...section(2, vec([[...str('e'), ...str('m'), 0x02, 0x00, 1]])),
    ...section(3, vec([[0], [0]])),
    ...section(7, vec([[...str('maxRun1'), 0x00, 0], [...str('maxRun2'), 0x00, 1]])),
    ...section(10, vec([maxRunBody(1), maxRunBody(2)])),
  ]);
}

type Run = (src: number, dst: number, dstIdx: number, groups: number, kh: number, kw: number, rowStep: number, colStep: number, rowIdx: number, colIdx: number, idx0: number,
  rows: number, srcRow: number, dstRow: number, idxRow: number) => void;
/** The two loops and their memory (grown on demand). */
export interface WasmPool { memory: WebAssembly.Memory; f32: Float32Array; i32: Int32Array; run: [Run, Run] }

let cached: WasmPool | null | undefined;

/** The instantiated module, or null where the engine lacks WebAssembly SIMD. */
export function wasmPool(): WasmPool | null {
  if (cached !== undefined) return cached;
  try {
    const bytes = moduleBytes();
    if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(bytes)) return (cached = null);
    const memory = new WebAssembly.Memory({ initial: 1 });
    const e = new WebAssembly.Instance(new WebAssembly.Module(bytes), { e: { m: memory } }).exports as Record<string, Run>;
    cached = { memory, f32: new Float32Array(memory.buffer), i32: new Int32Array(memory.buffer), run: [e.maxRun1!, e.maxRun2!] };
  } catch {
    cached = null;
  }
  return cached;
}

/** Makes the memory hold at least `floats` floats (views renewed). */
export function ensurePoolFloats(w: WasmPool, floats: number): void {
  const need = Math.ceil((floats * 4) / 65536) - w.memory.buffer.byteLength / 65536;
  if (need <= 0) return;
  w.memory.grow(need);
  w.f32 = new Float32Array(w.memory.buffer);
  w.i32 = new Int32Array(w.memory.buffer);
}
