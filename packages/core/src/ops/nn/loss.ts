// Elementwise losses between an input and a same-shaped target: regression (mse, l1, smooth L1, Huber)
// and binary cross-entropy on probabilities or (numerically stably) on logits.
import { apply } from '../../dispatch.js';
import { ShapeError, fmtShape } from '../../errors.js';
import type { OpName } from '../../schema/index.js';
import type { Tensor } from '../../tensor.js';
import { add, lt, maximum, mul, sub, where } from '../binary.js';
import { abs, exp, log, log1p, neg } from '../unary.js';
import type { LossReduction } from './util.js';
import { checkBroadcastsTo, checkReduction, reduceLoss, requireSameFloat } from './util.js';
import { checkOptions, optionKeys } from '../../names.js';

/**
 * Options of the losses.
 * @property reduction - `'mean'` (default), `'sum'` or `'none'`
 */
export interface LossOptions { reduction?: LossReduction }
/**
 * Options of {@link smoothL1Loss}.
 * @property beta - where the loss changes from quadratic to linear (default 1)
 */
export interface SmoothL1LossOptions extends LossOptions { beta?: number }
/**
 * Options of {@link huberLoss}.
 * @property delta - where the loss changes from quadratic to linear (default 1)
 */
export interface HuberLossOptions extends LossOptions { delta?: number }
/**
 * Options of {@link binaryCrossEntropy}.
 * @property weight - a weight for each element, broadcast to the input (default none)
 */
export interface BinaryCrossEntropyOptions extends LossOptions { weight?: Tensor | null }
/**
 * Options of {@link binaryCrossEntropyWithLogits}.
 * @property posWeight - the weight of positive examples, per class (default none)
 */
export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions { posWeight?: Tensor | null }
const LOSS_KEYS = optionKeys<LossOptions>()('reduction');
const SMOOTH_L1_KEYS = optionKeys<SmoothL1LossOptions>()('reduction', 'beta');
const HUBER_KEYS = optionKeys<HuberLossOptions>()('reduction', 'delta');
const BCE_KEYS = optionKeys<BinaryCrossEntropyOptions>()('reduction', 'weight');
const BCE_LOGITS_KEYS = optionKeys<BinaryCrossEntropyWithLogitsOptions>()('reduction', 'weight', 'posWeight');

function checkSame(op: string, input: Tensor, target: Tensor): void {
  if (input.ndim !== target.ndim || input.shape.some((d, i) => d !== target.shape[i])) {
    throw new ShapeError(`${op}: input ${fmtShape(input.shape)} and target ${fmtShape(target.shape)} must have the same shape`);
  }
}

/** The tensors a loss computes with (autocast may have cast them): input, target and the optional extras in order. */
type LossArgs = [Tensor, Tensor, ...(Tensor | null)[]];

/** A loss of (input, target) computed elementwise by `fn` from the op's inputs, then reduced. */
function elementwise(op: OpName, input: Tensor, target: Tensor, opts: LossOptions, attrs: Record<string, unknown>, fn: (args: LossArgs) => Tensor, extra: (Tensor | null | undefined)[] = []): Tensor {
  checkSame(op, input, target);
  const reduction = checkReduction(op, opts.reduction ?? 'mean');
  const inputs = [input, target, ...extra.filter((t): t is Tensor => !!t)];
  return apply(op, inputs, { ...attrs, reduction }, (ins) => {
    requireSameFloat(op, ins[0]!, ins[1]!);
    let k = 2;
    const args: LossArgs = [ins[0]!, ins[1]!, ...extra.map((t) => (t ? ins[k++]! : null))];
    return reduceLoss(fn(args), reduction);
  });
}

/** Mean squared error: (input - target)², reduced. */
export function mseLoss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  checkOptions('mseLoss', opts, LOSS_KEYS);
  return elementwise('mseLoss', input, target, opts, {}, ([input, target]) => { const d = sub(input, target); return mul(d, d); });
}

/** Mean absolute error: |input - target|, reduced. */
export function l1Loss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  checkOptions('l1Loss', opts, LOSS_KEYS);
  return elementwise('l1Loss', input, target, opts, {}, ([input, target]) => abs(sub(input, target)));
}

/** 0.5·d²/beta where |d| < beta, else |d| - 0.5·beta (plain L1 when beta = 0). */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: SmoothL1LossOptions = {}): Tensor {
  checkOptions('smoothL1Loss', opts, SMOOTH_L1_KEYS);
  const beta = opts.beta ?? 1;
  if (!(beta >= 0)) throw new ShapeError(`smoothL1Loss: beta must be >= 0, got ${beta}`);
  return elementwise('smoothL1Loss', input, target, opts, { beta }, ([input, target]) => {
    const d = abs(sub(input, target));
    return beta === 0 ? d : where(lt(d, beta), mul(mul(d, d), 0.5 / beta), sub(d, 0.5 * beta));
  });
}

/** 0.5·d² where |d| < delta, else delta·(|d| - 0.5·delta). */
export function huberLoss(input: Tensor, target: Tensor, opts: HuberLossOptions = {}): Tensor {
  checkOptions('huberLoss', opts, HUBER_KEYS);
  const delta = opts.delta ?? 1;
  if (!(delta > 0)) throw new ShapeError(`huberLoss: delta must be > 0, got ${delta}`);
  return elementwise('huberLoss', input, target, opts, { delta }, ([input, target]) => {
    const d = abs(sub(input, target));
    return where(lt(d, delta), mul(mul(d, d), 0.5), mul(sub(d, 0.5 * delta), delta));
  });
}

/** Binary cross-entropy on probabilities; each log is clamped at -100, as in torch. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: BinaryCrossEntropyOptions = {}): Tensor {
  checkOptions('binaryCrossEntropy', opts, BCE_KEYS);
  const op = 'binaryCrossEntropy', weight = opts.weight ?? null;
  checkBroadcastsTo(op, 'weight', weight, input.shape);
  return elementwise(op, input, target, opts, {}, ([input, target, weight]) => {
    const logP = maximum(log(input), -100), log1mP = maximum(log1p(neg(input)), -100);
    const loss = neg(add(mul(target, logP), mul(sub(1, target), log1mP)));
    return weight ? mul(loss, weight) : loss;
  }, [weight]);
}

/** Binary cross-entropy on logits: (1-y)·x + (1 + (posWeight-1)·y)·softplus(-x), stable for large |x|. */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BinaryCrossEntropyWithLogitsOptions = {}): Tensor {
  checkOptions('binaryCrossEntropyWithLogits', opts, BCE_LOGITS_KEYS);
  const op = 'binaryCrossEntropyWithLogits', weight = opts.weight ?? null, posWeight = opts.posWeight ?? null;
  checkBroadcastsTo(op, 'weight', weight, input.shape);
  checkBroadcastsTo(op, 'posWeight', posWeight, input.shape);
  return elementwise(op, input, target, opts, { weighted: [!!weight, !!posWeight] }, ([input, target, weight, posWeight]) => {
    // softplus(-x) = log1p(exp(-|x|)) + max(-x, 0)
    const spNeg = add(log1p(exp(neg(abs(input)))), maximum(neg(input), 0));
    const logWeight = posWeight ? add(mul(sub(posWeight, 1), target), 1) : null;
    const loss = add(mul(sub(1, target), input), logWeight ? mul(logWeight, spNeg) : spNeg);
    return weight ? mul(loss, weight) : loss;
  }, [weight, posWeight]);
}
