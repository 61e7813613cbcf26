// float32 conv2d and its input gradient over a batch, one image per kernel thread per round: this thread
// packs the weights once and copies images in and results out; every image's im2col, GEMM and col2im run
// in WebAssembly memory (threads/conv-parts.ts), so the whole per-image pipeline spreads across threads.
import type { Packer } from './gemm.js';
import { KC, MC0, NC0 } from './gemm.js';
import type { ConvGeom } from './im2col.js';
import type { WasmGemm } from './wasm-gemm.js';
import { ensureWasmFloats } from './wasm-gemm.js';
import { CONV_ARGS } from '../threads/conv-parts.js';
import { ARGS, NARGS } from '../threads/gebp-part.js';
import { CONV_IMAGE, getNumThreads, runParts } from '../threads/pool.js';

/** A batch of per-image GEMMs: forward C[M=Og, hw] = W x col(x); backward col(dx) += W^T x gradOut (M = ckk, K = Og). */
export interface ImageJob {
  g: ConvGeom;
  M: number;
  K: number;
  /** Packs the weights (A) as gemm.ts's packers do. */
  packA: Packer;
  images: number;
  backward: boolean;
  /** Copies image n's input (forward: x, C*H*W; backward: gradOut, K*hw) to f32[at...]. */
  load(n: number, f32: Float32Array, at: number): void;
  /** Takes image n's result: forward rows o < M of length hw at f32[at + o*ld]; backward gradInput (C*H*W) at f32[at]. */
  store(n: number, f32: Float32Array, at: number, ld: number): void;
}

const up4 = (n: number): number => Math.ceil(n / 4) * 4;
const args = new Int32Array(ARGS + NARGS);

export function convImages(w: WasmGemm, job: ImageJob): void {
  const { g, M, K, backward } = job, MR = w.mr, NR = w.nr;
  const MC = Math.floor(MC0 / MR) * MR, NC = Math.floor(NC0 / NR) * NR, mPad = Math.ceil(M / MR) * MR;
  const kcB = Math.ceil(K / Math.max(1, Math.ceil(K / KC)));
  const hw = g.Ho * g.Wo, hwPad = Math.ceil(hw / NR) * NR, ncMax = Math.min(NC, hwPad);
  const hp = g.H + 2 * g.ph, wp = g.W + 2 * g.pw, chw = g.C * g.H * g.W;
  // one region per thread: [padded stage][compact image][gradOut (backward)][B block][C block or whole image]
  const compact = up4(g.C * hp * wp), gyOff = compact + up4(chw), bOff = backward ? gyOff + up4(K * hw) : gyOff;
  const cOff = bOff + kcB * ncMax, regSize = up4(cOff + mPad * (backward ? ncMax : hwPad));
  const reg0 = up4(mPad * K), threads = Math.max(1, Math.min(getNumThreads(), job.images));
  ensureWasmFloats(w, reg0 + threads * regSize);
  for (let pc = 0, kc = 0; pc < K; pc += kc) {
    kc = Math.min(kcB, K - pc);
    job.packA(pc, kc, 0, M, MR, w.f32, pc * mPad);
  }
  const A = CONV_ARGS;
  args.fill(0);
  const put = (k: keyof typeof CONV_ARGS, v: number): void => { args[ARGS + A[k]] = v; };
  put('C', g.C); put('H', g.H); put('W', g.W); put('kh', g.kh); put('kw', g.kw); put('Ho', g.Ho); put('Wo', g.Wo);
  put('sh', g.sh); put('sw', g.sw); put('ph', g.ph); put('pw', g.pw); put('dh', g.dh); put('dw', g.dw);
  put('mPad', mPad); put('K', K); put('kcB', kcB); put('aBase', 0); put('reg0', reg0); put('regSize', regSize);
  put('MR', MR); put('NR', NR); put('MC', MC); put('NC', NC); put('backward', backward ? 1 : 0);
  put('compact', compact); put('bOff', bOff); put('cOff', cOff); put('gyOff', gyOff);
  const ranges = Array.from({ length: threads }, (_, s): [number, number] => [s, s + 1]);
  for (let n0 = 0; n0 < job.images; n0 += threads) {
    const count = Math.min(threads, job.images - n0);
    for (let s = 0; s < count; s++) job.load(n0 + s, w.f32, reg0 + s * regSize + (backward ? gyOff : compact));
    runParts(w, CONV_IMAGE, args, count === threads ? ranges : ranges.slice(0, count));
    for (let s = 0; s < count; s++) job.store(n0 + s, w.f32, reg0 + s * regSize + (backward ? compact : cOff), hwPad);
  }
}
