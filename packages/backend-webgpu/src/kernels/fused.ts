// Fused elementwise kernels of the optional tier: the GRU/LSTM cells and their backward kernels, and the
// in-place SGD/Adam steps (float32; each intermediate is an f32 operation in the composite's order).
import type { KernelTable } from '@flint/core';
import type { Binding, Gpu } from '../runtime/gpu.js';
import type { WgBuffer } from '../runtime/pool.js';
import type { T } from './common.js';
import { ENTRY, FLAT, PRELUDE, Params, describe, grid, numel, windows } from './common.js';
import { windowOf } from './strided.js';

interface Fused { kernel: string; key: string; n: number; ins: (T | undefined)[]; outs: T[]; fields: string; body: string; params: number[]; windows?: Binding[] }

/** One invocation per element; inputs `in0..`, outputs `out0..`, absent optional inputs bound to a dummy. */
function fused(gpu: Gpu, f: Fused): void {
  if (f.n === 0) return;
  const present = f.ins.filter((t): t is T => t !== undefined);
  const dummy = present[0]!;
  const wgsl = (): string => `${PRELUDE}
struct P { n: u32, ${f.fields} }
@group(0) @binding(0) var<uniform> p: P;
${f.ins.map((_, i) => `@group(0) @binding(${i + 1}) var<storage, read> in${i}: array<f32>;`).join('\n')}
${f.outs.map((_, i) => `@group(0) @binding(${f.ins.length + i + 1}) var<storage, read_write> out${i}: array<f32>;`).join('\n')}
${ENTRY()} {
  ${FLAT()}
  if (i >= p.n) { return; }
  ${f.body}
}`;
  gpu.run({
    kernel: f.kernel, key: f.key, wgsl, params: new Params().u32(f.n).u32(...f.params).done(), groups: grid(f.n, gpu),
    bindings: f.windows ?? [...f.ins.map((t) => ({ buf: (t ?? dummy).buffer })), ...f.outs.map((t) => ({ buf: t.buffer }))], describe: describe(present, f.outs),
  });
}

/**
 * The optimizer steps are elementwise over same-shaped tensors: past the binding limit they run in element
 * chunks, each binding its window of every tensor; `run(start, count, offsets, windows)` encodes one chunk.
 */
function inChunks(gpu: Gpu, ts: T[], run: (count: number, offsets: number[], windows?: Binding[]) => void): void {
  const n = numel(ts[0]!.shape);
  if (ts.every((t) => t.buffer.bytes <= gpu.maxBinding)) { run(n, ts.map((t) => t.offset)); return; }
  const align = gpu.limits.minStorageBufferOffsetAlignment;
  for (const [s0, count] of windows(n, gpu)) {
    const ws = ts.map((t) => windowOf(t.offset + s0, t.offset + s0 + count - 1, 4, align));
    run(count, ts.map((t, k) => t.offset + s0 - ws[k]!.base), ts.map((t, k) => ({ buf: t.buffer, offset: ws[k]!.offset, size: Math.max(4, ws[k]!.size) })));
  }
}

const bits = (v: number): number => { const f = new Float32Array([v]); return new Uint32Array(f.buffer)[0]!; };

