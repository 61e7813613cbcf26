// batchNorm and batchNormBackward for tensors past the binding limit: a channel's elements span every
// image, so the statistics are summed per chunk of images into partials, combined per channel, and the
// normalisation (or input gradient) is applied chunk by chunk. Below the limit ./rows.ts runs one kernel.
import { BackendError } from '@flint/core';
import type { Gpu } from '../runtime/gpu.js';
import type { WgBuffer } from '../runtime/pool.js';
import type { T } from './common.js';
import { PRELUDE, Params, describe, grid } from './common.js';
import { windowOf } from './strided.js';

const WGR = 256;

// one shader, five modes over a chunk of images [N = p.n images] of x (and gy): 0 partial Σx, 1 partial
// Σ(x-mean)², 2 normalise into y, 3 partial Σgy and Σgy(x-mean), 4 the input gradient into y
const CHUNK = (): string => `${PRELUDE}
struct P { C: u32, S: u32, n: u32, xo: u32, mode: u32, k: u32, M: f32, eps: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gy: array<f32>;
@group(0) @binding(3) var<storage, read> st: array<f32>;
@group(0) @binding(4) var<storage, read> wb: array<f32>;
@group(0) @binding(5) var<storage, read_write> part: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;
var<workgroup> r0: array<f32, ${WGR}>;
var<workgroup> r1: array<f32, ${WGR}>;
@compute @workgroup_size(${WGR}) fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = wid.x; let E = p.n * p.S;
  let mu = st[c]; let inv = st[p.C + c];
  var a = 0.0; var b = 0.0;
  for (var e = lid; e < E; e += ${WGR}u) {
    let o = p.xo + ((e / p.S) * p.C + c) * p.S + e % p.S;
    let v = x[o];
    switch (p.mode) {
      case 0u: { a += v; }
      case 1u: { let d = v - mu; a += d * d; }
      case 2u: { y[o] = (v - mu) * inv * wb[c] + wb[p.C + c]; }
      case 3u: { a += gy[o]; b += gy[o] * (v - mu); }
      default: { y[o] = wb[c] * inv * (gy[o] - st[2u * p.C + c] / p.M - (v - mu) * inv * inv * st[3u * p.C + c] / p.M); }
    }
  }
  if (p.mode == 2u || p.mode == 4u) { return; }
  r0[lid] = a; r1[lid] = b; workgroupBarrier();
  for (var s = ${WGR / 2}u; s > 0u; s = s >> 1u) { if (lid < s) { r0[lid] += r0[lid + s]; r1[lid] += r1[lid + s]; } workgroupBarrier(); }
  if (lid == 0u) { part[2u * (p.k * p.C + c)] = r0[0]; part[2u * (p.k * p.C + c) + 1u] = r1[0]; }
}`;

// per channel over the K chunk partials: mode 0 mean, 1 invstd, 2 the backward sums (Σgy, Σgy(x-mean))
const COMBINE = (): string => `
struct P { C: u32, K: u32, mode: u32, pad: u32, M: f32, eps: f32, pad1: u32, pad2: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> part: array<f32>;
@group(0) @binding(2) var<storage, read_write> st: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x; if (c >= p.C) { return; }
  var a = 0.0; var b = 0.0;
  for (var k = 0u; k < p.K; k++) { a += part[2u * (k * p.C + c)]; b += part[2u * (k * p.C + c) + 1u]; }
  if (p.mode == 0u) { st[c] = a / p.M; } else if (p.mode == 1u) { st[p.C + c] = 1.0 / sqrt(a / p.M + p.eps); } else { st[2u * p.C + c] = a; st[3u * p.C + c] = b; }
}`;

interface Chunked { gpu: Gpu; x: T; gy?: T; N: number; C: number; S: number }

function chunksOf(g: Chunked): [number, number][] {
  const per = Math.floor((g.gpu.maxBinding - g.gpu.limits.minStorageBufferOffsetAlignment) / (4 * g.C * g.S));
  if (per < 1) throw new BackendError(`batchNorm: one image of [${g.C}, ${g.S}] is past this adapter's storage binding limit (${g.gpu.maxBinding} bytes)`);
  const out: [number, number][] = [];
  for (let n = 0; n < g.N; n += per) out.push([n, Math.min(g.N, n + per)]);
  return out;
}

/** Encodes the chunk passes of one mode; `y` is written in modes 2 and 4. */
function pass(g: Chunked, mode: number, st: WgBuffer, wb: WgBuffer, part: WgBuffer, y: WgBuffer, M: number, eps: number): void {
  // modes that write no y still bind one: a scratch word, as writable bindings may not alias
  const scratch = mode === 2 || mode === 4 ? undefined : g.gpu.allocate(4, () => 'batchNorm scratch');
  const align = g.gpu.limits.minStorageBufferOffsetAlignment, img = g.C * g.S;
  chunksOf(g).forEach(([n0, n1], k) => {
    const w = windowOf(n0 * img, n1 * img - 1, 4, align);
    const bind = (buf: WgBuffer) => ({ buf, offset: w.offset, size: Math.max(4, w.size) });
    g.gpu.run({
      kernel: 'batchNorm', key: 'batchNorm:chunk', wgsl: CHUNK, params: new Params().u32(g.C, g.S, n1 - n0, n0 * img - w.base, mode, k).f32(M, eps).done(),
      groups: [g.C, 1, 1], bindings: [bind(g.x.buffer), bind((g.gy ?? g.x).buffer), { buf: st }, { buf: wb }, { buf: part }, scratch ? { buf: scratch } : bind(y)],
      describe: describe([g.x], []),
    });
  });
  if (scratch) g.gpu.release(scratch);
}

