// Classification losses over a class dim: nllLoss and crossEntropy (class-index or probability targets,
// class weights, ignoreIndex, label smoothing), following torch's weighted-mean rules exactly.
import { isFloating } from '../../dtype.js';
import { apply, hasKernel, runKernel } from '../../dispatch.js';
import { DTypeError, ShapeError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { add, div, mul, ne, where } from '../binary.js';
import { gather, indexSelect } from '../indexing.js';
import { logSoftmax, sum } from '../reduce.js';
import { neg } from '../unary.js';
import { castTo } from '../util.js';
import type { LossReduction } from './util.js';
import { checkReduction, requireSameFloat } from './util.js';
import { checkOptions, optionKeys } from '../../names.js';

export type { LossReduction } from './util.js';
/**
 * Options of {@link nllLoss}.
 * @property weight - a weight per class, [C] (default none)
 * @property ignoreIndex - a target value that adds nothing to the loss or its gradient (default -100)
 * @property reduction - `'mean'` (default), `'sum'` or `'none'`
 */
export interface NllLossOptions { weight?: Tensor | null; ignoreIndex?: number; reduction?: LossReduction }
/**
 * Options of {@link crossEntropy}.
 * @property labelSmoothing - mix this much of the uniform distribution into the targets, in [0, 1] (default 0)
 */
export interface CrossEntropyOptions extends NllLossOptions { labelSmoothing?: number }
const NLL_KEYS = optionKeys<NllLossOptions>()('weight', 'ignoreIndex', 'reduction');
const CE_KEYS = optionKeys<CrossEntropyOptions>()('weight', 'ignoreIndex', 'reduction', 'labelSmoothing');

/** Validate input [C] / [N,C,d1,...] against class-index target [] / [N,d1,...]; returns C. */
function checkClassTarget(op: string, input: Tensor, target: Tensor, weight: Tensor | null | undefined): number {
  if (input.ndim === 0) throw new ShapeError(`${op}: input must have a class dim ([C], [N,C] or [N,C,d1,...]), got a 0-d tensor`);
  if (target.dtype !== 'int64' && target.dtype !== 'int32') {
    throw new DTypeError(`${op}: class-index targets must be int64 or int32, got ${target.dtype} (target ${fmtShape(target.shape)}); convert with target.long()`);
  }
  const want = input.ndim === 1 ? [] : [input.shape[0]!, ...input.shape.slice(2)];
  if (target.ndim !== want.length || target.shape.some((d, i) => d !== want[i])) {
    throw new ShapeError(`${op}: target ${fmtShape(target.shape)} doesn't match input ${fmtShape(input.shape)}; expected a target of shape ${fmtShape(want)}`);
  }
  return checkWeight(op, input, weight);
}

/** The class weight must be [C]; returns C. */
function checkWeight(op: string, input: Tensor, weight: Tensor | null | undefined): number {
  const C = input.ndim === 1 ? input.shape[0]! : input.shape[1]!;
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== C)) {
    throw new ShapeError(`${op}: weight ${fmtShape(weight.shape)} must have shape [${C}], one value per class of input ${fmtShape(input.shape)}`);
  }
  return C;
}

/** input as rows [M, C] with the class dim last, target as [M]. */
function rows(input: Tensor, target: Tensor): [Tensor, Tensor] {
  if (input.ndim === 1) return [input.reshape([1, input.shape[0]!]), target.reshape([1])];
  if (input.ndim === 2) return [input, target];
  const order = [0, ...Array.from({ length: input.ndim - 2 }, (_, i) => i + 2), 1];
  return [input.permute(order).reshape([-1, input.shape[1]!]), target.reshape([-1])];
}

/** Per-row pieces of torch's nll: valid mask, the target clamped in range for ignored rows, and w[target] (0 when ignored). */
function picks(t: Tensor, weight: Tensor | null | undefined, ignoreIndex: number, dtype: Tensor['dtype']) {
  const valid = ne(t, ignoreIndex);
  const safe = where(valid, t, 0);
  const wt = weight ? where(valid, indexSelect(weight, 0, safe), 0) : castTo(valid, dtype);
  return { valid, safe, wt };
}

function nll(lp: Tensor, target: Tensor, weight: Tensor | null | undefined, ignoreIndex: number, reduction: LossReduction): Tensor {
  const [lp2, t] = rows(lp, target);
  const { safe, wt } = picks(t, weight, ignoreIndex, lp.dtype);
  // out-of-range targets fail in gather's own bounds check (IndexError)
  const loss = neg(mul(gather(lp2, 1, safe.reshape([-1, 1])).reshape([-1]), wt));
  if (reduction === 'none') return loss.reshape([...target.shape]);
  return reduction === 'sum' ? sum(loss) : div(sum(loss), sum(wt));
}

