// im2col/col2im for one image's channel group: the bridge that turns convolution into GEMM.
// col has rows (c, i, j) over the kernel window and columns (oh, ow) over output positions.

export interface ConvGeom {
  C: number; H: number; W: number; kh: number; kw: number; Ho: number; Wo: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
}

type Arr = Float32Array | Float64Array | Int32Array | Uint8Array;

/** The ow range whose input column ow*sw - pw + j*dw falls inside [0, W). */
function validCols(g: ConvGeom, j: number): [number, number] {
  const shift = j * g.dw - g.pw;
  const lo = Math.max(0, Math.ceil(-shift / g.sw));
  const hi = Math.min(g.Wo, Math.floor((g.W - 1 - shift) / g.sw) + 1);
  return [lo, Math.max(lo, hi)];
}

/** col[(c*kh+i)*kw+j][oh*Wo+ow] = x[c][oh*sh-ph+i*dh][ow*sw-pw+j*dw], zero outside the image. */
export function im2col(x: Arr, xOff: number, g: ConvGeom, col: Arr): void {
  const { C, H, W, kh, kw, Ho, Wo, sh, sw, ph, dh, dw, pw } = g;
  let row = 0;
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++, row++) {
        const [lo, hi] = validCols(g, j);
        let o = row * Ho * Wo;
        for (let oh = 0; oh < Ho; oh++, o += Wo) {
          const ih = oh * sh - ph + i * dh;
          // explicit loops: rows are short, and fill()'s call overhead dominated them
          if (ih < 0 || ih >= H) { for (let ow = 0; ow < Wo; ow++) col[o + ow] = 0; continue; }
          const src = xOff + (c * H + ih) * W + j * dw - pw;
          for (let ow = 0; ow < lo; ow++) col[o + ow] = 0;
          if (sw === 1) for (let ow = lo; ow < hi; ow++) col[o + ow] = x[src + ow]!;
          else for (let ow = lo; ow < hi; ow++) col[o + ow] = x[src + ow * sw]!;
          for (let ow = hi; ow < Wo; ow++) col[o + ow] = 0;
        }
      }
    }
  }
}

/** The adjoint of im2col: dx[c][ih][iw] += col[...] (dx must start zeroed). */
export function col2im(col: Arr, g: ConvGeom, dx: Arr, dxOff: number): void {
  const { C, H, W, kh, kw, Ho, Wo, sh, sw, ph, dh, dw, pw } = g;
  let row = 0;
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++, row++) {
        const [lo, hi] = validCols(g, j);
        let o = row * Ho * Wo;
        for (let oh = 0; oh < Ho; oh++, o += Wo) {
          const ih = oh * sh - ph + i * dh;
          if (ih < 0 || ih >= H) continue;
          const dst = dxOff + (c * H + ih) * W + j * dw - pw;
          for (let ow = lo; ow < hi; ow++) dx[dst + ow * sw] += col[o + ow]!;
        }
      }
    }
  }
}
