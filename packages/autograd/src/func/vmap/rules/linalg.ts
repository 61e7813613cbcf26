// Batching rules for matmul, linear, einsum-free products and the gather/scatter family.
import * as F from '@flint/core';
import type { Tensor } from '@flint/core';
import { defineBatchRule, physDim, type BatchContext } from '../registry.js';

/**
 * matmul of operands of logical ranks ra and rb, each given as its physical tensor (batch dim 0) when
 * batched or as itself when not: vectors become matrices, batched operands get unit dims after the
 * batch dim up to the common rank, and the vector dims are squeezed out again.
 */
export function batchedMatmul(ra: number, a: Tensor, aBatched: boolean, rb: number, b: Tensor, bBatched: boolean): Tensor {
  if (ra === 1 && rb === 1) {
    const [x, y] = [aBatched || !bBatched ? a : a.unsqueeze(0), bBatched || !aBatched ? b : b.unsqueeze(0)];
    return F.mul(x, y).sum(-1);
  }
  let A = ra === 1 ? a.unsqueeze(aBatched ? 1 : 0) : a;
  let B = rb === 1 ? b.unsqueeze(-1) : b;
  const rank = Math.max(ra, rb, 2);
  const lift = (t: Tensor, logicalRank: number) => { let r = t; for (let k = logicalRank; k < rank; k++) r = r.unsqueeze(1); return r; };
  if (aBatched) A = lift(A, Math.max(ra, 2));
  if (bBatched) B = lift(B, Math.max(rb, 2));
  let out = F.matmul(A, B);
  if (ra === 1) out = out.squeeze(-2);
  if (rb === 1) out = out.squeeze(-1);
  return out;
}

const orSelf = (c: BatchContext, i: number): Tensor => c.phys(i) ?? c.inputs[i]!;

/** Registers the batching rules of matmul, linear and gather/scatter. */
export function registerLinalg(): void {
  defineBatchRule('matmul', (c) => batchedMatmul(c.inputs[0]!.ndim, orSelf(c, 0), !!c.phys(0), c.inputs[1]!.ndim, orSelf(c, 1), !!c.phys(1)));
  // x Wᵀ + b: F.linear when only x is batched, else a batched matmul with Wᵀ
  defineBatchRule('linear', (c) => {
    const x = c.inputs[0]!, px = c.phys(0), pw = c.phys(1), pb = c.inputs.length > 2 ? c.phys(2) : null;
    const out = px && !pw ? F.linear(px, c.inputs[1]!) : batchedMatmul(x.ndim, orSelf(c, 0), !!px, 2, pw ? pw.transpose(1, 2) : c.inputs[1]!.t(), !!pw);
    if (c.inputs.length < 3) return out;
    if (!pb) return out.add(c.inputs[2]!);
    let bias = pb;
    for (let k = 1; k < x.ndim; k++) bias = bias.unsqueeze(1);
    return out.add(bias);
  });
  defineBatchRule('gather', (c) => c.inputs[0]!.ndim === 0 ? undefined : F.gather(c.batched(0), physDim(c.attrs.dim as number, c.inputs[0]!.ndim), c.batched(1)));
  defineBatchRule('scatterAdd', (c) => c.inputs[0]!.ndim === 0 ? undefined : F.scatterAdd(c.batched(0), physDim(c.attrs.dim as number, c.inputs[0]!.ndim), c.batched(1), c.batched(2)));
  defineBatchRule('indexSelect', (c) => {
    const x = c.inputs[0]!;
    if (x.ndim === 0) return undefined;
    const d = physDim(c.attrs.dim as number, x.ndim);
    if (!c.phys(1)) return F.indexSelect(c.phys(0)!, d, c.inputs[1]!);
    // per-sample indices: a gather with each sample's indices spread along the other dims
    const px = c.batched(0), idx = c.phys(1)!.reshape([c.size, -1]);
    const shape = [...px.shape];
    shape[d] = idx.shape[1]!;
    const spread = idx.reshape(shape.map((s, i) => (i === 0 || i === d ? s : 1))).expand(shape);
    return F.gather(px, d, spread);
  });
  defineBatchRule('embedding', (c) => {
    if (!c.phys(1)) return F.embedding(c.phys(0)!, c.inputs[1]!);
    // per-sample tables [B, V, D]: gather each sample's rows
    const pw = c.phys(1)!, D = pw.shape[2]!;
    const idx = c.batched(0).reshape([c.size, -1, 1]).expand([c.size, -1, D]);
    return F.gather(pw, 1, idx).reshape([c.size, ...c.inputs[0]!.shape, D]);
  });
}
