// max/avg pooling over [N, C, H, W] and their backward kernels, one invocation per output (forward) or per
// input element (avgPool2dBackward, deterministic); maxPool2dBackward adds at the saved indices atomically.
import type { KernelAttrs, KernelTable } from '@flint/core';
import type { Gpu } from '../runtime/gpu.js';
import type { WgBuffer } from '../runtime/pool.js';
import type { T } from './common.js';
import { ENTRY, FLAT, PRELUDE, Params, describe, grid, numel, windows } from './common.js';
import { windowOf } from './strided.js';

const FIELDS = 'planes: u32, H: u32, W: u32, Ho: u32, Wo: u32, kh: u32, kw: u32, sh: u32, sw: u32, ph: u32, pw: u32, dh: u32, dw: u32, incl: u32, div: u32, xo: u32, yo: u32';
const pair = (v: unknown, d: [number, number]): [number, number] => (Array.isArray(v) && v.length === 2 ? [v[0] as number, v[1] as number] : d);

function words(a: KernelAttrs, inShape: readonly number[], outShape: readonly number[]): number[] {
  const [N, C, H, W] = inShape as [number, number, number, number];
  const [kh, kw] = pair(a.kernelSize, [1, 1]);
  const [sh, sw] = pair(a.stride, [kh, kw]), [ph, pw] = pair(a.padding, [0, 0]), [dh, dw] = pair(a.dilation, [1, 1]);
  const div = typeof a.divisorOverride === 'number' ? a.divisorOverride : 0;
  return [N * C, H, W, outShape[2]!, outShape[3]!, kh, kw, sh, sw, ph, pw, dh, dw, a.countIncludePad === false ? 0 : 1, div];
}

const head = (bindings: string, extra = ''): string => `${PRELUDE}
struct P { n: u32, ${FIELDS} }
@group(0) @binding(0) var<uniform> p: P;
${bindings}
${extra}
${ENTRY()} {
  ${FLAT()}
  if (i >= p.n) { return; }`;

// torch's avg_pool2d window of output (oh, ow): clipped bounds and divisor
const AVG = /* wgsl */ `
fn window(oh: u32, ow: u32) -> array<i32, 5> {
  var hs = i32(oh * p.sh) - i32(p.ph); var ws = i32(ow * p.sw) - i32(p.pw);
  var he = min(hs + i32(p.kh), i32(p.H + p.ph)); var we = min(ws + i32(p.kw), i32(p.W + p.pw));
  let size = (he - hs) * (we - ws);
  hs = max(hs, 0); ws = max(ws, 0); he = min(he, i32(p.H)); we = min(we, i32(p.W));
  var d = size; if (p.div != 0u) { d = i32(p.div); } else if (p.incl == 0u) { d = (he - hs) * (we - ws); }
  return array<i32, 5>(hs, he, ws, we, d);
}`;

/** maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward (float32; int32 indices). */
export function poolKernels(gpu: Gpu): KernelTable<WgBuffer> {
  const align = gpu.limits.minStorageBufferOffsetAlignment;
  // work over planes (N*C of them); past the binding limit in chunks of planes, each binding its windows of the
  // input-sized (HW per plane) and output-sized (HoWo per plane) tensors; `perIn`: one invocation per input element
  const run = (kernel: string, wgsl: () => string, w: number[], xs: T[], ys: T[], order: T[], perIn = false): void => {
    const [planes, H, W, Ho, Wo] = w as [number, number, number, number, number];
    const hw = H * W, ohw = Ho * Wo;
    if (planes * (perIn ? hw : ohw) === 0) return;
    const whole = order.every((t) => t.buffer.bytes <= gpu.maxBinding);
    const per = whole ? planes : Math.max(1, Math.floor((gpu.maxBinding - align) / (4 * Math.max(hw, ohw))));
    for (let p0 = 0; p0 < planes; p0 += per) {
      const p1 = Math.min(planes, p0 + per);
      const xw = whole ? { offset: 0, size: 0, base: 0 } : windowOf(p0 * hw, p1 * hw - 1, 4, align);
      const yw = whole ? { offset: 0, size: 0, base: 0 } : windowOf(p0 * ohw, p1 * ohw - 1, 4, align);
      const bind = (t: T) => {
        if (whole) return { buf: t.buffer };
        const win = xs.includes(t) ? xw : yw;
        return { buf: t.buffer, offset: win.offset, size: Math.max(4, win.size) };
      };
      const n = (p1 - p0) * (perIn ? hw : ohw);
      const words = [p1 - p0, ...w.slice(1)];
      void ys;
      gpu.run({ kernel, key: kernel, wgsl, params: new Params().u32(n, ...words, p0 * hw - xw.base, p0 * ohw - yw.base).done(), groups: grid(n, gpu), bindings: order.map(bind), describe: describe(order.slice(0, 1), order.slice(1)) });
    }
  };
  return {
    maxPool2d: ([x], [y, idx], a) => {
      const wgsl = (): string => `${head(`@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> ix: array<i32>;`)}
  let ow = i % p.Wo; let oh = (i / p.Wo) % p.Ho; let pl = i / (p.Wo * p.Ho); let base = pl * p.H * p.W;
  let hs = i32(oh * p.sh) - i32(p.ph); let ws = i32(ow * p.sw) - i32(p.pw);
  var best = -inf(); var bi = -1; var done = false;
  for (var a = 0u; a < p.kh && !done; a++) {
    let h = hs + i32(a * p.dh); if (h < 0 || h >= i32(p.H)) { continue; }
    for (var b = 0u; b < p.kw; b++) {
      let w = ws + i32(b * p.dw); if (w < 0 || w >= i32(p.W)) { continue; }
      let v = x[p.xo + base + u32(h) * p.W + u32(w)];
      if (bi < 0 || v > best || isnan(v)) { best = v; bi = h * i32(p.W) + w; if (isnan(v)) { done = true; break; } }
    }
  }
  y[p.yo + i] = best; ix[p.yo + i] = max(bi, 0);
}`;
      run('maxPool2d', wgsl, words(a, x!.shape, y!.shape), [x!], [y!, idx!], [x!, y!, idx!]);
    },
    maxPool2dBackward: ([gy, idx], [gx], a) => {
      for (const [s0, count] of windows(numel(gx!.shape), gpu)) {
        const zw = windowOf(s0, s0 + count - 1, 4, align);
        gpu.run({ kernel: 'maxPool2dBackward', key: 'zero', wgsl: zero, params: new Params().u32(count, s0 - zw.base).done(), groups: grid(count, gpu), bindings: [{ buf: gx!.buffer, offset: zw.offset, size: zw.size }], describe: describe([gy!], [gx!]) });
      }
      const wgsl = (): string => `${head(`@group(0) @binding(1) var<storage, read> gy: array<f32>;
@group(0) @binding(2) var<storage, read> ix: array<i32>;
@group(0) @binding(3) var<storage, read_write> gx: array<atomic<u32>>;`)}
  let pl = i / (p.Wo * p.Ho); let o = p.xo + pl * p.H * p.W + u32(ix[p.yo + i]); let v = gy[p.yo + i];
  loop { let old = atomicLoad(&gx[o]); if (atomicCompareExchangeWeak(&gx[o], old, bitcast<u32>(bitcast<f32>(old) + v)).exchanged) { break; } }
}`;
      run('maxPool2dBackward', wgsl, words({}, a.inputShape, gy!.shape), [gx!], [gy!, idx!], [gy!, idx!, gx!]);
    },
    avgPool2d: ([x], [y], a) => {
      const wgsl = (): string => `${head(`@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;`, AVG)}
  let ow = i % p.Wo; let oh = (i / p.Wo) % p.Ho; let pl = i / (p.Wo * p.Ho); let base = pl * p.H * p.W;
  let win = window(oh, ow);
  var s = 0.0;
  for (var h = win[0]; h < win[1]; h++) { for (var w = win[2]; w < win[3]; w++) { s += x[p.xo + base + u32(h) * p.W + u32(w)]; } }
  y[p.yo + i] = select(s / f32(win[4]), 0.0, win[0] >= win[1] || win[2] >= win[3]);
}`;
      run('avgPool2d', wgsl, words(a, x!.shape, y!.shape), [x!], [y!], [x!, y!]);
    },
    avgPool2dBackward: ([gy], [gx], a) => {
      const wgsl = (): string => `${head(`@group(0) @binding(1) var<storage, read> gy: array<f32>;
@group(0) @binding(2) var<storage, read_write> gx: array<f32>;`, AVG)}
  let w = i32(i % p.W); let h = i32((i / p.W) % p.H); let pl = i / (p.W * p.H);
  // the outputs whose (unclipped) window can cover (h, w)
  let oh0 = max(0, (h + i32(p.ph) - i32(p.kh) + i32(p.sh)) / i32(p.sh)); let oh1 = min(i32(p.Ho) - 1, (h + i32(p.ph)) / i32(p.sh));
  let ow0 = max(0, (w + i32(p.pw) - i32(p.kw) + i32(p.sw)) / i32(p.sw)); let ow1 = min(i32(p.Wo) - 1, (w + i32(p.pw)) / i32(p.sw));
  var s = 0.0;
  for (var oh = oh0; oh <= oh1; oh++) { for (var ow = ow0; ow <= ow1; ow++) {
    let win = window(u32(oh), u32(ow));
    if (h >= win[0] && h < win[1] && w >= win[2] && w < win[3]) { s += gy[p.yo + (pl * p.Ho + u32(oh)) * p.Wo + u32(ow)] / f32(win[4]); }
  } }
  gx[p.xo + i] = s;
}`;
      run('avgPool2dBackward', wgsl, words(a, a.inputShape, gy!.shape), [gx!], [gy!], [gy!, gx!], true);
    },
  };
}

const zero = (): string => `
struct P { n: u32, o: u32, b: u32, c: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
${ENTRY()} { ${FLAT()} if (i < p.n) { out[p.o + i] = 0u; } }`;
