// Batching rules for neural-network ops: images fold the batch dim into N (per-sample weights fold it
// into the groups of a grouped convolution), and losses run with reduction 'none' then reduce per sample.
import * as F from '@flint/core';
import type { Tensor } from '@flint/core';
import { aligned, defineBatchRule, type BatchContext } from '../registry.js';

type Attrs = Readonly<Record<string, unknown>>;
/** Input i (an image batch [N,C,H,W] or one image [C,H,W]) as one 4-d batch: the vmap batch folded into N. */
function fold(c: BatchContext, i: number): Tensor {
  const p = c.batched(i);
  return c.inputs[i]!.ndim === 4 ? p.reshape([-1, ...p.shape.slice(2)]) : p;
}
/** A folded result back to [B, N, ...] (or [B, ...] for one image per sample). */
const unfold = (c: BatchContext, i: number, y: Tensor): Tensor => (c.inputs[i]!.ndim === 4 ? y.reshape([c.size, -1, ...y.shape.slice(1)]) : y);
const convOpts = (a: Attrs): F.Conv2dOptions => ({ stride: a.stride as [number, number], padding: a.padding as [number, number], dilation: a.dilation as [number, number], groups: a.groups as number });

// [B,N,C,H,W] -> [N, B*C, H, W]: the vmap batch as groups
function asGroups(c: BatchContext, i: number): Tensor {
  const p = c.batched(i), x = c.inputs[i]!;
  const q = x.ndim === 4 ? p.transpose(0, 1) : p.unsqueeze(0);
  return q.reshape([q.shape[0]!, -1, ...q.shape.slice(3)]);
}
const fromGroups = (c: BatchContext, y: Tensor, x: Tensor): Tensor => {
  const r = y.reshape([y.shape[0]!, c.size, -1, ...y.shape.slice(2)]).transpose(0, 1);
  return x.ndim === 4 ? r : r.squeeze(1);
};

const poolOpts = (a: Attrs) => ({ stride: a.stride as [number, number], padding: a.padding as [number, number], dilation: a.dilation as [number, number], ceilMode: a.ceilMode as boolean });
const avgOpts = (a: Attrs): F.AvgPool2dOptions => ({ stride: a.stride as [number, number], padding: a.padding as [number, number], ceilMode: a.ceilMode as boolean, countIncludePad: a.countIncludePad as boolean, divisorOverride: (a.divisorOverride as number | null) ?? null });

/** A loss computed per element ('none'), then reduced over each sample's elements as `reduction` says. */
function perSample(c: BatchContext, loss: Tensor, count?: Tensor): Tensor {
  const red = c.attrs.reduction as string;
  if (red === 'none') return loss;
  const flat = loss.reshape([c.size, -1]);
  if (red === 'sum') return flat.sum(1);
  return count ? F.div(flat.sum(1), count) : flat.mean(1);
}
type Elementwise = (a: Tensor, b: Tensor, o: Record<string, unknown>) => Tensor;
const losses: [F.OpName, Elementwise, string[]][] = [
  ['mseLoss', (a, b, o) => F.mseLoss(a, b, o as F.LossOptions), []],
  ['l1Loss', (a, b, o) => F.l1Loss(a, b, o as F.LossOptions), []],
  ['smoothL1Loss', (a, b, o) => F.smoothL1Loss(a, b, o as F.SmoothL1LossOptions), ['beta']],
  ['huberLoss', (a, b, o) => F.huberLoss(a, b, o as F.HuberLossOptions), ['delta']],
  ['binaryCrossEntropy', (a, b, o) => F.binaryCrossEntropy(a, b, o as F.BinaryCrossEntropyOptions), []],
  ['binaryCrossEntropyWithLogits', (a, b, o) => F.binaryCrossEntropyWithLogits(a, b, o as F.BinaryCrossEntropyWithLogitsOptions), []],
];