function combine(g: Chunked, mode: number, part: WgBuffer, st: WgBuffer, M: number, eps: number): void {
  g.gpu.run({ kernel: 'batchNorm', key: 'batchNorm:combine', wgsl: COMBINE, params: new Params().u32(g.C, chunksOf(g).length, mode, 0).f32(M, eps).done(), groups: grid(g.C, g.gpu, 64), bindings: [{ buf: part }, { buf: st }], describe: describe([g.x], []) });
}

/** batchNorm over x [N, C, S] in image chunks: statistics from the partials, then y chunk by chunk. */
export function batchNormChunked(gpu: Gpu, x: T, w: T, b: T, rm: T, rv: T, y: T, sm: T | undefined, si: T | undefined, training: boolean, eps: number): void {
  const [N, C, S] = x.shape as [number, number, number];
  const g: Chunked = { gpu, x, N, C, S }, M = N * S;
  const st = gpu.allocate(4 * C * 4, () => 'batchNorm statistics'), wb = gpu.allocate(2 * C * 4, () => 'batchNorm affine');
  const part = gpu.allocate(2 * C * chunksOf(g).length * 4, () => 'batchNorm partials');
  gpu.copy(w.buffer, 0, wb, 0, C * 4);
  gpu.copy(b.buffer, 0, wb, C * 4, C * 4);
  if (training) {
    pass(g, 0, st, wb, part, part, M, eps); combine(g, 0, part, st, M, eps);
    pass(g, 1, st, wb, part, part, M, eps); combine(g, 1, part, st, M, eps);
    if (sm && si) { gpu.copy(st, 0, sm.buffer, 0, C * 4); gpu.copy(st, C * 4, si.buffer, 0, C * 4); }
  } else {
    // eval: mean and invstd from the running statistics, computed on the device
    gpu.copy(rm.buffer, 0, st, 0, C * 4);
    gpu.copy(rv.buffer, 0, part, 0, C * 4);
    gpu.run({ kernel: 'batchNorm', key: 'batchNorm:invstd', wgsl: INVSTD, params: new Params().u32(C).f32(eps).done(), groups: grid(C, gpu, 64), bindings: [{ buf: part }, { buf: st }], describe: describe([x], [y]) });
  }
  pass(g, 2, st, wb, part, y.buffer, M, eps);
  for (const t of [st, wb, part]) gpu.release(t);
}

const INVSTD = (): string => `
struct P { C: u32, eps: f32, a: u32, b: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> rv: array<f32>;
@group(0) @binding(2) var<storage, read_write> st: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u) { if (gid.x < p.C) { st[p.C + gid.x] = 1.0 / sqrt(rv[gid.x] + p.eps); } }`;

/** batchNormBackward over [N, C, S] in image chunks: the channel sums from partials, then gradInput chunk by chunk. */
export function batchNormBackwardChunked(gpu: Gpu, gy: T, x: T, w: T, sm: T, si: T, gx: T, gw: T, gb: T): void {
  const [N, C, S] = x.shape as [number, number, number];
  const g: Chunked = { gpu, x, gy, N, C, S }, M = N * S;
  const st = gpu.allocate(4 * C * 4, () => 'batchNorm statistics'), wb = gpu.allocate(2 * C * 4, () => 'batchNorm affine');
  const part = gpu.allocate(2 * C * chunksOf(g).length * 4, () => 'batchNorm partials');
  gpu.copy(sm.buffer, 0, st, 0, C * 4);
  gpu.copy(si.buffer, 0, st, C * 4, C * 4);
  gpu.copy(w.buffer, 0, wb, 0, C * 4);
  pass(g, 3, st, wb, part, part, M, 0); combine(g, 2, part, st, M, 0);
  pass(g, 4, st, wb, part, gx.buffer, M, 0);
  // gradBias = Σgy, gradWeight = Σgy(x-mean) · invstd
  gpu.run({ kernel: 'batchNormBackward', key: 'batchNorm:grads', wgsl: GRADS, params: new Params().u32(C).done(), groups: grid(C, gpu, 64), bindings: [{ buf: st }, { buf: gw.buffer }, { buf: gb.buffer }], describe: describe([gy, x], [gx, gw, gb]) });
  for (const t of [st, wb, part]) gpu.release(t);
}

const GRADS = (): string => `
struct P { C: u32, a: u32, b: u32, c: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> st: array<f32>;
@group(0) @binding(2) var<storage, read_write> gw: array<f32>;
@group(0) @binding(3) var<storage, read_write> gb: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x; if (c >= p.C) { return; }
  gb[c] = st[2u * p.C + c]; gw[c] = st[3u * p.C + c] * st[p.C + c];
}`;
