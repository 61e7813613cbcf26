// Batched matmul on the tiled GEMM (./gemm.ts). Inputs are strided views: transposes and broadcast batch
// dims are folded into the indexing, never copied; batch dims are merged where they can be and go in z.
import type { KernelTable } from '@flint/core';
import { BackendError, DTypeError } from '@flint/core';
import type { Gpu } from '../runtime/gpu.js';
import type { WgBuffer } from '../runtime/pool.js';
import type { T } from './common.js';
import { Params, describe, numel, typeOf } from './common.js';
import { gemmGroups, gemmWgsl } from './gemm.js';
import { coalesce } from './strided.js';

const wgsl = (t: string) => (): string => gemmWgsl({
  t,
  fields: 'aOff: u32, bOff: u32, sam: u32, sak: u32, sbk: u32, sbn: u32, pad0: u32, pad1: u32, bshape: vec4u, abat: vec4u, bbat: vec4u',
  bindings: `@group(0) @binding(1) var<storage, read> A: array<${t}>;
@group(0) @binding(2) var<storage, read> B: array<${t}>;
@group(0) @binding(3) var<storage, read_write> C: array<${t}>;`,
  helpers: `fn bases(z: u32) -> vec2u {
  var rem = z; var ao = p.aOff; var bo = p.bOff;
  for (var d = 3; d >= 0; d--) { let n = p.bshape[d]; let c = rem % n; rem = rem / n; ao += c * p.abat[d]; bo += c * p.bbat[d]; }
  return vec2u(ao, bo);
}`,
  loadA: 'A[bases(z).x + m * p.sam + k * p.sak]',
  loadB: 'B[bases(z).y + k * p.sbk + n * p.sbn]',
  store: `C[z * p.M * p.N + m * p.N + n] = ${t === 'u32' ? 'v & 255u' : 'v'};`,
});

/** Encodes c = a·b over the batch (a: [...batch, M, K], b: [...batch, K, N], c dense). */
export function encodeMatmul(gpu: Gpu, a: T, b: T, c: T): void {
  const r = a.shape.length, M = a.shape[r - 2]!, K = a.shape[r - 1]!, N = b.shape[r - 1]!;
  const batchShape = a.shape.slice(0, r - 2), nb = numel(batchShape);
  if (M * N * nb === 0) return;
  if (a.dtype === 'bool') throw new DTypeError('matmul: bool tensors have no matmul on webgpu (nor in torch); cast to float32 first');
  const t = typeOf(a.dtype);
  const cb = coalesce(batchShape, [a.strides.slice(0, r - 2), b.strides.slice(0, r - 2)]);
  if (cb.shape.length > 4) throw new BackendError(`matmul: the webgpu backend takes at most 4 non-mergeable batch dims, got [${batchShape.join(', ')}]`);
  const pad = 4 - cb.shape.length;
  const bshape = [...new Array<number>(pad).fill(1), ...cb.shape];
  const abat = [...new Array<number>(pad).fill(0), ...cb.strides[0]!], bbat = [...new Array<number>(pad).fill(0), ...cb.strides[1]!];
  const maxZ = gpu.limits.maxComputeWorkgroupsPerDimension;
  for (let z0 = 0; z0 < nb; z0 += maxZ) {
    const params = new Params().u32(M, N, K, z0, a.offset, b.offset, a.strides[r - 2]!, a.strides[r - 1]!, b.strides[r - 2]!, b.strides[r - 1]!, 0, 0,
      ...bshape, ...abat, ...bbat).done();
    gpu.run({
      kernel: 'matmul', key: `matmul:${t}`, wgsl: wgsl(t), params, groups: gemmGroups(M, N, Math.min(maxZ, nb - z0)),
      bindings: [{ buf: a.buffer }, { buf: b.buffer }, { buf: c.buffer }], describe: describe([a, b], [c]),
    });
  }
}

/** The matmul kernel. */
export function matmulKernels(gpu: Gpu): KernelTable<WgBuffer> {
  return { matmul: ([a, b], [c]) => encodeMatmul(gpu, a!, b!, c!) };
}