/** Registers the batching rules of the neural-network ops. */
export function registerNn(): void {
  defineBatchRule('conv2d', (c) => {
    const x = c.inputs[0]!, o = convOpts(c.attrs), pw = c.phys(1);
    let y: Tensor;
    if (!pw) y = unfold(c, 0, F.conv2d(fold(c, 0), c.inputs[1]!, null, o));
    else {
      // per-sample weights: one grouped convolution with B times the groups
      const w = pw.reshape([-1, ...pw.shape.slice(2)]);
      y = fromGroups(c, F.conv2d(asGroups(c, 0), w, null, { ...o, groups: o.groups! * c.size }), x);
    }
    if (c.inputs.length < 3) return y;
    const pb = c.phys(2), b = c.inputs[2]!;
    return y.add(pb ? pb.reshape([c.size, ...(x.ndim === 4 ? [1] : []), -1, 1, 1]) : b.reshape([-1, 1, 1]));
  });
  defineBatchRule('conv2dBackwardInput', (c) => {
    if (c.phys(1)) return undefined;
    const shape = c.attrs.inputShape as number[];
    const folded = shape.length === 4 ? [c.size * shape[0]!, ...shape.slice(1)] : [c.size, ...shape];
    return unfold(c, 0, F.conv2dBackwardInput(fold(c, 0), c.inputs[1]!, folded, convOpts(c.attrs)));
  });
  // per-sample weight gradients: the vmap batch as groups of one grouped weight gradient
  defineBatchRule('conv2dBackwardWeight', (c) => {
    const ws = c.attrs.weightShape as number[], o = convOpts(c.attrs);
    const g = F.conv2dBackwardWeight(asGroups(c, 0), asGroups(c, 1), [c.size * ws[0]!, ...ws.slice(1)], { ...o, groups: o.groups! * c.size });
    return g.reshape([c.size, ...ws]);
  });
  defineBatchRule('maxPool2d', (c) => {
    const r = F.maxPool2d(fold(c, 0), c.attrs.kernelSize as [number, number], { ...poolOpts(c.attrs), returnIndices: true });
    return { values: unfold(c, 0, r.values), indices: unfold(c, 0, r.indices) };
  });
  defineBatchRule('maxPool2dBackward', (c) => {
    const shape = c.attrs.inputShape as number[];
    const folded = shape.length === 4 ? [c.size * shape[0]!, ...shape.slice(1)] : [c.size, ...shape];
    return unfold(c, 0, F.maxPool2dBackward(fold(c, 0), fold(c, 1), folded));
  });
  defineBatchRule('avgPool2d', (c) => unfold(c, 0, F.avgPool2d(fold(c, 0), c.attrs.kernelSize as [number, number], avgOpts(c.attrs))));
  defineBatchRule('avgPool2dBackward', (c) => {
    const shape = c.attrs.inputShape as number[];
    const folded = shape.length === 4 ? [c.size * shape[0]!, ...shape.slice(1)] : [c.size, ...shape];
    return unfold(c, 0, F.avgPool2dBackward(fold(c, 0), folded, { ...avgOpts(c.attrs), kernelSize: c.attrs.kernelSize as [number, number] }));
  });
  defineBatchRule('adaptiveAvgPool2d', (c) => unfold(c, 0, F.adaptiveAvgPool2d(fold(c, 0), c.attrs.outputSize as number[])));
  // layerNorm normalizes trailing dims, which the batch dim doesn't touch (per-sample affine parameters loop)
  defineBatchRule('layerNorm', (c) => {
    const [hasW, hasB] = c.attrs.affine as [boolean, boolean];
    const ns = c.attrs.normalizedShape as number[], eps = c.attrs.eps as number;
    const affine = c.inputs.slice(1).map((_, i) => i + 1);
    if (!affine.some((i) => c.phys(i))) return F.layerNorm(c.phys(0)!, ns, { eps, weight: hasW ? c.inputs[1]! : null, bias: hasB ? c.inputs[hasW ? 2 : 1]! : null });
    // per-sample affine parameters: normalize, then scale and shift with the batch dims lined up
    const ops = aligned(c);
    let y = F.layerNorm(ops[0]!, ns, { eps });
    if (hasW) y = F.mul(y, ops[1]!);
    if (hasB) y = F.add(y, ops[hasW ? 2 : 1]!);
    return y;
  });
  defineBatchRule('dropout', (c) => {
    if (c.inputs.length < 2) return c.attrs.training ? F.mul(c.phys(0)!, 0) : c.phys(0)!.clone();
    // 'different': a fresh mask per sample; 'same': the one mask the op drew
    if (c.randomness === 'different' && !c.phys(1)) return F.dropout(c.batched(0), c.attrs.p as number, true);
    return F.mul(c.batched(0), c.phys(1) ?? c.inputs[1]!);
  });
  for (const [op, f, keys] of losses) {
    defineBatchRule(op, (c) => {
      const o: Record<string, unknown> = { reduction: 'none' };
      for (const k of keys) o[k] = c.attrs[k];
      // elementwise weights (binaryCrossEntropy's weight, ...WithLogits' weight and posWeight) broadcast as the inputs do
      const ops = aligned(c);
      const [hasW, hasPW] = (c.attrs.weighted as [boolean, boolean] | undefined) ?? [c.inputs.length > 2, false];
      let k = 2;
      if (hasW) o.weight = ops[k++]!;
      if (hasPW) o.posWeight = ops[k++]!;
      return perSample(c, f(c.batched(0), c.batched(1), o));
    });
  }
  // class-index targets without weights or label smoothing: per-sample mean over the targets not ignored
  for (const op of ['crossEntropy', 'nllLoss'] as const) {
    defineBatchRule(op, (c) => {
      const x = c.inputs[0]!, t = c.inputs[1]!, weight = c.inputs.length > 2 ? c.inputs[2]! : null;
      if ((weight && c.phys(2)) || (c.attrs.labelSmoothing as number | undefined) || t.dtype.startsWith('float') || x.ndim > 2) return undefined;
      const ignoreIndex = c.attrs.ignoreIndex as number;
      const logits = x.ndim === 2 ? c.batched(0).reshape([-1, x.shape[1]!]) : c.batched(0);
      const target = c.batched(1).reshape([-1]);
      const f = op === 'crossEntropy' ? F.crossEntropy : F.nllLoss;
      const loss = f(logits, target, { reduction: 'none', ignoreIndex, weight }).reshape([c.size, ...t.shape]);
      // 'mean' divides by the targets' total weight (1 each without weights), ignored targets left out
      const valid = F.ne(target, ignoreIndex);
      const w = weight ? F.where(valid, F.indexSelect(weight, 0, F.where(valid, target, 0).long()), 0) : valid.to(loss.dtype);
      return perSample(c, loss, w.reshape([c.size, -1]).sum(1).to(loss.dtype));
    });
  }
}
