// Adagrad: torch 1.13's `_single_tensor_adagrad` (dense gradients). State starts when a parameter joins.
import { fullLike } from '@flint/core';
import type { Tensor } from '@flint/core';
import { checkRanges } from './errors.js';
import { Optimizer, withDefaults } from './optimizer.js';
import type { ParamGroup, ParamGroupInput, Params } from './optimizer.js';

/** Options of {@link Adagrad}, torch.optim.Adagrad's keyword arguments in camelCase. */
export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** The step size is lr / (1 + (step - 1) * lrDecay). */
  lrDecay?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Starting value of the sum of squared gradients (as in torch 1.13, the constructor's value applies to every group). */
  initialAccumulatorValue?: number;
  /** Added to the denominator for numerical stability (default 1e-10). */
  eps?: number;
  /** Ascend the objective instead of descending (default false). */
  maximize?: boolean;
}

const check = (o: AdagradOptions): void =>
  checkRanges('Adagrad', o, { lr: [0], lrDecay: [0], weightDecay: [0], initialAccumulatorValue: [0], eps: [0] });

/** Adagrad (Duchi et al.): per-parameter step sizes scaled by the accumulated squared gradients. */
export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(params: Params<AdagradOptions>, options: AdagradOptions = {}) {
    super('Adagrad', params, withDefaults('Adagrad', { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false }, options), check);
  }

  override addParamGroup(group: ParamGroupInput<AdagradOptions>): void {
    super.addParamGroup(group);
    const added = this.paramGroups[this.paramGroups.length - 1]!;
    for (const p of added.params) this.initState(p);
  }

  // torch 1.13 starts every sum at the constructor's initialAccumulatorValue, whatever a group says
  private initState(p: Tensor): void {
    const state = this.stateOf(p);
    state.step = 0;
    state.sum = this.own(fullLike(p, this.defaults.initialAccumulatorValue!));
  }

  protected updateParam(p: Tensor, grad: Tensor, group: ParamGroup<AdagradOptions>): void {
    const state = this.stateOf(p);
    if (!state.sum) this.initState(p);
    const step = (state.step as number) + 1;
    state.step = step;
    let g = group.maximize ? grad.neg() : grad;
    if (group.weightDecay !== 0) g = g.add(p.mul(group.weightDecay!));
    const clr = group.lr! / (1 + (step - 1) * group.lrDecay!);
    const sum = (state.sum as Tensor).add_(g.mul(g));
    const std = sum.sqrt().add(group.eps!);
    p.add_(g.mul(-clr).div(std));
  }
}
