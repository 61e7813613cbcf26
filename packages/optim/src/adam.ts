// Adam and AdamW (decoupled weight decay): torch 1.13's `_single_tensor_adam` / `_single_tensor_adamw`.
import { adamStep, zerosLike } from '@flint/core';
import type { Tensor } from '@flint/core';
import { checkRange, checkRanges } from './errors.js';
import { Optimizer, withDefaults } from './optimizer.js';
import type { ParamGroup, Params } from './optimizer.js';

/** Options of {@link Adam} and {@link AdamW}, torch.optim.Adam's keyword arguments in camelCase. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the first and second moment averages, each in [0, 1). */
  betas?: readonly [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** Adam: L2 penalty added to the gradient. AdamW: decoupled decay, `param *= 1 - lr * weightDecay`. */
  weightDecay?: number;
  /** Normalise by the running maximum of the second moment (Reddi et al.). */
  amsgrad?: boolean;
  /** Ascend the objective instead of descending (default false). */
  maximize?: boolean;
}

const checker = (name: string) => (o: AdamOptions): void => {
  checkRanges(name, o, { lr: [0], eps: [0], weightDecay: [0] });
  checkRange(name, 'betas[0]', o.betas?.[0], 0, 1);
  checkRange(name, 'betas[1]', o.betas?.[1], 0, 1);
};

abstract class AdamBase extends Optimizer<AdamOptions> {
  protected abstract readonly decoupled: boolean;

  protected updateParam(p: Tensor, grad: Tensor, group: ParamGroup<AdamOptions>): void {
    const lr = group.lr!, [beta1, beta2] = group.betas!, eps = group.eps!, weightDecay = group.weightDecay!;
    const amsgrad = group.amsgrad!, maximize = group.maximize!, decoupled = this.decoupled;
    const state = this.stateOf(p);
    if (state.step === undefined) {
      state.step = 0;
      state.exp_avg = this.own(zerosLike(p));
      state.exp_avg_sq = this.own(zerosLike(p));
      if (amsgrad) state.max_exp_avg_sq = this.own(zerosLike(p));
    }
    // a state loaded without max_exp_avg_sq (amsgrad turned on later) starts it at zero
    if (amsgrad && !state.max_exp_avg_sq) state.max_exp_avg_sq = this.own(zerosLike(p));
    const step = (state.step as number) + 1;
    state.step = step;
    const expAvg = state.exp_avg as Tensor, expAvgSq = state.exp_avg_sq as Tensor;
    const maxSq = amsgrad ? (state.max_exp_avg_sq as Tensor) : undefined;
    adamStep(p, grad, expAvg, expAvgSq, maxSq ?? null, { lr, beta1, beta2, eps, weightDecay, step, amsgrad, maximize, decoupled, fused: this.useFusedKernels });
  }
}

/** Adam (Kingma & Ba), with L2 weight decay added to the gradient. */
export class Adam extends AdamBase {
  /** False: weight decay is an L2 penalty on the gradient. */
  protected readonly decoupled = false;
  constructor(params: Params<AdamOptions>, options: AdamOptions = {}) {
    super('Adam', params, withDefaults('Adam', { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false }, options), checker('Adam'));
  }
}

/** AdamW (Loshchilov & Hutter): weight decay applied to the parameter, not the gradient; default 0.01. */
export class AdamW extends AdamBase {
  /** True: weight decay shrinks the parameter directly. */
  protected readonly decoupled = true;
  constructor(params: Params<AdamOptions>, options: AdamOptions = {}) {
    super('AdamW', params, withDefaults('AdamW', { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false }, options), checker('AdamW'));
  }
}
