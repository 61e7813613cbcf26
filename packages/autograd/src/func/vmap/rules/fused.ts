// Batching rules for the fused ops: attention (leading dims broadcast), the recurrent cells and their
// backward ops (the vmap batch folded into their rows), batch norm (folded into N in eval mode, into the
// channels in training without running statistics), conv1d, interpolate and einsum (a new batch letter).
import * as F from '@flint/core';
import type { Tensor } from '@flint/core';
import { RUN_PARTS, defineBatchRule, type BatchContext } from '../registry.js';

/** Batched operands with unit dims after the batch dim up to the largest logical rank. */
function lift(c: BatchContext, idx: readonly number[]): Tensor[] {
  const rank = Math.max(...idx.map((i) => c.inputs[i]!.ndim));
  return idx.map((i) => { let r = c.phys(i); if (!r) return c.inputs[i]!; for (let k = c.inputs[i]!.ndim; k < rank; k++) r = r.unsqueeze(1); return r; });
}

/** Input i ([N, X] per sample) as rows [B·N, X]; out of rows again. */
const rows = (c: BatchContext, i: number): Tensor => c.batched(i).reshape([-1, c.inputs[i]!.shape[1]!]);
const unrows = (c: BatchContext, t: Tensor): Tensor => t.reshape([c.size, -1, t.shape[1]!]);
/** A workspace [P, N, H] per sample as [P, B·N, H]. */
const planes = (c: BatchContext, i: number): Tensor => { const w = c.batched(i); return w.transpose(0, 1).reshape([w.shape[1]!, -1, w.shape[3]!]); };

