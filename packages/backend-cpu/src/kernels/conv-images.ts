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
  /** Forward only: M values added to every output position of each row. */
  bias?: ArrayLike<number>;
  /** Copies image n's input (forward: x, C*H*W; backward: gradOut, K*hw) to f32[at...]. */
  load(n: number, f32: Float32Array, at: number): void;
  /** Takes image n's result: forward rows o < M of length hw at f32[at + o*ld]; backward gradInput (C*H*W) at f32[at]. */
  store(n: number, f32: Float32Array, at: number, ld: number): void;
}

const up4 = (n: number): number => Math.ceil(n / 4) * 4;
const args = new Int32Array(ARGS + NARGS);

type Fields = Partial<Record<keyof typeof CONV_ARGS, number>>;

/** Fills the job arguments: the image geometry and `f`. */
function putGeometry(g: ConvGeom, f: Fields): void {
  args.fill(0);
  const all: Fields = { C: g.C, H: g.H, W: g.W, kh: g.kh, kw: g.kw, Ho: g.Ho, Wo: g.Wo, sh: g.sh, sw: g.sw, ph: g.ph, pw: g.pw, dh: g.dh, dw: g.dw, ...f };
  for (const [k, v] of Object.entries(all)) args[ARGS + CONV_ARGS[k as keyof typeof CONV_ARGS]] = v;
}

/** Runs `images` in rounds of one per thread: load before each round, store after it. */
function rounds(w: WasmGemm, images: number, threads: number, each: (round: number) => void, load: (n: number, slot: number) => void,
  store: (n: number, slot: number) => void): void {
  const ranges = Array.from({ length: threads }, (_, s): [number, number] => [s, s + 1]);
  for (let n0 = 0, r = 0; n0 < images; n0 += threads, r++) {
    const count = Math.min(threads, images - n0);
    for (let s = 0; s < count; s++) load(n0 + s, s);
    each(r);
    runParts(w, CONV_IMAGE, args, count === threads ? ranges : ranges.slice(0, count));
    for (let s = 0; s < count; s++) store(n0 + s, s);
  }
}

/** Runs a batch of per-image conv GEMMs (forward or input gradient), one image per thread per round. */
export function convImages(w: WasmGemm, job: ImageJob): void {
  const { g, M, K, backward } = job, MR = w.mr, NR = w.nr;
  const MC = Math.floor(MC0 / MR) * MR, NC = Math.floor(NC0 / NR) * NR, mPad = Math.ceil(M / MR) * MR;
  const kcB = Math.ceil(K / Math.max(1, Math.ceil(K / KC)));
  const hw = g.Ho * g.Wo, hwPad = Math.ceil(hw / NR) * NR, ncMax = Math.min(NC, hwPad);
  const hp = g.H + 2 * g.ph, wp = g.W + 2 * g.pw, chw = g.C * g.H * g.W;
  // one region per thread: [padded stage][compact image][gradOut (backward)][B block][C block or whole image]
  const compact = up4(g.C * hp * wp), gyOff = compact + up4(chw), bOff = backward ? gyOff + up4(K * hw) : gyOff;
  const cOff = bOff + kcB * ncMax, regSize = up4(cOff + mPad * (backward ? ncMax : hwPad));
  // fewer images than threads: the forward gives each thread a range of an image's columns instead
  const T = getNumThreads(), panels = hwPad / NR, byCols = !backward && job.images < T && panels > 1;
  const biasAt = up4(mPad * K), reg0 = biasAt + up4(M), threads = byCols ? Math.min(T, panels) : Math.max(1, Math.min(T, job.images));
  ensureWasmFloats(w, reg0 + threads * regSize);
  for (let pc = 0, kc = 0; pc < K; pc += kc) {
    kc = Math.min(kcB, K - pc);
    job.packA(pc, kc, 0, M, MR, w.f32, pc * mPad);
  }
  if (job.bias) for (let r = 0; r < M; r++) w.f32[biasAt + r] = job.bias[r]!;
  putGeometry(g, { mPad, K, kcB, aBase: 0, reg0, regSize, MR, NR, MC, NC, mode: backward ? 1 : 0, compact, bOff, cOff, gyOff,
    bias: job.bias ? biasAt : -1, M });
  if (byCols) {
    const chunk = Math.ceil(panels / threads), ranges: [number, number][] = [];
    for (let p = 0; p < panels; p += chunk) ranges.push([p, Math.min(p + chunk, panels)]);
    args[ARGS + CONV_ARGS.mode] = 3; args[ARGS + CONV_ARGS.chunk] = chunk;
    for (let n = 0; n < job.images; n++) {
      // stage the image here once (zero border, rows into place); the parts only read it
      job.load(n, w.f32, reg0 + compact);
      w.f32.fill(0, reg0, reg0 + g.C * hp * wp);
      for (let c = 0; c < g.C; c++) w.padRows(4 * (reg0 + compact + c * g.H * g.W), 4 * (reg0 + (c * hp + g.ph) * wp + g.pw), g.H, 4 * g.W, 4 * g.W, 4 * wp);
      runParts(w, CONV_IMAGE, args, ranges);
      job.store(n, w.f32, reg0 + cOff, hwPad);
    }
    return;
  }
  rounds(w, job.images, threads, () => {}, (n, s) => job.load(n, w.f32, reg0 + s * regSize + (backward ? gyOff : compact)),
    (n, s) => job.store(n, w.f32, reg0 + s * regSize + (backward ? compact : cOff), hwPad));
}

