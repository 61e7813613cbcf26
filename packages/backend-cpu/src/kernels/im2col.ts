// im2col/col2im for one channel group: the bridge that turns convolution into GEMM. The col matrix has
// rows (c, i, j) over the kernel window and columns (oh, ow) over output positions; it is never built
// whole: packers write it straight into GEMM panels, and col2im reads GEMM's output block in place.
import type { Packer, Scratch } from './gemm.js';
import { packPanels } from './gemm.js';

export interface ConvGeom {
  C: number; H: number; W: number; kh: number; kw: number; Ho: number; Wo: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
}

type Arr = Float32Array | Float64Array | Int32Array | Uint8Array;

/** The ow range whose input column ow*sw - pw + j*dw falls inside [0, W). */
export function validCols(g: ConvGeom, j: number): [number, number] {
  const shift = j * g.dw - g.pw;
  const lo = Math.max(0, Math.ceil(-shift / g.sw));
  const hi = Math.min(g.Wo, Math.floor((g.W - 1 - shift) / g.sw) + 1);
  return [lo, Math.max(lo, hi)];
}

/** Where col row `row` of an image comes from: channel c, window offset (i, j), valid ow range [lo, hi). */
function rowSource(g: ConvGeom, row: number): { c: number; i: number; j: number; lo: number; hi: number } {
  const j = row % g.kw, i = Math.floor(row / g.kw) % g.kh, c = Math.floor(row / (g.kw * g.kh));
  const [lo, hi] = validCols(g, j);
  return { c, i, j, lo, hi };
}

/**
 * Writes col[row][q0..q1) of the image at xOff as one row of w-wide panels: w consecutive values from
 * dst[o], the next w from dst[o + step]. Copies go a panel-row chunk at a time, so the inner loops
 * carry no lane bookkeeping.
 */
function im2colPanelRow(x: Arr, xOff: number, g: ConvGeom, row: number, q0: number, q1: number, dst: Scratch, o: number, w: number, step: number): void {
  const { H, W, Wo, sh, sw, ph, pw, dh, dw } = g, { c, i, j, lo, hi } = rowSource(g, row);
  let lane = 0, oh = Math.floor(q0 / Wo), ow0 = q0 - oh * Wo;
  for (let q = q0; q < q1; oh++, ow0 = 0) {
    const owEnd = Math.min(Wo, ow0 + q1 - q), ih = oh * sh - ph + i * dh, inside = ih >= 0 && ih < H;
    // [ow0, a) and [b, owEnd) fall in the padding; [a, b) reads the image
    const a = inside ? Math.min(Math.max(lo, ow0), owEnd) : owEnd, b = inside ? Math.max(a, Math.min(hi, owEnd)) : owEnd;
    const src = xOff + (c * H + ih) * W + j * dw - pw;
    for (let ow = ow0; ow < owEnd;) {
      const end = Math.min(owEnd, ow + w - lane), d = o + lane - ow; // dst index of ow is d + ow
      for (let t = ow, e = Math.min(a, end); t < e; t++) dst[d + t] = 0;
      if (sw === 1) for (let t = Math.max(a, ow), e = Math.min(b, end); t < e; t++) dst[d + t] = x[src + t]!;
      else for (let t = Math.max(a, ow), e = Math.min(b, end); t < e; t++) dst[d + t] = x[src + t * sw]!;
      for (let t = Math.max(b, ow); t < end; t++) dst[d + t] = 0;
      lane += end - ow;
      ow = end;
      if (lane === w) { lane = 0; o += step; }
    }
    q += owEnd - ow0;
  }
}