/** Registers the batching rules of the fused ops. */
export function registerFused(): void {
  defineBatchRule('scaledDotProductAttention', (c) => {
    if ((c.attrs.dropoutP as number) > 0) return undefined;
    const [q, k, v, mask] = lift(c, c.inputs.map((_, i) => i));
    return F.scaledDotProductAttention(q!, k!, v!, { attnMask: mask ?? null, isCausal: c.attrs.isCausal as boolean, scale: c.attrs.scale as number });
  });
  defineBatchRule('gruCell', (c) => {
    // a per-sample hidden bias is added to the hidden gates (the cell does the same)
    const hg = c.inputs.length > 3 && c.phys(3) ? F.add(c.batched(1), c.phys(3)!.unsqueeze(1)).reshape([-1, c.inputs[1]!.shape[1]!]) : rows(c, 1);
    const bias = c.inputs.length > 3 && !c.phys(3) ? c.inputs[3]! : null;
    // the op's own result shape: { h } (a kernel's workspace stays inside the op)
    return { h: unrows(c, F.gruCell(rows(c, 0), hg, rows(c, 2), bias)) };
  });
  defineBatchRule('lstmCell', (c) => {
    const r = F.lstmCell(rows(c, 0), rows(c, 1), rows(c, 2));
    return { h: unrows(c, r.h), c: unrows(c, r.c) };
  });
  defineBatchRule('gruCellBackward', (c) => {
    const r = F.gruCellBackward(rows(c, 0), rows(c, 1), planes(c, 2));
    return { gradXGates: unrows(c, r.gradXGates), gradHGates: unrows(c, r.gradHGates), gradH: unrows(c, r.gradH) };
  });
  defineBatchRule('lstmCellBackward', (c) => {
    const [hasH, hasC] = c.attrs.grads as [boolean, boolean];
    let k = 0;
    const gh = hasH ? rows(c, k++) : null, gc = hasC ? rows(c, k++) : null;
    const r = F.lstmCellBackward(gh, gc, rows(c, k), planes(c, k + 1));
    return { gradGates: unrows(c, r.gradGates), gradC: unrows(c, r.gradC) };
  });
  // batch norm (and batchNormRelu, which `norm` runs): inputs x, then runningMean/runningVar/weight/bias where given
  const batchNormRule = (norm: typeof F.batchNorm) => (c: BatchContext) => {
    const [hasMean, hasVar] = c.attrs.stats as [boolean, boolean], [hasW, hasB] = c.attrs.affine as [boolean, boolean];
    if (c.inputs.slice(1).some((_, i) => c.phys(i + 1) && !(c.attrs.training && !hasMean && !hasVar))) return undefined;
    let k = 1;
    const rm = hasMean ? c.inputs[k++]! : null, rv = hasVar ? c.inputs[k++]! : null;
    const wI = hasW ? k++ : -1, bI = hasB ? k++ : -1;
    const x = c.inputs[0]!, eps = c.attrs.eps as number;
    if (!c.attrs.training) {
      const folded = c.phys(0)!.reshape([-1, ...x.shape.slice(1)]);
      return norm(folded, rm, rv, { training: false, eps, weight: wI > 0 ? c.inputs[wI]! : null, bias: bI > 0 ? c.inputs[bI]! : null }).reshape([c.size, ...x.shape]);
    }
    if (hasMean || hasVar) return undefined; // running statistics are updated in place: loop
    // training without running statistics: each sample's channels become channels of one batch [N, B·C, ...]
    const C = x.shape[1]!;
    const p = c.phys(0)!.transpose(0, 1);
    const perChannel = (i: number) => (i < 0 ? null : c.phys(i) ? c.phys(i)!.reshape([-1]) : c.inputs[i]!.repeat([c.size]));
    const y = norm(p.reshape([x.shape[0]!, c.size * C, ...x.shape.slice(2)]), null, null, { training: true, eps, weight: perChannel(wI), bias: perChannel(bI) });
    return y.reshape([x.shape[0]!, c.size, ...x.shape.slice(1)]).transpose(0, 1);
  };
  defineBatchRule('batchNorm', batchNormRule(F.batchNorm));
  defineBatchRule('batchNormRelu', batchNormRule(F.batchNormRelu));
  // reluBackward and batchNormBackward, each batched by its own rule
  defineBatchRule('batchNormReluBackward', () => RUN_PARTS);
  defineBatchRule('batchNormStats', (c) => {
    const x = c.inputs[0]!, C = x.shape[1]!;
    const p = c.phys(0)!.transpose(0, 1).reshape([x.shape[0]!, c.size * C, ...x.shape.slice(2)]);
    const r = F.batchNormStats(p, { eps: c.attrs.eps as number });
    return { mean: r.mean.reshape([c.size, C]), invstd: r.invstd.reshape([c.size, C]) };
  });
  defineBatchRule('conv1d', (c) => {
    if (c.inputs.slice(1).some((_, i) => c.phys(i + 1))) return undefined;
    const x = c.inputs[0]!, p = c.phys(0)!;
    const folded = x.ndim === 3 ? p.reshape([-1, ...x.shape.slice(1)]) : p;
    const a = c.attrs;
    const y = F.conv1d(folded, c.inputs[1]!, c.inputs[2] ?? null, { stride: a.stride as number, padding: a.padding as number, dilation: a.dilation as number, groups: a.groups as number });
    return x.ndim === 3 ? y.reshape([c.size, x.shape[0]!, ...y.shape.slice(1)]) : y;
  });
  defineBatchRule('adaptiveAvgPool2dBackward', (c) => {
    const shape = c.attrs.inputShape as number[], g = c.inputs[0]!;
    const folded = shape.length === 4 ? [c.size * shape[0]!, ...shape.slice(1)] : [c.size, ...shape];
    const p = g.ndim === 4 ? c.phys(0)!.reshape([-1, ...g.shape.slice(1)]) : c.phys(0)!;
    const r = F.adaptiveAvgPool2dBackward(p, folded);
    return shape.length === 4 ? r.reshape([c.size, ...shape]) : r;
  });
  defineBatchRule('interpolate', (c) => {
    const x = c.inputs[0]!, p = c.phys(0)!.reshape([-1, ...x.shape.slice(1)]);
    const scales = c.attrs.scales as (number | null)[];
    const mode = c.attrs.mode as F.InterpolateMode, linear = mode === 'linear' || mode === 'bilinear';
    const opts: F.InterpolateOptions = { mode, ...(linear ? { alignCorners: c.attrs.alignCorners as boolean | null } : {}), ...(scales.every((s) => s !== null) ? { scaleFactor: scales as number[] } : { size: c.attrs.size as number[] }) };
    const y = F.interpolate(p, opts);
    return y.reshape([c.size, x.shape[0]!, ...y.shape.slice(1)]);
  });
  // einsum: a letter the equation doesn't use becomes the batch dim of every batched operand and the output
  defineBatchRule('einsum', (c) => {
    const eq = (c.attrs.equation as string).replace(/\s/g, '');
    if (!eq.includes('->')) return undefined;
    const letter = [...'zyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQPONMLKJIHGFEDCBA'].find((l) => !eq.includes(l));
    if (!letter) return undefined;
    const [lhs, rhs] = eq.split('->') as [string, string];
    const terms = lhs.split(',').map((t, i) => (c.phys(i) ? letter + t : t));
    return F.einsum(`${terms.join(',')}->${letter}${rhs}`, c.inputs.map((_, i) => c.phys(i) ?? c.inputs[i]!));
  });
  // per-channel work: the vmap batch folded into the channels ([N, B·C, ...]) computes per-sample statistics' gradients
  defineBatchRule('batchNormBackward', (c) => {
    const x = c.inputs[1]!, C = x.shape[1]!, N = x.shape[0]!;
    const hasW = c.inputs.length > 4;
    const chans = (i: number) => c.batched(i).transpose(0, 1).reshape([N, c.size * C, ...x.shape.slice(2)]);
    const perChannel = (i: number) => (c.phys(i) ? c.phys(i)!.reshape([-1]) : c.inputs[i]!.repeat([c.size]));
    const k = hasW ? 3 : 2;
    const r = F.batchNormBackward(chans(0), chans(1), hasW ? perChannel(2) : null, perChannel(k), perChannel(k + 1), { training: c.attrs.training as boolean });
    return {
      gradInput: r.gradInput.reshape([N, c.size, ...x.shape.slice(1)]).transpose(0, 1),
      gradWeight: r.gradWeight.reshape([c.size, C]),
      gradBias: r.gradBias.reshape([c.size, C]),
    };
  });
  // whole-sequence recurrent layers: their composite, a loop of cells, batches cell by cell (at depth 0 the
  // op takes the composite, as when autograd records its parts)
  defineBatchRule('gruSequence', () => RUN_PARTS);
  defineBatchRule('lstmSequence', () => RUN_PARTS);
  defineBatchRule('gruSequenceBackward', () => RUN_PARTS);
  defineBatchRule('lstmSequenceBackward', () => RUN_PARTS);
}
