// A float32 GEMM micro-kernel in WebAssembly SIMD, assembled here from bytes so the package needs no
// native build and no toolchain. It computes C[MR x NR] += Ap * Bp over packed panels (see gemm.ts).
// JS has no SIMD, so this is where float32 matmul/conv get most of their speed.

export const WASM_MR = 6;
export const WASM_NR = 8;

const leb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>>= 7;
    if (n === 0) { out.push(b); return out; }
    out.push(b | 0x80);
  }
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) { out.push(b); return out; }
    out.push(b | 0x80);
  }
};
const vec = (items: number[][]): number[] => [...leb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
const str = (s: string): number[] => [...leb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

const I32 = 0x7f, V128 = 0x7b;
const GET = 0x20, SET = 0x21;
const simd = (op: number): number[] => [0xfd, ...leb(op)];
const V128_LOAD = 0, LOAD32_SPLAT = 9, V128_STORE = 11, F32X4_ADD = 228, F32X4_MUL = 230;

/** Body of mk(kc, ap, bp, cp, ldcBytes): C tile at cp (row stride ldcBytes) += sum_k Ap[k][:] x Bp[k][:]. */
function microKernelBody(mr: number, nr: number): number[] {
  const nv = nr / 4;
  const KC = 0, AP = 1, BP = 2, CP = 3, LDC = 4;
  const acc = (r: number, v: number): number => 5 + r * nv + v;
  const bReg = (v: number): number => 5 + mr * nv + v;
  const aReg = 5 + mr * nv + nv;
  const ROW = aReg + 1; // i32 row pointer
  const code: number[] = [];
  const rowLoop = (each: (r: number) => void): void => {
    code.push(GET, CP, SET, ROW);
    for (let r = 0; r < mr; r++) {
      each(r);
      code.push(GET, ROW, GET, LDC, 0x6a, SET, ROW);
    }
  };
  rowLoop((r) => { for (let v = 0; v < nv; v++) code.push(GET, ROW, ...simd(V128_LOAD), 0, ...leb(16 * v), SET, acc(r, v)); });
  code.push(0x02, 0x40, GET, KC, 0x45, 0x0d, 0, 0x03, 0x40); // block; if kc==0 break; loop
  for (let v = 0; v < nv; v++) code.push(GET, BP, ...simd(V128_LOAD), 0, ...leb(16 * v), SET, bReg(v));
  for (let r = 0; r < mr; r++) {
    code.push(GET, AP, ...simd(LOAD32_SPLAT), 0, ...leb(4 * r), SET, aReg);
    for (let v = 0; v < nv; v++) {
      code.push(GET, acc(r, v), GET, aReg, GET, bReg(v), ...simd(F32X4_MUL), ...simd(F32X4_ADD), SET, acc(r, v));
    }
  }
  code.push(GET, AP, 0x41, ...sleb(4 * mr), 0x6a, SET, AP);
  code.push(GET, BP, 0x41, ...sleb(4 * nr), 0x6a, SET, BP);
  code.push(GET, KC, 0x41, 1, 0x6b, 0x22, KC, 0x0d, 0, 0x0b, 0x0b); // kc--; br_if loop; end loop; end block
  rowLoop((r) => { for (let v = 0; v < nv; v++) code.push(GET, ROW, GET, acc(r, v), ...simd(V128_STORE), 0, ...leb(16 * v)); });
  code.push(0x0b);
  const locals = vec([[...leb(mr * nv + nv + 1), V128], [1, I32]]);
  const body = [...locals, ...code];
  return [...leb(body.length), ...body];
}

function moduleBytes(mr: number, nr: number): Uint8Array<ArrayBuffer> {
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), 0]])),
    ...section(2, vec([[...str('e'), ...str('m'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...str('mk'), 0x00, 0]])),
    ...section(10, vec([microKernelBody(mr, nr)])),
  ];
  return new Uint8Array(bytes);
}

export interface WasmGemm {
  readonly memory: WebAssembly.Memory;
  readonly mk: (kc: number, ap: number, bp: number, cp: number, ldcBytes: number) => void;
  /** A Float32Array over the whole memory (refreshed after growth). */
  f32: Float32Array;
}

let cached: WasmGemm | null | undefined;

/** The SIMD kernel, or null where the engine lacks WebAssembly SIMD (then gemm.ts uses plain JS). */
export function wasmGemm(): WasmGemm | null {
  if (cached !== undefined) return cached;
  cached = null;
  try {
    const g = globalThis as { WebAssembly?: typeof WebAssembly };
    const bytes = moduleBytes(WASM_MR, WASM_NR);
    if (!g.WebAssembly || !WebAssembly.validate(bytes)) return null;
    const memory = new WebAssembly.Memory({ initial: 1 });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { e: { m: memory } });
    const mk = inst.exports.mk as WasmGemm['mk'];
    cached = { memory, mk, f32: new Float32Array(memory.buffer) };
  } catch {
    cached = null;
  }
  return cached;
}

/** Make the memory hold at least `floats` float32 values. */
export function ensureWasmFloats(w: WasmGemm, floats: number): void {
  const need = floats * 4;
  if (w.memory.buffer.byteLength < need) {
    w.memory.grow(Math.ceil((need - w.memory.buffer.byteLength) / 65536));
  }
  if (w.f32.buffer !== w.memory.buffer || w.f32.length * 4 !== w.memory.buffer.byteLength) w.f32 = new Float32Array(w.memory.buffer);
}