/** gruCell, gruCellBackward, lstmCell, lstmCellBackward, sgdStep, adamStep. */
export function fusedKernels(gpu: Gpu): KernelTable<WgBuffer> {
  return {
    gruCell: ([xg, hg, h, hb], [out, ws]) => {
      const [B, H] = h!.shape as [number, number];
      fused(gpu, {
        kernel: 'gruCell', key: 'gruCell', n: B * H, ins: [xg, hg, h, hb], outs: [out!, ws!], fields: 'H: u32, bias: u32', params: [H, hb ? 1 : 0],
        body: `let N = p.n; let b = i / p.H; let j = i % p.H; let g = b * 3u * p.H + j;
  var c0 = 0.0; var c1 = 0.0; var c2 = 0.0; if (p.bias == 1u) { c0 = in3[j]; c1 = in3[p.H + j]; c2 = in3[2u * p.H + j]; }
  let r = fsigmoid(in0[g] + (in1[g] + c0)); let z = fsigmoid(in0[g + p.H] + (in1[g + p.H] + c1));
  let hn = in1[g + 2u * p.H] + c2; let n = ftanh(in0[g + 2u * p.H] + r * hn);
  out1[i] = r; out1[N + i] = z; out1[2u * N + i] = n; out1[3u * N + i] = hn;
  out0[i] = n + z * (in2[i] - n);`,
      });
    },
    gruCellBackward: ([gy, h, ws], [gx, gh, gp]) => {
      const [B, H] = h!.shape as [number, number];
      fused(gpu, {
        kernel: 'gruCellBackward', key: 'gruCellBackward', n: B * H, ins: [gy, h, ws], outs: [gx!, gh!, gp!], fields: 'H: u32', params: [H],
        body: `let N = p.n; let b = i / p.H; let j = i % p.H; let g = b * 3u * p.H + j;
  let r = in2[i]; let z = in2[N + i]; let n = in2[2u * N + i]; let hn = in2[3u * N + i]; let d = in0[i];
  let dn = d * (1.0 - z) * (1.0 - n * n); let dz = d * (in1[i] - n) * z * (1.0 - z); let dr = dn * hn * r * (1.0 - r);
  out0[g] = dr; out0[g + p.H] = dz; out0[g + 2u * p.H] = dn;
  out1[g] = dr; out1[g + p.H] = dz; out1[g + 2u * p.H] = dn * r;
  out2[i] = d * z;`,
      });
    },
    lstmCell: ([xg, hg, c], [hOut, cOut, ws]) => {
      const [B, H] = c!.shape as [number, number];
      fused(gpu, {
        kernel: 'lstmCell', key: 'lstmCell', n: B * H, ins: [xg, hg, c], outs: [hOut!, cOut!, ws!], fields: 'H: u32', params: [H],
        body: `let N = p.n; let b = i / p.H; let j = i % p.H; let g = b * 4u * p.H + j;
  let ig = fsigmoid(in0[g] + in1[g]); let fg = fsigmoid(in0[g + p.H] + in1[g + p.H]);
  let gg = ftanh(in0[g + 2u * p.H] + in1[g + 2u * p.H]); let og = fsigmoid(in0[g + 3u * p.H] + in1[g + 3u * p.H]);
  let cn = fg * in2[i] + ig * gg; let tc = ftanh(cn);
  out2[i] = ig; out2[N + i] = fg; out2[2u * N + i] = gg; out2[3u * N + i] = og; out2[4u * N + i] = tc;
  out1[i] = cn; out0[i] = og * tc;`,
      });
    },
    lstmCellBackward: ([gy, gc, c, ws], [gg, gp]) => {
      const [B, H] = c!.shape as [number, number];
      fused(gpu, {
        kernel: 'lstmCellBackward', key: 'lstmCellBackward', n: B * H, ins: [gy, gc, c, ws], outs: [gg!, gp!], fields: 'H: u32', params: [H],
        body: `let N = p.n; let b = i / p.H; let j = i % p.H; let g = b * 4u * p.H + j;
  let ig = in3[i]; let fg = in3[N + i]; let gt = in3[2u * N + i]; let og = in3[3u * N + i]; let tc = in3[4u * N + i]; let d = in0[i];
  let dc = in1[i] + d * og * (1.0 - tc * tc);
  out0[g] = dc * gt * ig * (1.0 - ig); out0[g + p.H] = dc * in2[i] * fg * (1.0 - fg);
  out0[g + 2u * p.H] = dc * ig * (1.0 - gt * gt); out0[g + 3u * p.H] = d * tc * og * (1.0 - og);
  out1[i] = dc * fg;`,
      });
    },
    // in place: param and the state buffers are both read and written, so they are bound as outputs
    sgdStep: ([param, grad, buf], _outs, a) => {
      const momentum = a.momentum, wd = a.weightDecay;
      const mom = buf !== undefined;
      // bindings: grad, then param and the momentum buffer (read and written)
      inChunks(gpu, mom ? [grad!, param!, buf!] : [grad!, param!], (count, [go, po, bo], windows) => fused(gpu, {
        kernel: 'sgdStep', key: `sgdStep:${mom}:${a.nesterov}:${a.maximize}:${a.firstStep}:${wd !== 0}`, n: count, windows,
        ins: [grad], outs: mom ? [param!, buf!] : [param!], fields: 'M: f32, D: f32, WD: f32, NLR: f32, po: u32, go: u32, bo: u32',
        params: [bits(momentum), bits(1 - a.dampening), bits(wd), bits(-a.lr), po!, go!, bo ?? 0],
        body: `var g = in0[p.go + i]; ${a.maximize ? 'g = -g;' : ''}
  let pv = out0[p.po + i];
  ${wd !== 0 ? 'g = g + pv * p.WD;' : ''}
  var d = g;
  ${mom ? `let b = ${a.firstStep ? 'g' : 'out1[p.bo + i] * p.M + g * p.D'}; out1[p.bo + i] = b; d = ${a.nesterov ? 'g + b * p.M' : 'b'};` : ''}
  out0[p.po + i] = pv + d * p.NLR;`,
      }));
    },
    adamStep: ([param, grad, m, v, vmax], _outs, a) => {
      const stepSize = a.lr / (1 - a.beta1 ** a.step), bc2 = Math.sqrt(1 - a.beta2 ** a.step);
      const ams = a.amsgrad && vmax !== undefined, wd = a.weightDecay;
      // bindings: grad, then param, expAvg, expAvgSq (and maxExpAvgSq), read and written
      inChunks(gpu, ams ? [grad!, param!, m!, v!, vmax!] : [grad!, param!, m!, v!], (count, [go, po, mo, vo, xo], windows) => fused(gpu, {
        kernel: 'adamStep', key: `adamStep:${ams}:${a.maximize}:${wd !== 0}:${a.decoupled}`, n: count, windows,
        ins: [grad], outs: ams ? [param!, m!, v!, vmax!] : [param!, m!, v!],
        fields: 'B1: f32, OB1: f32, B2: f32, OB2: f32, BC2: f32, EPS: f32, NSS: f32, WD: f32, DECAY: f32, po: u32, go: u32, mo: u32, vo: u32, xo: u32',
        params: [bits(a.beta1), bits(1 - a.beta1), bits(a.beta2), bits(1 - a.beta2), bits(bc2), bits(a.eps), bits(-stepSize), bits(wd), bits(1 - a.lr * wd),
          po!, go!, mo!, vo!, xo ?? 0],
        body: `var g = in0[p.go + i]; ${a.maximize ? 'g = -g;' : ''}
  var pv = out0[p.po + i];
  ${wd !== 0 ? (a.decoupled ? 'pv = pv * p.DECAY;' : 'g = g + pv * p.WD;') : ''}
  let mv = out1[p.mo + i] * p.B1 + g * p.OB1; out1[p.mo + i] = mv;
  var vv = out2[p.vo + i] * p.B2 + (g * p.OB2) * g; out2[p.vo + i] = vv;
  ${ams ? 'vv = fmaximum(out3[p.xo + i], vv); out3[p.xo + i] = vv;' : ''}
  let denom = fsqrt(vv) / p.BC2 + p.EPS;
  out0[p.po + i] = pv + (mv * p.NSS) / denom;`,
      }));
    },
  };
}
