// gruSequence and lstmSequence (contract 2.1, inference): one matmul projects every step's input, then per
// step one matmul of the previous h (read in place from the output, transposes folded into the indexing)
// and one cell kernel that adds the biases, applies the gates and writes h into the output.
import type { KernelTable } from '@flint/core';
import type { Gpu } from '../runtime/gpu.js';
import type { WgBuffer } from '../runtime/pool.js';
import type { T } from './common.js';
import { ENTRY, FLAT, PRELUDE, Params, describe, grid } from './common.js';
import { encodeMatmul } from './matmul.js';

const dense3 = (buffer: WgBuffer, offset: number, rows: number, cols: number): T =>
  ({ buffer, dtype: 'float32', shape: [1, rows, cols], strides: [0, cols, 1], offset });
/** wᵀ of a dense [G, K] weight as a [1, K, G] view. */
const transposed = (w: T): T => ({ ...w, shape: [1, w.shape[1]!, w.shape[0]!], strides: [0, 1, w.shape[1]!] });

// per (b, j): gates from xg (step t) + hg + biases; h' written to out at step t; lstm keeps c in place
const cellWgsl = (lstm: boolean) => (): string => `${PRELUDE}
struct P { n: u32, H: u32, xo: u32, ho: u32, oo: u32, first: u32, bias: u32, pad: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> xg: array<f32>;
@group(0) @binding(2) var<storage, read> hg: array<f32>;
@group(0) @binding(3) var<storage, read> h0: array<f32>;
@group(0) @binding(4) var<storage, read> bih: array<f32>;
@group(0) @binding(5) var<storage, read> bhh: array<f32>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;
${lstm ? '@group(0) @binding(7) var<storage, read_write> c: array<f32>;' : ''}
fn bi(k: u32) -> f32 { if (p.bias == 0u) { return 0.0; } return bih[k]; }
fn bh(k: u32) -> f32 { if (p.bias == 0u) { return 0.0; } return bhh[k]; }
${ENTRY()} {
  ${FLAT()}
  if (i >= p.n) { return; }
  let b = i / p.H; let j = i % p.H; let G = ${lstm ? 4 : 3}u * p.H; let g = b * G + j;
  var hp = 0.0; if (p.first == 1u) { hp = h0[i]; } else { hp = out[p.ho + i]; }
  ${lstm
    ? `let ig = fsigmoid(xg[p.xo + g] + bi(j) + hg[g] + bh(j));
  let fg = fsigmoid(xg[p.xo + g + p.H] + bi(p.H + j) + hg[g + p.H] + bh(p.H + j));
  let gg = ftanh(xg[p.xo + g + 2u * p.H] + bi(2u * p.H + j) + hg[g + 2u * p.H] + bh(2u * p.H + j));
  let og = fsigmoid(xg[p.xo + g + 3u * p.H] + bi(3u * p.H + j) + hg[g + 3u * p.H] + bh(3u * p.H + j));
  let cn = fg * c[i] + ig * gg; c[i] = cn;
  out[p.oo + i] = og * ftanh(cn);`
    : `let r = fsigmoid(xg[p.xo + g] + bi(j) + (hg[g] + bh(j)));
  let z = fsigmoid(xg[p.xo + g + p.H] + bi(p.H + j) + (hg[g + p.H] + bh(p.H + j)));
  let n = ftanh(xg[p.xo + g + 2u * p.H] + bi(2u * p.H + j) + r * (hg[g + 2u * p.H] + bh(2u * p.H + j)));
  out[p.oo + i] = n + z * (hp - n);`}
}`;

/** gruSequence and lstmSequence (float32, inputs dense). */
export function sequenceKernels(gpu: Gpu): KernelTable<WgBuffer> {
  const run = (lstm: boolean, x: T, h0: T, c0: T | undefined, wIh: T, wHh: T, bIh: T | undefined, bHh: T | undefined, out: T, hN: T, cN: T | undefined, reverse: boolean): void => {
    const [Tn, B, I] = x.shape as [number, number, number], H = h0.shape[1]!, G = (lstm ? 4 : 3) * H;
    if (Tn * B * H === 0) return;
    const xg = gpu.allocate(Tn * B * G * 4, () => 'sequence input projection'), hg = gpu.allocate(B * G * 4, () => 'sequence gates');
    const c = lstm ? gpu.allocate(B * H * 4, () => 'lstm cell state') : undefined;
    if (c) gpu.copy(c0!.buffer, c0!.offset * 4, c, 0, B * H * 4);
    encodeMatmul(gpu, { ...x, shape: [1, Tn * B, I], strides: [0, I, 1] }, transposed(wIh), dense3(xg, 0, Tn * B, G));
    let prev = -1;
    for (let s = 0; s < Tn; s++) {
      const t = reverse ? Tn - 1 - s : s;
      encodeMatmul(gpu, prev < 0 ? { ...h0, shape: [1, B, H], strides: [0, H, 1] } : dense3(out.buffer, out.offset + prev * B * H, B, H), transposed(wHh), dense3(hg, 0, B, G));
      const params = new Params().u32(B * H, H, t * B * G, out.offset + Math.max(prev, 0) * B * H, out.offset + t * B * H, prev < 0 ? 1 : 0, bIh ? 1 : 0, 0).done();
      gpu.run({
        kernel: lstm ? 'lstmSequence' : 'gruSequence', key: lstm ? 'lstmSequence' : 'gruSequence', wgsl: cellWgsl(lstm), params, groups: grid(B * H, gpu),
        bindings: [{ buf: xg }, { buf: hg }, { buf: h0.buffer }, { buf: (bIh ?? h0).buffer }, { buf: (bHh ?? h0).buffer }, { buf: out.buffer }, ...(c ? [{ buf: c }] : [])],
        describe: describe([x, h0, wIh, wHh], [out]),
      });
      prev = t;
    }
    gpu.copy(out.buffer, (out.offset + prev * B * H) * 4, hN.buffer, hN.offset * 4, B * H * 4);
    if (c && cN) gpu.copy(c, 0, cN.buffer, cN.offset * 4, B * H * 4);
    for (const buf of [xg, hg, ...(c ? [c] : [])]) gpu.release(buf);
  };
  return {
    gruSequence: ([x, h0, wIh, wHh, bIh, bHh], [out, hN], { reverse }) => run(false, x!, h0!, undefined, wIh!, wHh!, bIh, bHh, out!, hN!, undefined, reverse),
    lstmSequence: ([x, h0, c0, wIh, wHh, bIh, bHh], [out, hN, cN], { reverse }) => run(true, x!, h0!, c0!, wIh!, wHh!, bIh, bHh, out!, hN!, cN!, reverse),
  };
}
