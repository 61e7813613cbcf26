// Row kernels of the optional tier, one workgroup per row with reductions in workgroup memory: softmax,
// logSoftmax, crossEntropy (a second pass sums the losses), layerNorm, and batchNorm with its backward
// kernel (a row is a channel: its N×S elements).
import type { KernelTable } from '@flint/core';
import { BackendError, IndexError } from '@flint/core';
import type { Gpu } from '../runtime/gpu.js';
import type { WgBuffer } from '../runtime/pool.js';
import type { T } from './common.js';
import { PRELUDE, Params, describe, grid, numel } from './common.js';
import { encodeMatmul } from './matmul.js';
import { batchNormBackwardChunked, batchNormChunked } from './norm-chunked.js';
import { windowOf } from './strided.js';

const WGR = 256;
/** Block-wide sum and max (call from uniform control flow only). */
const BLOCK = /* wgsl */ `
var<workgroup> red: array<f32, ${WGR}>;
fn bsum(v: f32, lid: u32) -> f32 {
  red[lid] = v; workgroupBarrier();
  for (var s = ${WGR / 2}u; s > 0u; s = s >> 1u) { if (lid < s) { red[lid] = red[lid] + red[lid + s]; } workgroupBarrier(); }
  let r = red[0]; workgroupBarrier(); return r;
}
fn bmax(v: f32, lid: u32) -> f32 {
  red[lid] = v; workgroupBarrier();
  for (var s = ${WGR / 2}u; s > 0u; s = s >> 1u) { if (lid < s) { red[lid] = fmaximum(red[lid], red[lid + s]); } workgroupBarrier(); }
  let r = red[0]; workgroupBarrier(); return r;
}`;
const HEAD = (fieldsIn: string, bindings: string): string => `${PRELUDE}${BLOCK}
struct P { rows: u32, len: u32, xo: u32, ro: u32, r2o: u32, r0: u32${fieldsIn ? `, ${fieldsIn}` : ''} }
@group(0) @binding(0) var<uniform> p: P;
${bindings}
@compute @workgroup_size(${WGR}) fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) { return; }`;

// the row's max, with torch's convention for rows of infinities (they give NaN, not a shift by ±inf)
const ROW_MAX = `var m = -inf(); for (var j = lid; j < p.len; j += ${WGR}u) { m = fmaximum(m, x[base + j]); }
  m = bmax(m, lid); if (isinf(m)) { m = 0.0; }
  var s = 0.0; for (var j = lid; j < p.len; j += ${WGR}u) { s += fexp(x[base + j] - m); }
  s = bsum(s, lid);`;

