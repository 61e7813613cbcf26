// SGD with momentum, dampening, Nesterov and weight decay: torch 1.13's `_single_tensor_sgd`.
import { sgdStep, zerosLike } from '@flint/core';
import type { Tensor } from '@flint/core';
import { checkRanges, OptimizerError } from './errors.js';
import { Optimizer, withDefaults } from './optimizer.js';
import type { ParamGroup, Params } from './optimizer.js';

/** Options of {@link SGD}, torch.optim.SGD's keyword arguments in camelCase. */
export interface SGDOptions {
  /** Required, here or in every group. */
  lr?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Dampening of the momentum (default 0). */
  dampening?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (needs momentum > 0 and zero dampening; default false). */
  nesterov?: boolean;
  /** Ascend the objective instead of descending. */
  maximize?: boolean;
}

function check(o: SGDOptions): void {
  checkRanges('SGD', o, { lr: [0], momentum: [0], weightDecay: [0] });
  if (o.nesterov && !((o.momentum ?? 0) > 0 && (o.dampening ?? 0) === 0)) {
    throw new OptimizerError('SGD: Nesterov momentum requires a momentum > 0 and zero dampening');
  }
}

/** Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay. */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Params<SGDOptions>, options: SGDOptions = {}) {
    super('SGD', params, withDefaults('SGD', { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false }, options), check);
  }

  protected updateParam(p: Tensor, grad: Tensor, group: ParamGroup<SGDOptions>): void {
    const lr = group.lr!, momentum = group.momentum!, dampening = group.dampening!, weightDecay = group.weightDecay!;
    const nesterov = group.nesterov!, maximize = group.maximize!;
    const state = this.stateOf(p);
    let buf = (state.momentum_buffer ?? null) as Tensor | null;
    const firstStep = momentum !== 0 && buf === null;
    if (firstStep) buf = this.own(zerosLike(p)); // the kernel writes d_p into it
    if (momentum === 0) buf = null;
    state.momentum_buffer = buf;
    sgdStep(p, grad, buf, { lr, momentum, dampening, nesterov, weightDecay, maximize, firstStep, fused: this.useFusedKernels });
  }
}
