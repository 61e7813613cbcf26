// conv's weight-gradient im2col on the WebAssembly side for float32 (the forward and input-gradient walks
// are in threads/conv-parts.ts). An image is staged zero-padded in wasm memory, so every window read is in
// bounds and the walks in wasm-im2col.ts need no checks; they write GEMM panels in the same memory.
import type { Packer } from './gemm.js';
import type { ConvGeom } from './im2col.js';
import type { WasmGemm, WindowFn } from './wasm-gemm.js';
import { ensureWasmFloats } from './wasm-gemm.js';

/** A padded image region at `base` (floats) in wasm memory, with a compact copy after it for transfers. */
export interface Stage { g: ConvGeom; base: number; hp: number; wp: number; compact: number; end: number }

export function stage(g: ConvGeom, base: number): Stage {
  const hp = g.H + 2 * g.ph, wp = g.W + 2 * g.pw, compact = base + g.C * hp * wp;
  // ends rounded to 4 floats so the regions after it stay 16-byte aligned
  return { g, base, hp, wp, compact, end: Math.ceil((compact + g.C * g.H * g.W) / 4) * 4 };
}

/** Loads image x[xOff...] into the stage: zero border, then one memcpy in and row copies into place. */
export function loadImage(w: WasmGemm, s: Stage, x: Float32Array, xOff: number): void {
  const { C, H, W, ph, pw } = s.g;
  ensureWasmFloats(w, s.end);
  w.f32.fill(0, s.base, s.compact);
  w.f32.set(x.subarray(xOff, xOff + C * H * W), s.compact);
  for (let c = 0; c < C; c++) w.padRows(4 * (s.compact + c * H * W), 4 * (s.base + (c * s.hp + ph) * s.wp + pw), H, 4 * W, 4 * W, 4 * s.wp);
}

/**
 * Calls a window walk for col row `row` over output positions [q0, q0+n), the panel side starting at
 * byte `dst` and moving li bytes per step. Four at a time when the walk is contiguous and 4-aligned.
 */
function walk(w: WasmGemm, s: Stage, row: number, q0: number, n: number, dst: number, li: number, le: number, step: number, scatter: boolean): void {
  const { kh, kw, Wo, sh, sw, dh, dw } = s.g;
  const j = row % kw, i = Math.floor(row / kw) % kh, c = Math.floor(row / (kw * kh));
  const oh = Math.floor(q0 / Wo), ow = q0 - oh * Wo;
  const rowAt = 4 * (s.base + (c * s.hp + oh * sh + i * dh) * s.wp + j * dw);
  const quad = sw === 1 && li === 4 && Wo % 4 === 0 && q0 % 4 === 0 && n % 4 === 0;
  const fn: WindowFn = scatter ? (quad ? w.scatter4 : w.scatter1) : quad ? w.gather4 : w.gather1;
  fn(rowAt, rowAt + 4 * ow * sw, dst, n, Wo, Wo - ow, 4 * sh * s.wp, quad ? 16 : 4 * sw, quad ? 16 : li, le, step);
}

/**
 * B = transposed cols of a batch stacked along K (k = img*hw + q; see packIm2colT), loading each image
 * into the stage as the K range reaches it: gemmCore keeps K blocks inside one image when hw is large.
 */
export function packIm2colTWasm(w: WasmGemm, s: Stage, x: Float32Array, xOff: (img: number) => number, hw: number): Packer {
  let staged = -1;
  return (p0, kc, j0, n, nr, dst, d) => {
    for (let k = p0; k < p0 + kc;) {
      const img = Math.floor(k / hw), q0 = k - img * hw, len = Math.min(hw - q0, p0 + kc - k);
      if (img !== staged) { loadImage(w, s, x, xOff(img)); staged = img; }
      for (let jj = 0; jj < n; jj++) {
        const o = d + Math.floor(jj / nr) * kc * nr + (jj % nr) + (k - p0) * nr;
        walk(w, s, j0 + jj, q0, len, 4 * o, 4 * nr, -1, 0, false);
      }
      k += len;
    }
    for (let jj = n; jj < Math.ceil(n / nr) * nr; jj++) {
      const o = d + Math.floor(jj / nr) * kc * nr + (jj % nr);
      for (let k = 0; k < kc; k++) dst[o + k * nr] = 0;
    }
  };
}

