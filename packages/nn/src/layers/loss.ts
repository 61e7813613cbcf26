// Losses as modules: forward(input, target) over core's functional losses, with PyTorch's options.
import {
  binaryCrossEntropy, binaryCrossEntropyWithLogits, checkOptions, crossEntropy, huberLoss, l1Loss, mseLoss, nllLoss, smoothL1Loss,
  type LossReduction, type Tensor,
} from '@flint/core';
import { Module } from '../module.js';
import { buffer } from '../parameter.js';

abstract class Loss extends Module {
  /** How the elementwise losses are reduced: `'mean'`, `'sum'` or `'none'`. */
  readonly reduction: LossReduction;
  constructor(reduction: LossReduction = 'mean') { super(); this.reduction = reduction; }
  abstract override forward(input: Tensor, target: Tensor): Tensor;
}

/** Weighted losses keep `weight` as a buffer (in the state dict when given), as PyTorch's _WeightedLoss does. */
abstract class WeightedLoss extends Loss {
  /** The per-class (or per-element) weight, a buffer, or null. */
  declare weight: Tensor | null;
  constructor(weight: Tensor | null | undefined, reduction?: LossReduction) {
    super(reduction);
    this.registerBuffer('weight', weight ? buffer(weight.clone()) : null);
  }
}

/** Mean squared error between input and target. */
export class MSELoss extends Loss {
  constructor(o: { reduction?: LossReduction } = {}) { checkOptions('MSELoss', o, ['reduction']); const { reduction } = o; super(reduction); }
  /** The loss of `input` against `target`, reduced as `reduction` says. */
  override forward(input: Tensor, target: Tensor): Tensor { return mseLoss(input, target, { reduction: this.reduction }); }
}

/** Mean absolute error between input and target. */
export class L1Loss extends Loss {
  constructor(o: { reduction?: LossReduction } = {}) { checkOptions('L1Loss', o, ['reduction']); const { reduction } = o; super(reduction); }
  /** The loss of `input` against `target`, reduced as `reduction` says. */
  override forward(input: Tensor, target: Tensor): Tensor { return l1Loss(input, target, { reduction: this.reduction }); }
}

/** L1 loss that is quadratic below `beta`: less sensitive to outliers than MSE. */
export class SmoothL1Loss extends Loss {
  /** Where the loss changes from quadratic to linear. */
  readonly beta: number;
  constructor(o: { reduction?: LossReduction; beta?: number } = {}) { checkOptions('SmoothL1Loss', o, ['reduction', 'beta']); const { reduction, beta = 1 } = o; super(reduction); this.beta = beta; }
  /** The loss of `input` against `target`, reduced as `reduction` says. */
  override forward(input: Tensor, target: Tensor): Tensor { return smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta }); }
}

/** Huber loss: quadratic below `delta`, linear (scaled by `delta`) above. */
export class HuberLoss extends Loss {
  /** Where the loss changes from quadratic to linear. */
  readonly delta: number;
  constructor(o: { reduction?: LossReduction; delta?: number } = {}) { checkOptions('HuberLoss', o, ['reduction', 'delta']); const { reduction, delta = 1 } = o; super(reduction); this.delta = delta; }
  /** The loss of `input` against `target`, reduced as `reduction` says. */
  override forward(input: Tensor, target: Tensor): Tensor { return huberLoss(input, target, { reduction: this.reduction, delta: this.delta }); }
}

/**
 * Options of {@link NLLLoss}.
 * @property weight - a weight per class, [C] (default none)
 * @property ignoreIndex - a target value that adds nothing to the loss or its gradient (default -100)
 * @property reduction - `'mean'` (default), `'sum'` or `'none'`
 */
export interface NLLLossOptions { weight?: Tensor | null; ignoreIndex?: number; reduction?: LossReduction }

/** Negative log likelihood of log-probabilities [N, C, ...] at class indices [N, ...]. */
export class NLLLoss extends WeightedLoss {
  /** The target value that adds nothing to the loss. */
  readonly ignoreIndex: number;
  constructor(o: NLLLossOptions = {}) { checkOptions('NLLLoss', o, ['weight', 'ignoreIndex', 'reduction']); const { weight, ignoreIndex = -100, reduction } = o; super(weight, reduction); this.ignoreIndex = ignoreIndex; }
  /** The loss of log-probabilities `input` at the class indices `target`. */
  override forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/**
 * Options of {@link CrossEntropyLoss}.
 * @property labelSmoothing - mix this much of the uniform distribution into the targets, in [0, 1] (default 0)
 */
export interface CrossEntropyLossOptions extends NLLLossOptions { labelSmoothing?: number }

/** Cross entropy of logits [N, C, ...] against class indices or class probabilities. */
export class CrossEntropyLoss extends WeightedLoss {
  /** The target value that adds nothing to the loss. */
  readonly ignoreIndex: number;
  /** How much of the uniform distribution is mixed into the targets. */
  readonly labelSmoothing: number;
  constructor(o: CrossEntropyLossOptions = {}) {
    checkOptions('CrossEntropyLoss', o, ['weight', 'ignoreIndex', 'reduction', 'labelSmoothing']);
    const { weight, ignoreIndex = -100, reduction, labelSmoothing = 0 } = o;
    super(weight, reduction);
    this.ignoreIndex = ignoreIndex;
    this.labelSmoothing = labelSmoothing;
  }
  /** The loss of logits `input` against `target` (class indices, or probabilities shaped like `input`). */
  override forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing });
  }
}

/** Binary cross entropy between probabilities and targets in [0, 1]. */
export class BCELoss extends WeightedLoss {
  constructor(o: { weight?: Tensor | null; reduction?: LossReduction } = {}) { checkOptions('BCELoss', o, ['weight', 'reduction']); const { weight, reduction } = o; super(weight, reduction); }
  /** The loss of probabilities `input` against `target`, reduced as `reduction` says. */
  override forward(input: Tensor, target: Tensor): Tensor { return binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction }); }
}

/** Sigmoid and binary cross entropy in one, stable for large logits. */
export class BCEWithLogitsLoss extends WeightedLoss {
  /** The weight of positive examples per class (a buffer, under torch's state-dict name), or null. */
  declare pos_weight: Tensor | null;
  constructor(o: { weight?: Tensor | null; reduction?: LossReduction; posWeight?: Tensor | null } = {}) {
    checkOptions('BCEWithLogitsLoss', o, ['weight', 'reduction', 'posWeight']);
    const { weight, reduction, posWeight } = o;
    super(weight, reduction);
    this.registerBuffer('pos_weight', posWeight ? buffer(posWeight.clone()) : null);
  }
  /** The weight of positive examples per class, or null. */
  get posWeight(): Tensor | null { return this.pos_weight; }
  /** The loss of logits `input` against targets in [0, 1], reduced as `reduction` says. */
  override forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.pos_weight, reduction: this.reduction });
  }
}