/** torch.nn.functional.nll_loss on log-probabilities [C], [N,C] or [N,C,d1,...]. */
export function nllLoss(logProbs: Tensor, target: Tensor, opts: NllLossOptions = {}): Tensor {
  checkOptions('nllLoss', opts, NLL_KEYS);
  const op = 'nllLoss';
  const { weight = null, ignoreIndex = -100 } = opts, reduction = checkReduction(op, opts.reduction ?? 'mean');
  checkClassTarget(op, logProbs, target, weight);
  return apply(op, weight ? [logProbs, target, weight] : [logProbs, target], { ignoreIndex, reduction }, ([logProbs, target, weight]) => {
    requireSameFloat(op, logProbs!, weight);
    return nll(logProbs!, target!, weight, ignoreIndex, reduction);
  });
}

/** torch.nn.functional.cross_entropy: class-index targets (int) or class probabilities (float, input's shape). */
export function crossEntropy(logits: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  checkOptions('crossEntropy', opts, CE_KEYS);
  const op = 'crossEntropy';
  const { weight = null, ignoreIndex = -100, labelSmoothing: ls = 0 } = opts, reduction = checkReduction(op, opts.reduction ?? 'mean');
  if (!(ls >= 0 && ls <= 1)) throw new ShapeError(`${op}: labelSmoothing must be between 0 and 1, got ${ls}`);
  const probs = isFloating(target.dtype);
  let C: number;
  if (probs) {
    if (logits.ndim === 0 || target.ndim !== logits.ndim || target.shape.some((d, i) => d !== logits.shape[i])) {
      throw new ShapeError(`${op}: probability target ${fmtShape(target.shape)} must have the input's shape ${fmtShape(logits.shape)} (or pass class indices as int64)`);
    }
    C = checkWeight(op, logits, weight);
  } else {
    C = checkClassTarget(op, logits, target, weight);
  }
  const inputs = weight ? [logits, target, weight] : [logits, target];
  // `fused`: the plain case a backend's crossEntropy kernel computes (and autograd differentiates as one op)
  const fused = !probs && !weight && ls === 0 && logits.ndim === 2;
  return apply(op, inputs, { ignoreIndex, reduction, labelSmoothing: ls, fused }, ([logits0, target0, weight0]) => {
    // autocast may have cast the inputs: the dtype checks are on what the op computes with
    const logits = logits0!, target = target0!, weight = weight0 ?? null;
    if (probs) requireSameFloat(op, logits, target, weight);
    else requireSameFloat(op, logits, weight);
    const cdim = logits.ndim === 1 ? 0 : 1;
    if (probs) {
      const lp = logSoftmax(logits, cdim);
      const wAlong = weight ? weight.reshape(logits.shape.map((_, i) => (i === cdim ? C : 1))) : null;
      const tgt = ls > 0 ? add(mul(target, 1 - ls), ls / C) : target;
      const prod = wAlong ? mul(mul(lp, tgt), wAlong) : mul(lp, tgt);
      if (reduction === 'none') return neg(sum(prod, cdim));
      const total = neg(sum(prod));
      return reduction === 'sum' ? total : div(total, logits.numel() / C);
    }
    if (fused && hasKernel(op, logits.device)) {
      const shape = reduction === 'none' ? [logits.shape[0]!] : [];
      return runKernel(op, logits.device, [logits, target], [{ shape, dtype: logits.dtype }], { ignoreIndex, reduction })[0]!;
    }
    const lp = logSoftmax(logits, cdim);
    const loss = nll(lp, target, weight, ignoreIndex, reduction);
    if (ls === 0) return loss;
    // torch: (1-ε)·nll + ε/C · smooth, smooth = -Σ_c w_c·logp_c, zero on ignored rows
    const [lp2, t] = rows(lp, target);
    const { valid, wt } = picks(t, weight, ignoreIndex, lp.dtype);
    const smooth = where(valid, neg(sum(weight ? mul(lp2, weight.reshape([1, C])) : lp2, 1)), 0);
    const reduced = reduction === 'none' ? smooth.reshape([...target.shape])
      : reduction === 'sum' ? sum(smooth)
      : div(sum(smooth), sum(wt)); // over non-ignored rows, weighted by w[target] when weighted
    return add(mul(loss, 1 - ls), mul(reduced, ls / C));
  });
}
