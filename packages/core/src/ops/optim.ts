// Optimizer steps as in-place ops: one fused kernel per parameter where the backend has it, else
// torch 1.13's _single_tensor_sgd / _single_tensor_adam(w) composed from ops. The kernels round every
// intermediate as the composite's ops store it, so both paths agree bit for bit.
import { isFloating } from '../dtype.js';
import { apply, hasKernel, isDenseTensor, runKernel } from '../dispatch.js';
import type { Tensor } from '../tensor.js';
import { maximum } from './binary.js';

/**
 * The hyperparameters of one SGD step (see {@link sgdStep}), as torch.optim.SGD's.
 * @property lr - learning rate
 * @property momentum - momentum factor
 * @property dampening - dampening of the momentum
 * @property nesterov - use Nesterov momentum
 * @property weightDecay - L2 penalty added to the gradient
 * @property maximize - ascend instead of descend
 */
export interface SgdStepOptions {
  lr: number; momentum: number; dampening: number; nesterov: boolean; weightDecay: number; maximize: boolean;
  /** The buffer is written with the update direction (torch's buf = clone(d_p)) instead of being decayed. */
  firstStep: boolean;
  /** false: always compose from ops (the fused kernel is used where the backend has one and the tensors suit it). */
  fused?: boolean;
}

/**
 * The hyperparameters of one Adam or AdamW step (see {@link adamStep}), as torch.optim.Adam's.
 * @property lr - learning rate
 * @property beta1 - decay of the first-moment average
 * @property beta2 - decay of the second-moment average
 * @property eps - added to the denominator
 * @property weightDecay - L2 penalty (Adam) or decoupled decay (AdamW)
 * @property amsgrad - normalise by the running maximum of the second moment
 * @property maximize - ascend instead of descend
 * @property fused - false: always compose from ops (default: the fused kernel where the backend has one)
 */
export interface AdamStepOptions {
  lr: number; beta1: number; beta2: number; eps: number; weightDecay: number;
  /** The step count after this update (1-based). */
  step: number;
  amsgrad: boolean; maximize: boolean;
  /** AdamW: param *= 1 - lr * weightDecay instead of L2 added to the gradient. */
  decoupled: boolean;
  fused?: boolean;
}

/** The fused kernel applies when it exists and every written tensor is a dense buffer of param's dtype. */
function fusable(op: 'sgdStep' | 'adamStep', fused: boolean | undefined, param: Tensor, grad: Tensor, written: readonly Tensor[]): boolean {
  if (fused === false || !hasKernel(op, param.device) || !isFloating(param.dtype)) return false;
  if (!param.storage.backend.dtypes[param.dtype]?.arithmetic || grad.dtype !== param.dtype) return false;
  return written.every((t) => t.dtype === param.dtype && isDenseTensor(t));
}

/** One SGD step on `param` in place (and on `momentumBuffer`, given iff momentum != 0). */
export function sgdStep(param: Tensor, grad: Tensor, momentumBuffer: Tensor | null, opts: SgdStepOptions): void {
  const { fused, ...attrs } = opts;
  const inputs = momentumBuffer ? [param, grad, momentumBuffer] : [param, grad];
  apply('sgdStep', inputs, attrs, () => {
    if (fusable('sgdStep', fused, param, grad, momentumBuffer ? [param, momentumBuffer] : [param])) {
      runKernel('sgdStep', param.device, inputs, [], attrs);
      return;
    }
    const { lr, momentum, dampening, nesterov, weightDecay, maximize, firstStep } = attrs;
    let d = maximize ? grad.neg() : grad;
    if (weightDecay !== 0) d = d.add(param.mul(weightDecay));
    if (momentumBuffer) {
      if (firstStep) momentumBuffer.copy_(d);
      else momentumBuffer.mul_(momentum).add_(d.mul(1 - dampening));
      d = nesterov ? d.add(momentumBuffer.mul(momentum)) : momentumBuffer;
    }
    param.add_(d.mul(-lr));
  });
}

/** One Adam/AdamW step on `param`, `expAvg`, `expAvgSq` (and `maxExpAvgSq`, given iff amsgrad) in place. */
export function adamStep(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, maxExpAvgSq: Tensor | null, opts: AdamStepOptions): void {
  const { fused, ...attrs } = opts;
  const state = maxExpAvgSq ? [expAvg, expAvgSq, maxExpAvgSq] : [expAvg, expAvgSq];
  apply('adamStep', [param, grad, ...state], attrs, () => {
    if (fusable('adamStep', fused, param, grad, [param, ...state])) {
      runKernel('adamStep', param.device, [param, grad, ...state], [], attrs);
      return;
    }
    const { lr, beta1, beta2, eps, weightDecay, step, maximize, decoupled } = attrs;
    let g = maximize ? grad.neg() : grad;
    if (weightDecay !== 0) {
      if (decoupled) param.mul_(1 - lr * weightDecay);
      else g = g.add(param.mul(weightDecay));
    }
    expAvg.mul_(beta1).add_(g.mul(1 - beta1));
    // addcmul's order: value * g * g
    expAvgSq.mul_(beta2).add_(g.mul(1 - beta2).mul(g));
    const stepSize = lr / (1 - beta1 ** step);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
    const second = maxExpAvgSq ? maxExpAvgSq.copy_(maximum(maxExpAvgSq, expAvgSq)) : expAvgSq;
    const denom = second.sqrt().div(bc2Sqrt).add(eps);
    // addcdiv's order: value * expAvg / denom
    param.add_(expAvg.mul(-stepSize).div(denom));
  });
}
