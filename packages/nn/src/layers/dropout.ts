// Dropout layers; identity in eval mode.
import { dropout, rand, scope, type Tensor } from '@flint/core';
import { noGrad } from '@flint/autograd';
import { Module, inputError, pyFloat } from '../module.js';

function checkP(name: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new Error(`${name}: dropout probability has to be between 0 and 1, but got ${p}`);
}

/** Zeroes each element with probability p in training, scaling the rest by 1/(1-p). */
export class Dropout extends Module {
  /** @param p - the probability of zeroing an element (default 0.5) */
  constructor(readonly p = 0.5) { super(); checkP('Dropout', p); }
  override forward(x: Tensor): Tensor { return dropout(x, this.p, this.training); }
  override extraRepr(): string { return `p=${pyFloat(this.p)}, inplace=False`; }
}

/** Zeroes whole channels of [N, C, H, W] (or [C, H, W]) with probability p in training. */
export class Dropout2d extends Module {
  /** @param p - the probability of zeroing a channel (default 0.5) */
  constructor(readonly p = 0.5) { super(); checkP('Dropout2d', p); }
  override forward(x: Tensor): Tensor {
    if (x.ndim !== 3 && x.ndim !== 4) throw inputError(this, '[N, C, H, W] or [C, H, W]', x.shape);
    if (!this.training || this.p === 0) return x;
    return scope(() => {
      const maskShape = [...x.shape.slice(0, -2), 1, 1];
      const mask = noGrad(() => rand(maskShape, { dtype: x.dtype, device: x.device }).ge(this.p).to(x.dtype).mul(this.p === 1 ? 0 : 1 / (1 - this.p)));
      return x.mul(mask);
    });
  }
  override extraRepr(): string { return `p=${pyFloat(this.p)}, inplace=False`; }
}
