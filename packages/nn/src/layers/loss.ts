// Losses as modules: forward(input, target) over core's functional losses, with PyTorch's options.
import {
  binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy, huberLoss, l1Loss, mseLoss, nllLoss, smoothL1Loss,
  type LossReduction, type Tensor,
} from '@flint/core';
import { Module } from '../module.js';
import { buffer } from '../parameter.js';

abstract class Loss extends Module {
  readonly reduction: LossReduction;
  constructor(reduction: LossReduction = 'mean') { super(); this.reduction = reduction; }
  abstract override forward(input: Tensor, target: Tensor): Tensor;
}

/** Weighted losses keep `weight` as a buffer (in the state dict when given), as PyTorch's _WeightedLoss does. */
abstract class WeightedLoss extends Loss {
  declare weight: Tensor | null;
  constructor(weight: Tensor | null | undefined, reduction?: LossReduction) {
    super(reduction);
    this.registerBuffer('weight', weight ? buffer(weight.clone()) : null);
  }
}

export class MSELoss extends Loss {
  constructor({ reduction }: { reduction?: LossReduction } = {}) { super(reduction); }
  override forward(input: Tensor, target: Tensor): Tensor { return mseLoss(input, target, { reduction: this.reduction }); }
}

export class L1Loss extends Loss {
  constructor({ reduction }: { reduction?: LossReduction } = {}) { super(reduction); }
  override forward(input: Tensor, target: Tensor): Tensor { return l1Loss(input, target, { reduction: this.reduction }); }
}

export class SmoothL1Loss extends Loss {
  readonly beta: number;
  constructor({ reduction, beta = 1 }: { reduction?: LossReduction; beta?: number } = {}) { super(reduction); this.beta = beta; }
  override forward(input: Tensor, target: Tensor): Tensor { return smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta }); }
}

export class HuberLoss extends Loss {
  readonly delta: number;
  constructor({ reduction, delta = 1 }: { reduction?: LossReduction; delta?: number } = {}) { super(reduction); this.delta = delta; }
  override forward(input: Tensor, target: Tensor): Tensor { return huberLoss(input, target, { reduction: this.reduction, delta: this.delta }); }
}

export interface NLLLossOptions { weight?: Tensor | null; ignoreIndex?: number; reduction?: LossReduction }

export class NLLLoss extends WeightedLoss {
  readonly ignoreIndex: number;
  constructor({ weight, ignoreIndex = -100, reduction }: NLLLossOptions = {}) { super(weight, reduction); this.ignoreIndex = ignoreIndex; }
  override forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

export interface CrossEntropyLossOptions extends NLLLossOptions { labelSmoothing?: number }

export class CrossEntropyLoss extends WeightedLoss {
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  constructor({ weight, ignoreIndex = -100, reduction, labelSmoothing = 0 }: CrossEntropyLossOptions = {}) {
    super(weight, reduction);
    this.ignoreIndex = ignoreIndex;
    this.labelSmoothing = labelSmoothing;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing });
  }
}

export class BCELoss extends WeightedLoss {
  constructor({ weight, reduction }: { weight?: Tensor | null; reduction?: LossReduction } = {}) { super(weight, reduction); }
  override forward(input: Tensor, target: Tensor): Tensor { return binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction }); }
}

export class BCEWithLogitsLoss extends WeightedLoss {
  declare pos_weight: Tensor | null;
  constructor({ weight, reduction, posWeight }: { weight?: Tensor | null; reduction?: LossReduction; posWeight?: Tensor | null } = {}) {
    super(weight, reduction);
    this.registerBuffer('pos_weight', posWeight ? buffer(posWeight.clone()) : null);
  }
  get posWeight(): Tensor | null { return this.pos_weight; }
  override forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.pos_weight, reduction: this.reduction });
  }
}
