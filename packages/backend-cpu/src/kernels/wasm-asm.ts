// A few WebAssembly encoding helpers and opcodes, enough to assemble Flint's kernels from bytes
// (no toolchain, no native build). Spec: https://webassembly.github.io/spec/core/binary/
export const leb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>>= 7;
    if (n === 0) { out.push(b); return out; }
    out.push(b | 0x80);
  }
};
export const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) { out.push(b); return out; }
    out.push(b | 0x80);
  }
};
export const vec = (items: number[][]): number[] => [...leb(items.length), ...items.flat()];
export const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
export const str = (s: string): number[] => [...leb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

export const I32 = 0x7f, F32 = 0x7d, F64 = 0x7c, V128 = 0x7b;
/** i32 comparisons (unsigned less-than, greater-or-equal). */
export const LT_U = 0x49, GE_U = 0x4f;
export const GET = 0x20, SET = 0x21, TEE = 0x22, CONST = 0x41, ADD = 0x6a, SUB = 0x6b, MUL = 0x6c, EQZ = 0x45;
export const BLOCK = [0x02, 0x40], LOOP = [0x03, 0x40], IF = [0x04, 0x40], ELSE = 0x05, END = 0x0b, BR = 0x0c, BR_IF = 0x0d, CALL = 0x10;
export const simd = (op: number): number[] => [0xfd, ...leb(op)];
export const V128_LOAD = 0, LOAD32_SPLAT = 9, V128_STORE = 11, V128_CONST = 12, F32X4_ADD = 228, F32X4_MUL = 230;
/** f32x4.relaxed_madd (relaxed SIMD): a*b + c, with one rounding where the hardware fuses it. */
export const F32X4_RELAXED_MADD = 0x105;
export const load = (op: number, offset: number): number[] => [...simd(op), 0, ...leb(offset)];
export const addConst = (local: number, n: number): number[] => [GET, local, CONST, ...sleb(n), ADD, SET, local];
export const F32_LOAD = 0x2a, F32_STORE = 0x38, F32_ADD = 0x92, EQ = 0x46, SHL = 0x74;
/** memory.copy (bulk memory): pops dst, src, byte count. */
export const MEMORY_COPY = [0xfc, 10, 0, 0];
/** A function body: its locals (runs of [count, type]) then code. */
export const funcBody = (locals: number[][], code: number[]): number[] => {
  const body = [...vec(locals), ...code];
  return [...leb(body.length), ...body];
};