/** The weight gradient over a batch: gradW[M=Og, ckk] = sum over images of gradOut_n x col_n^T. */
export interface WeightJob {
  g: ConvGeom;
  M: number;
  images: number;
  /** Copy image n's input (C*H*W) and gradOut (M*hw) to f32[at...]. */
  loadX(n: number, f32: Float32Array, at: number): void;
  loadGy(n: number, f32: Float32Array, at: number): void;
  /** Takes the sum: gradW[o, j] for o < M, j < ckk is f32[at + o*ld + j]. */
  store(f32: Float32Array, at: number, ld: number): void;
}

/**
 * Each thread adds its images' products into its own accumulator; the accumulators are summed in thread
 * order at the end, so the result is the same run to run for a given thread count.
 */
export function convWeightImages(w: WasmGemm, job: WeightJob): void {
  const { g, M } = job, MR = w.mr, NR = w.nr, hw = g.Ho * g.Wo, ckk = g.C * g.kh * g.kw;
  const MC = Math.floor(MC0 / MR) * MR, mPad = Math.ceil(M / MR) * MR, ckkPad = Math.ceil(ckk / NR) * NR;
  const kcB = Math.ceil(hw / Math.max(1, Math.ceil(hw / KC)));
  const hp = g.H + 2 * g.ph, wp = g.W + 2 * g.pw, chw = g.C * g.H * g.W;
  // region: [padded stage][compact image][gradOut][A block][B block][C accumulator]
  const compact = up4(g.C * hp * wp), gyOff = compact + up4(chw), aOff = gyOff + up4(M * hw), bOff = aOff + up4(kcB * mPad);
  const cOff = bOff + up4(kcB * ckkPad), regSize = up4(cOff + mPad * ckkPad), threads = Math.max(1, Math.min(getNumThreads(), job.images));
  ensureWasmFloats(w, threads * regSize);
  if (job.images === 0 || hw === 0) { w.f32.fill(0, cOff, cOff + mPad * ckkPad); job.store(w.f32, cOff, ckkPad); return; }
  putGeometry(g, { mPad, K: hw, kcB, reg0: 0, regSize, MR, NR, MC, NC: ckkPad, mode: 2, compact, bOff, cOff, gyOff, bias: -1, M, aOff });
  rounds(w, job.images, threads, (r) => { args[ARGS + CONV_ARGS.accumulate] = r === 0 ? 0 : 1; },
    (n, s) => { job.loadX(n, w.f32, s * regSize + compact); job.loadGy(n, w.f32, s * regSize + gyOff); }, () => {});
  // a thread that got no image (fewer images than threads) never started its accumulator
  const used = Math.min(threads, job.images), f32 = w.f32;
  for (let s = 1; s < used; s++) {
    for (let o = 0; o < M; o++) {
      const dst = cOff + o * ckkPad, src = s * regSize + cOff + o * ckkPad;
      for (let j = 0; j < ckk; j++) f32[dst + j] += f32[src + j]!;
    }
  }
  job.store(f32, cOff, ckkPad);
}