/** softmax, logSoftmax, crossEntropy, layerNorm, batchNorm, batchNormBackward. */
export function rowKernels(gpu: Gpu): KernelTable<WgBuffer> {
  const rows = (x: T): [number, number] => { const L = x.shape[x.shape.length - 1] ?? 1; return [L ? numel(x.shape) / L : 0, L]; };
  const align = gpu.limits.minStorageBufferOffsetAlignment;
  /**
   * Runs a row kernel over R rows of L; buffers are row data ('x', R×L), per row ('r', R) or fixed ('f').
   * Past the binding limit the rows go in chunks, each binding its windows of the 'x' and 'r' buffers.
   */
  const run = (kernel: string, key: string, wgsl: () => string, R: number, L: number, extra: number[], bufs: [WgBuffer, 'x' | 'r' | 'r2' | 'f'][], ins: T[], outs: T[]): void => {
    if (R === 0) return;
    const whole = bufs.every(([b, k]) => k === 'f' || b.bytes <= gpu.maxBinding);
    const per = whole ? R : Math.floor((gpu.maxBinding - align) / (4 * Math.max(1, L)));
    if (per < 1) throw new BackendError(`${kernel}: a row of ${L} elements is past this adapter's storage binding limit (${gpu.maxBinding} bytes)`);
    for (let r0 = 0; r0 < R; r0 += per) {
      const r1 = Math.min(R, r0 + per);
      const xw = whole ? { offset: 0, size: 0, base: 0 } : windowOf(r0 * L, r1 * L - 1, 4, align);
      const rw = whole ? { offset: 0, size: 0, base: 0 } : windowOf(r0, r1 - 1, 4, align);
      const r2w = whole ? { offset: 0, size: 0, base: 0 } : windowOf(2 * r0, 2 * r1 - 1, 4, align);
      const win = { x: xw, r: rw, r2: r2w, f: xw };
      const bindings = bufs.map(([buf, k]) => (whole || k === 'f' ? { buf } : { buf, offset: win[k].offset, size: Math.max(4, win[k].size) }));
      gpu.run({ kernel, key, wgsl, params: new Params().u32(r1 - r0, L, r0 * L - xw.base, r0 - rw.base, 2 * r0 - r2w.base, r0, ...extra).done(), groups: grid(r1 - r0, gpu, 1), bindings, describe: describe(ins, outs) });
    }
  };
  const softmax = (log: boolean) => ([x]: T[], [out]: T[]): void => {
    const [R, L] = rows(x!);
    const wgsl = (): string => `${HEAD('', `@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;`)}
  let base = p.xo + row * p.len;
  ${ROW_MAX}
  let ls = log(s);
  for (var j = lid; j < p.len; j += ${WGR}u) { let v = x[base + j] - m; out[base + j] = ${log ? 'v - ls' : 'fexp(v) / s'}; }
}`;
    run(log ? 'logSoftmax' : 'softmax', log ? 'logSoftmax' : 'softmax', wgsl, R, L, [], [[x!.buffer, 'x'], [out!.buffer, 'x']], [x!], [out!]);
  };
  /**
   * The attention row kernel, in place on scores [B·L, S]: scale, add the mask, mask keys after the query
   * (causal), then a softmax in which a row of -inf gives zeros (torch's safe softmax).
   */
  const attention = (scores: T, mask: T | undefined, causal: boolean, scale: number, L: number): void => {
    const [R, S] = rows(scores);
    const wgsl = (): string => `${HEAD('scale: f32, L: u32', `@group(0) @binding(1) var<storage, read_write> x: array<f32>;
${mask ? '@group(0) @binding(2) var<storage, read> mk: array<f32>;' : ''}`)}
  let base = p.xo + row * p.len; let qi = (p.r0 + row) % p.L;
  var m = -inf();
  for (var j = lid; j < p.len; j += ${WGR}u) {
    var v = x[base + j] * p.scale${mask ? ' + mk[base + j]' : ''};
    ${causal ? 'if (j > qi) { v = -inf(); }' : ''}
    x[base + j] = v; m = fmaximum(m, v);
  }
  m = bmax(m, lid);
  // no branch around the barriers: a dead row (all -inf) computes with a shift of 0 and writes zeros
  let dead = m == -inf(); let mm = select(m, 0.0, dead);
  var s = 0.0; for (var j = lid; j < p.len; j += ${WGR}u) { s += fexp(x[base + j] - mm); }
  s = bsum(s, lid);
  for (var j = lid; j < p.len; j += ${WGR}u) { x[base + j] = select(fexp(x[base + j] - mm) / s, 0.0, dead); }
}`;
    const f = new Uint32Array(new Float32Array([scale]).buffer)[0]!;
    run('scaledDotProductAttention', `attention:${mask ? 'm' : ''}${causal ? 'c' : ''}`, wgsl, R, S, [f, L], mask ? [[scores.buffer, 'x'], [mask.buffer, 'x']] : [[scores.buffer, 'x']], mask ? [scores, mask] : [scores], [scores]);
  };
  return {
    scaledDotProductAttention: ([q, k, v, mask], [out], { isCausal, scale }) => {
      const [B, L, E] = q!.shape as [number, number, number], S = k!.shape[1]!;
      const buf = gpu.allocate(Math.max(1, B * L * S) * 4, () => `attention scores [${B}, ${L}, ${S}]`);
      const scores: T = { buffer: buf, dtype: 'float32', shape: [B, L, S], strides: [L * S, S, 1], offset: 0 };
      // kᵀ as a view: the matmul folds the transpose into its indexing
      encodeMatmul(gpu, q!, { ...k!, shape: [B, E, S], strides: [k!.strides[0]!, k!.strides[2]!, k!.strides[1]!] }, scores);
      attention(scores, mask, isCausal, scale, L);
      encodeMatmul(gpu, scores, v!, out!);
      gpu.release(buf);
    },
    softmax: softmax(false),
    logSoftmax: softmax(true),
    crossEntropy: ([logits, target], [loss], { ignoreIndex, reduction }) => {
      const [R, L] = [logits!.shape[0]!, logits!.shape[1]!];
      const code = gpu.fault((v) => new IndexError(`crossEntropy: target ${v | 0} is out of bounds for ${L} classes (logits [${logits!.shape.join(', ')}])`));
      const none = reduction === 'none';
      const tmp = none ? loss!.buffer : gpu.allocate(Math.max(1, 2 * R) * 4, () => 'crossEntropy workspace');
      const wgsl = (): string => `${HEAD('ignore: i32, code: u32, none: u32', `@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> tgt: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read_write> faults: array<atomic<u32>>;`)}
  let base = p.xo + row * p.len;
  ${ROW_MAX}
  if (lid != 0u) { return; }
  let t = tgt[p.ro + row];
  var l = 0.0; var w = 1.0;
  if (t == p.ignore) { w = 0.0; }
  else if (t < 0 || u32(t) >= p.len) { let old = atomicMax(&faults[0], p.code); if (old < p.code) { atomicStore(&faults[1], bitcast<u32>(t)); } w = 0.0; }
  else { l = m + log(s) - x[base + u32(t)]; }
  if (p.none == 1u) { out[p.ro + row] = l; } else { out[p.r2o + 2u * row] = l; out[p.r2o + 2u * row + 1u] = w; }
}`;
      run('crossEntropy', 'crossEntropy', wgsl, R, L, [ignoreIndex, code, none ? 1 : 0], [[logits!.buffer, 'x'], [target!.buffer, 'r'], [tmp, none ? 'r' : 'r2'], [gpu.faultBuf, 'f']], [logits!, target!], [loss!]);
      if (none) return;
      const total = (): string => `${HEAD('mean: u32', `@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;`)}
  var s = 0.0; var c = 0.0;
  for (var j = lid; j < p.len; j += ${WGR}u) { s += x[2u * j]; c += x[2u * j + 1u]; }
  s = bsum(s, lid); c = bsum(c, lid);
  if (lid == 0u) { out[0] = select(s, s / c, p.mean == 1u); }
}`;
      gpu.run({ kernel: 'crossEntropy', key: 'crossEntropy:total', wgsl: total, params: new Params().u32(1, R, 0, 0, 0, 0, reduction === 'mean' ? 1 : 0).done(), groups: [1, 1, 1], bindings: [{ buf: tmp }, { buf: loss!.buffer }], describe: describe([logits!, target!], [loss!]) });
      gpu.release(tmp);
    },
    layerNorm: ([x, w, b], [y, mean, rstd], { eps }) => {
      const [R, L] = rows(x!);
      const wgsl = (): string => `${HEAD('eps: f32', `@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> mo: array<f32>;
@group(0) @binding(6) var<storage, read_write> ro: array<f32>;`)}
  let base = p.xo + row * p.len; let n = f32(p.len);
  var s = 0.0; for (var j = lid; j < p.len; j += ${WGR}u) { s += x[base + j]; }
  let mu = bsum(s, lid) / n;
  var q = 0.0; for (var j = lid; j < p.len; j += ${WGR}u) { let d = x[base + j] - mu; q += d * d; }
  let r = 1.0 / sqrt(bsum(q, lid) / n + p.eps);
  for (var j = lid; j < p.len; j += ${WGR}u) { y[base + j] = (x[base + j] - mu) * r * w[j] + b[j]; }
  if (lid == 0u) { mo[p.ro + row] = mu; ro[p.ro + row] = r; }
}`;
      run('layerNorm', 'layerNorm', wgsl, R, L, [new Uint32Array(new Float32Array([eps]).buffer)[0]!], [[x!.buffer, 'x'], [w!.buffer, 'f'], [b!.buffer, 'f'], [y!.buffer, 'x'], [mean!.buffer, 'r'], [rstd!.buffer, 'r']], [x!, w!, b!], [y!, mean!, rstd!]);
    },
    batchNorm: ([x, w, b, rm, rv], [y, sm, si], { training, eps }) => {
      const [N, C, S] = x!.shape as [number, number, number];
      if (x!.buffer.bytes > gpu.maxBinding || y!.buffer.bytes > gpu.maxBinding) {
        const stats = training && numel(sm!.shape) > 0;
        batchNormChunked(gpu, x!, w!, b!, rm!, rv!, y!, stats ? sm : undefined, stats ? si : undefined, training, eps);
        return;
      }
      const wgsl = (): string => `${HEAD('eps: f32, N: u32, S: u32, training: u32', `@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read> rm: array<f32>;
@group(0) @binding(5) var<storage, read> rv: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;
@group(0) @binding(7) var<storage, read_write> sm: array<f32>;
@group(0) @binding(8) var<storage, read_write> si: array<f32>;`)}
  let c = row; let C = p.rows; let M = p.N * p.S;
  var mu = 0.0; var inv = 0.0;
  if (p.training == 1u) {
    var s = 0.0; for (var e = lid; e < M; e += ${WGR}u) { s += x[((e / p.S) * C + c) * p.S + e % p.S]; }
    mu = bsum(s, lid) / f32(M);
    var q = 0.0; for (var e = lid; e < M; e += ${WGR}u) { let d = x[((e / p.S) * C + c) * p.S + e % p.S] - mu; q += d * d; }
    inv = 1.0 / sqrt(bsum(q, lid) / f32(M) + p.eps);
    if (lid == 0u) { sm[c] = mu; si[c] = inv; }
  } else { mu = rm[c]; inv = 1.0 / sqrt(rv[c] + p.eps); }
  for (var e = lid; e < M; e += ${WGR}u) { let o = ((e / p.S) * C + c) * p.S + e % p.S; y[o] = (x[o] - mu) * inv * w[c] + b[c]; }
}`;
      const f = new Uint32Array(new Float32Array([eps]).buffer)[0]!;
      const stats = training && numel(sm!.shape) > 0;
      // eval writes no statistics: small scratch buffers stand in for them (writable bindings may not alias)
      const [s1, s2] = stats ? [sm!.buffer, si!.buffer] : [gpu.allocate(4, () => 'batchNorm scratch'), gpu.allocate(4, () => 'batchNorm scratch')];
      run('batchNorm', 'batchNorm', wgsl, C, 0, [f, N, S, stats ? 1 : 0], ([x!.buffer, w!.buffer, b!.buffer, rm!.buffer, rv!.buffer, y!.buffer, s1, s2] as WgBuffer[]).map((q): [WgBuffer, 'f'] => [q, 'f']), [x!, w!, b!, rm!, rv!], [y!]);
      if (!stats) { gpu.release(s1); gpu.release(s2); }
    },
    batchNormBackward: ([gy, x, w, sm, si], [gx, gw, gb]) => {
      const [N, C, S] = x!.shape as [number, number, number];
      if ([gy!, x!, gx!].some((t) => t.buffer.bytes > gpu.maxBinding)) { batchNormBackwardChunked(gpu, gy!, x!, w!, sm!, si!, gx!, gw!, gb!); return; }
      const wgsl = (): string => `${HEAD('N: u32, S: u32', `@group(0) @binding(1) var<storage, read> gy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read> sm: array<f32>;
@group(0) @binding(5) var<storage, read> si: array<f32>;
@group(0) @binding(6) var<storage, read_write> gx: array<f32>;
@group(0) @binding(7) var<storage, read_write> gw: array<f32>;
@group(0) @binding(8) var<storage, read_write> gb: array<f32>;`)}
  let c = row; let C = p.rows; let M = p.N * p.S; let mu = sm[c]; let inv = si[c];
  var s = 0.0; var q = 0.0;
  for (var e = lid; e < M; e += ${WGR}u) { let o = ((e / p.S) * C + c) * p.S + e % p.S; s += gy[o]; q += gy[o] * (x[o] - mu); }
  s = bsum(s, lid); q = bsum(q, lid);
  if (lid == 0u) { gw[c] = q * inv; gb[c] = s; }
  let k = w[c] * inv; let mf = f32(M);
  for (var e = lid; e < M; e += ${WGR}u) { let o = ((e / p.S) * C + c) * p.S + e % p.S; gx[o] = k * (gy[o] - s / mf - (x[o] - mu) * inv * inv * q / mf); }
}`;
      run('batchNormBackward', 'batchNormBackward', wgsl, C, 0, [N, S], [gy!.buffer, x!.buffer, w!.buffer, sm!.buffer, si!.buffer, gx!.buffer, gw!.buffer, gb!.buffer].map((q): [WgBuffer, 'f'] => [q, 'f']), [gy!, x!, w!, sm!, si!], [gx!, gw!, gb!]);
    },
  };
}