/** Writes col[row][q0..q1) of the image at xOff down one panel lane: element q at dst[o + (q - q0)*step]. */
function im2colLane(x: Arr, xOff: number, g: ConvGeom, row: number, q0: number, q1: number, dst: Scratch, o: number, step: number): void {
  const { H, W, Wo, sh, sw, ph, pw, dh, dw } = g, { c, i, j, lo, hi } = rowSource(g, row);
  let oh = Math.floor(q0 / Wo), ow0 = q0 - oh * Wo;
  for (let q = q0; q < q1; oh++, ow0 = 0) {
    const owEnd = Math.min(Wo, ow0 + q1 - q), ih = oh * sh - ph + i * dh, inside = ih >= 0 && ih < H;
    const a = inside ? Math.min(Math.max(lo, ow0), owEnd) : owEnd, b = inside ? Math.max(a, Math.min(hi, owEnd)) : owEnd;
    const src = xOff + (c * H + ih) * W + j * dw - pw;
    for (let ow = ow0; ow < a; ow++, o += step) dst[o] = 0;
    for (let ow = a; ow < b; ow++, o += step) dst[o] = x[src + ow * sw]!;
    for (let ow = b; ow < owEnd; ow++, o += step) dst[o] = 0;
    q += owEnd - ow0;
  }
}

/** B = col of the image at xOff (rows k over the window, columns over output positions), packed for conv forward. */
export const packIm2col = (x: Arr, xOff: number, g: ConvGeom): Packer => (p0, kc, j0, n, w, dst, d) => {
  const tail = n % w, last = d + Math.floor(n / w) * kc * w;
  for (let k = 0; k < kc; k++) {
    im2colPanelRow(x, xOff, g, p0 + k, j0, j0 + n, dst, d + k * w, w, kc * w);
    if (tail) dst.fill(0, last + k * w + tail, last + (k + 1) * w);
  }
};

/**
 * B = the transposed cols of a batch, stacked: B(k, j) = col_img(j, q) for k = img*hw + q, so one GEMM
 * with K = batch*hw sums the weight gradient over images without a per-image pass over C.
 */
export const packIm2colT = (x: Arr, xOff: (img: number) => number, g: ConvGeom, hw: number): Packer => (p0, kc, j0, n, w, dst, d) => {
  const pad = Math.ceil(n / w) * w;
  for (let jj = 0; jj < pad; jj++) {
    const o = d + Math.floor(jj / w) * kc * w + (jj % w);
    if (jj >= n) { for (let k = 0; k < kc; k++) dst[o + k * w] = 0; continue; }
    for (let k = p0; k < p0 + kc;) {
      const img = Math.floor(k / hw), q0 = k - img * hw, q1 = Math.min(hw, q0 + p0 + kc - k);
      im2colLane(x, xOff(img), g, j0 + jj, q0, q1, dst, o + (k - p0) * w, w);
      k += q1 - q0;
    }
  }
};

/** A = the output gradients of a batch side by side: A(o, k) = gy_img(o, q) for k = img*hw + q. */
export const packBatchRows = (gy: Arr, gyOff: (img: number) => number, hw: number): Packer => (p0, kc, i0, m, w, dst, d) => {
  for (let k = p0; k < p0 + kc;) {
    const img = Math.floor(k / hw), q0 = k - img * hw, len = Math.min(hw - q0, p0 + kc - k);
    packPanels(gy, gyOff(img) + i0 * hw + q0, 1, hw, len, m, w, dst, d + (k - p0) * w, kc * w);
    k += len;
  }
};

/** The adjoint of im2col for the col columns [j0, j0+nc) held at buf[cb + row*ldcb + q - j0]: dx += col2im. */
export function col2imBlock(buf: Scratch, cb: number, ldcb: number, j0: number, nc: number, g: ConvGeom, dx: Arr, dxOff: number): void {
  const { C, H, W, kh, kw, Wo, sh, sw, ph, dh, dw, pw } = g;
  for (let row = 0; row < C * kh * kw; row++) {
    const { c, i, j, lo, hi } = rowSource(g, row);
    let oh = Math.floor(j0 / Wo), ow0 = j0 - oh * Wo;
    for (let q = j0; q < j0 + nc; oh++, ow0 = 0) {
      const owEnd = Math.min(Wo, ow0 + j0 + nc - q), ih = oh * sh - ph + i * dh;
      if (ih >= 0 && ih < H) {
        const dst = dxOff + (c * H + ih) * W + j * dw - pw, src = cb + row * ldcb + q - ow0 - j0;
        for (let ow = Math.max(lo, ow0), e = Math.min(hi, owEnd); ow < e; ow++) dx[dst + ow * sw] += buf[src + ow]!;
      }
      q += owEnd - ow0;
    }
  }
}
