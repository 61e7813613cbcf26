// Batched matmul: 64×64 output tiles per workgroup, 4×4 per invocation, K in steps of 16 through
// workgroup memory. Inputs are strided views (transposes and broadcast batch dims are folded into the
// indexing, never copied); batch dims are merged where they can be and go in z.
import type { KernelTable } from '@flint/core';
import { BackendError, DTypeError } from '@flint/core';
import type { Gpu } from '../runtime/gpu.js';
import type { WgBuffer } from '../runtime/pool.js';
import type { T } from './common.js';
import { Params, describe, numel, typeOf } from './common.js';
import { coalesce } from './strided.js';

const TM = 64, TK = 16;

/** WGSL for a matmul over `t` with an optional epilogue (bias, activation) applied to each output. */
export function matmulWgsl(t: string, epilogue = 'v', extra = ''): string {
  const zero = `${t}(0)`;
  return `
struct P { M: u32, N: u32, K: u32, nb: u32, aOff: u32, bOff: u32, sam: u32, sak: u32, sbk: u32, sbn: u32, z0: u32, pad: u32,
  bshape: vec4u, abat: vec4u, bbat: vec4u }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> A: array<${t}>;
@group(0) @binding(2) var<storage, read> B: array<${t}>;
@group(0) @binding(3) var<storage, read_write> C: array<${t}>;
${extra}
var<workgroup> As: array<array<${t}, ${TM}>, ${TK}>;
var<workgroup> Bs: array<array<${t}, ${TM}>, ${TK}>;
@compute @workgroup_size(16, 16) fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let batch = wid.z + p.z0;
  var rem = batch; var ao = p.aOff; var bo = p.bOff;
  for (var d = 3; d >= 0; d--) { let n = p.bshape[d]; let c = rem % n; rem = rem / n; ao += c * p.abat[d]; bo += c * p.bbat[d]; }
  let row0 = wid.y * ${TM}u; let col0 = wid.x * ${TM}u; let tid = lid.y * 16u + lid.x;
  var acc: array<array<${t}, 4>, 4>;
  for (var i = 0u; i < 4u; i++) { for (var j = 0u; j < 4u; j++) { acc[i][j] = ${zero}; } }
  for (var k0 = 0u; k0 < p.K; k0 += ${TK}u) {
    for (var r = 0u; r < 4u; r++) {
      let e = tid + r * 256u;
      let am = e / ${TK}u; let ak = e % ${TK}u;
      let gm = row0 + am; let gk = k0 + ak;
      As[ak][am] = select(${zero}, A[ao + gm * p.sam + gk * p.sak], gm < p.M && gk < p.K);
      let bk = e / ${TM}u; let bn = e % ${TM}u;
      let hk = k0 + bk; let gn = col0 + bn;
      Bs[bk][bn] = select(${zero}, B[bo + hk * p.sbk + gn * p.sbn], hk < p.K && gn < p.N);
    }
    workgroupBarrier();
    for (var k = 0u; k < ${TK}u; k++) {
      var a: array<${t}, 4>; var b: array<${t}, 4>;
      for (var i = 0u; i < 4u; i++) { a[i] = As[k][lid.y * 4u + i]; b[i] = Bs[k][lid.x * 4u + i]; }
      for (var i = 0u; i < 4u; i++) { for (var j = 0u; j < 4u; j++) { acc[i][j] = acc[i][j] + a[i] * b[j]; } }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let m = row0 + lid.y * 4u + i;
    if (m >= p.M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let n = col0 + lid.x * 4u + j;
      if (n < p.N) { let v = acc[i][j]; C[batch * p.M * p.N + m * p.N + n] = ${epilogue}; }
    }
  }
}`;
}

/** Encodes C = A·B over the batch (a: [...batch, M, K], b: [...batch, K, N], c dense). */
export function encodeMatmul(gpu: Gpu, a: T, b: T, c: T, key = 'matmul', wgsl?: () => string, extra: { buf: WgBuffer }[] = []): void {
  const r = a.shape.length, M = a.shape[r - 2]!, K = a.shape[r - 1]!, N = b.shape[r - 1]!;
  const batchShape = a.shape.slice(0, r - 2), nb = numel(batchShape);
  if (M * N * nb === 0) return;
  const t = typeOf(a.dtype);
  if (a.dtype === 'bool') throw new DTypeError('matmul: bool tensors have no matmul on webgpu (nor in torch); cast to float32 first');
  const cb = coalesce(batchShape, [a.strides.slice(0, r - 2), b.strides.slice(0, r - 2)]);
  if (cb.shape.length > 4) throw new BackendError(`matmul: the webgpu backend takes at most 4 non-mergeable batch dims, got [${batchShape.join(', ')}]`);
  const pad = 4 - cb.shape.length;
  const bshape = [...new Array<number>(pad).fill(1), ...cb.shape];
  const abat = [...new Array<number>(pad).fill(0), ...cb.strides[0]!], bbat = [...new Array<number>(pad).fill(0), ...cb.strides[1]!];
  const fullKey = `${key}:${a.dtype}`;
  const source = wgsl ?? (() => matmulWgsl(t, t === 'u32' ? 'v & 255u' : 'v'));
  const maxZ = gpu.limits.maxComputeWorkgroupsPerDimension;
  for (let z0 = 0; z0 < nb; z0 += maxZ) {
    const params = new Params().u32(M, N, K, nb, a.offset, b.offset, a.strides[r - 2]!, a.strides[r - 1]!, b.strides[r - 2]!, b.strides[r - 1]!, z0, 0,
      ...bshape, ...abat, ...bbat).done();
    gpu.run({
      kernel: key, key: fullKey, wgsl: source, params, groups: [Math.ceil(N / TM), Math.ceil(M / TM), Math.min(maxZ, nb - z0)],
      bindings: [{ buf: a.buffer }, { buf: b.buffer }, { buf: c.buffer }, ...extra], describe: describe([a, b], [c]),
    });
  }
}

/** The matmul kernel. */
export function matmulKernels(gpu: Gpu): KernelTable<WgBuffer> {
  return { matmul: ([a, b], [c]) => encodeMatmul(gpu, a!, b!, c!) };
}
