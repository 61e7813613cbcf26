// Batched matmul on the tiled GEMM (./gemm.ts). Inputs are strided views: transposes and broadcast batch
// dims are folded into the indexing, never copied; batch dims are merged where they can be and go in z.
import type { KernelTable } from '@flint/core';
import { BackendError, DTypeError } from '@flint/core';
import type { Gpu } from '../runtime/gpu.js';
import type { WgBuffer } from '../runtime/pool.js';
import type { T } from './common.js';
import { Params, describe, numel, typeOf } from './common.js';
import { gemmGroups, gemmWgsl } from './gemm.js';
import { chunks, coalesce, spanOf, windowOf } from './strided.js';

const wgsl = (t: string) => (): string => gemmWgsl({
  t,
  fields: 'aOff: u32, bOff: u32, sam: u32, sak: u32, sbk: u32, sbn: u32, m0: u32, cOff: u32, Mt: u32, pad0: u32, pad1: u32, pad2: u32, bshape: vec4u, abat: vec4u, bbat: vec4u',
  bindings: `@group(0) @binding(1) var<storage, read> A: array<${t}>;
@group(0) @binding(2) var<storage, read> B: array<${t}>;
@group(0) @binding(3) var<storage, read_write> C: array<${t}>;`,
  helpers: `fn bases(z: u32) -> vec2u {
  var rem = z; var ao = p.aOff; var bo = p.bOff;
  for (var d = 3; d >= 0; d--) { let n = p.bshape[d]; let c = rem % n; rem = rem / n; ao += c * p.abat[d]; bo += c * p.bbat[d]; }
  return vec2u(ao, bo);
}`,
  loadA: 'A[bases(z).x + (m + p.m0) * p.sam + k * p.sak]',
  loadB: 'B[bases(z).y + k * p.sbk + n * p.sbn]',
  store: `C[(z * p.Mt + m + p.m0) * p.N + n - p.cOff] = ${t === 'u32' ? 'v & 255u' : 'v'};`,
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
  const maxZ = gpu.limits.maxComputeWorkgroupsPerDimension, max = gpu.maxBinding;
  const align = gpu.limits.minStorageBufferOffsetAlignment;
  // work items are output rows (z, m) in order; past the binding limit they go in chunks of whole batches,
  // or of rows within one batch, each binding the windows of a, b and c it touches
  const windows = (r0: number, r1: number) => {
    const z0 = Math.floor(r0 / M), z1 = Math.floor((r1 - 1) / M) + 1;
    const sa = spanOf(a.shape, a.strides, a.offset, r0 * K, r1 * K), sb = spanOf(b.shape, b.strides, b.offset, z0 * K * N, z1 * K * N);
    return [windowOf(sa[0], sa[1], 4, align), windowOf(sb[0], sb[1], 4, align), windowOf(r0 * N, r1 * N - 1, 4, align)] as const;
  };
  const whole = a.buffer.bytes <= max && b.buffer.bytes <= max && c.buffer.bytes <= max;
  const fits = (r0: number, r1: number): boolean => windows(r0, r1).every((w) => w.size <= max);
  let parts: [number, number][];
  if (whole) parts = [[0, nb * M]];
  else if (fits(0, M)) parts = chunks(nb, (z0, z1) => fits(z0 * M, z1 * M)).map(([z0, z1]) => [z0 * M, z1 * M]);
  else parts = Array.from({ length: nb }, (_, z) => chunks(M, (m0, m1) => fits(z * M + m0, z * M + m1)).map(([m0, m1]): [number, number] => [z * M + m0, z * M + m1])).flat();
  for (const [r0, r1] of parts) {
    const [wa, wb, wc] = whole ? [{ offset: 0, size: a.buffer.bytes, base: 0 }, { offset: 0, size: b.buffer.bytes, base: 0 }, { offset: 0, size: c.buffer.bytes, base: 0 }] : windows(r0, r1);
    const within = r1 - r0 < M || r0 % M !== 0; // rows of one batch
    const z0 = Math.floor(r0 / M), zs = within ? 1 : (r1 - r0) / M, m0 = within ? r0 % M : 0, rows = within ? r1 - r0 : M;
    for (let zc = 0; zc < zs; zc += maxZ) {
      const params = new Params().u32(rows, N, K, z0 + zc, a.offset - wa.base, b.offset - wb.base, a.strides[r - 2]!, a.strides[r - 1]!, b.strides[r - 2]!, b.strides[r - 1]!,
        m0, wc.base, M, 0, 0, 0, ...bshape, ...abat, ...bbat).done();
      const bind = (t: T, w: { offset: number; size: number }) => ({ buf: t.buffer, offset: w.offset, size: Math.max(4, Math.ceil(w.size / 4) * 4) });
      gpu.run({
        kernel: 'matmul', key: `matmul:${t}`, wgsl: wgsl(t), params, groups: gemmGroups(rows, N, Math.min(maxZ, zs - zc)),
        bindings: [bind(a, wa), bind(b, wb), bind(c, wc)], describe: describe([a, b], [c]),
      });
    }
  }
}

/** The matmul kernel. */
export function matmulKernels(gpu: Gpu): KernelTable<WgBuffer> {
  return { matmul: ([a, b], [c]) => encodeMatmul(gpu, a!, b!, c!) };
}
