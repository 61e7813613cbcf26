// Batched matmul: a [...batch, M, K] x b [...batch, K, N] with identical batch shapes (batch strides
// may be 0 from broadcasting; the matrix dims may be transposed or otherwise strided).
import type { Kernel } from '@flint/core';
import { stridedOffsets } from '@flint/core';
import type { CpuArray } from '../storage.js';
import { gemm } from './gemm.js';
import { finish } from './util.js';

export const matmul: Kernel<CpuArray> = ([a, b], [out]) => {
  const A = a!, B = b!, C = out!;
  const nd = A.shape.length;
  const M = A.shape[nd - 2]!, K = A.shape[nd - 1]!, N = B.shape[nd - 1]!;
  const batch = A.shape.slice(0, nd - 2);
  const aBase = stridedOffsets(batch, A.strides.slice(0, nd - 2), A.offset);
  const bBase = stridedOffsets(batch, B.strides.slice(0, nd - 2), B.offset);
  const ars = A.strides[nd - 2]!, acs = A.strides[nd - 1]!, brs = B.strides[nd - 2]!, bcs = B.strides[nd - 1]!;
  for (let i = 0; i < aBase.length; i++) {
    const cOff = C.offset + i * M * N;
    if (K === 0) { C.buffer.fill(0, cOff, cOff + M * N); continue; }
    gemm(M, N, K, { data: A.buffer, off: aBase[i]!, rs: ars, cs: acs }, { data: B.buffer, off: bBase[i]!, rs: brs, cs: bcs },
      C.buffer, cOff, N);
  }
  finish(C);
};
