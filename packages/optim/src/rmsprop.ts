// RMSprop, optionally centered and with momentum: torch 1.13's `_single_tensor_rmsprop`.
import { zerosLike } from '@flint/core';
import type { Tensor } from '@flint/core';
import { checkRanges } from './errors.js';
import { Optimizer, withDefaults } from './optimizer.js';
import type { ParamGroup, Params } from './optimizer.js';

/** Options of {@link RMSprop}, torch.optim.RMSprop's keyword arguments in camelCase. */
export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Smoothing constant of the squared-gradient average. */
  alpha?: number;
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Normalise by an estimate of the gradient's variance instead of its second moment. */
  centered?: boolean;
  /** Ascend the objective instead of descending (default false). */
  maximize?: boolean;
}

const check = (o: RMSpropOptions): void => checkRanges('RMSprop', o, { lr: [0], eps: [0], momentum: [0], weightDecay: [0], alpha: [0] });

/** RMSprop (Hinton): steps scaled by a running average of squared gradients. */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: Params<RMSpropOptions>, options: RMSpropOptions = {}) {
    super('RMSprop', params, withDefaults('RMSprop', { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false }, options), check);
  }

  protected updateParam(p: Tensor, grad: Tensor, group: ParamGroup<RMSpropOptions>): void {
    const lr = group.lr!, alpha = group.alpha!, eps = group.eps!, weightDecay = group.weightDecay!;
    const momentum = group.momentum!, centered = group.centered!;
    const state = this.stateOf(p);
    if (state.step === undefined) {
      state.step = 0;
      state.square_avg = this.own(zerosLike(p));
    }
    if (momentum > 0 && !state.momentum_buffer) state.momentum_buffer = this.own(zerosLike(p));
    if (centered && !state.grad_avg) state.grad_avg = this.own(zerosLike(p));
    state.step = (state.step as number) + 1;
    const squareAvg = state.square_avg as Tensor;

    let g = group.maximize ? grad.neg() : grad;
    if (weightDecay !== 0) g = g.add(p.mul(weightDecay));
    squareAvg.mul_(alpha).add_(g.mul(1 - alpha).mul(g));
    let avg: Tensor;
    if (centered) {
      const gradAvg = (state.grad_avg as Tensor).mul_(alpha).add_(g.mul(1 - alpha));
      avg = squareAvg.add(gradAvg.mul(-1).mul(gradAvg)).sqrt();
    } else {
      avg = squareAvg.sqrt();
    }
    avg = avg.add(eps);
    if (momentum > 0) {
      const buf = (state.momentum_buffer as Tensor).mul_(momentum).add_(g.div(avg));
      p.add_(buf.mul(-lr));
    } else {
      p.add_(g.mul(-lr).div(avg));
    }
  }
}
