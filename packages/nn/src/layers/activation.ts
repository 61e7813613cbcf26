// Activation layers: thin modules over core's functional ops.
import { checkOptions, gelu, leakyRelu, logSoftmax, relu, sigmoid, softmax, tanh, type Tensor } from '@flint/core';
import { Module, pyFloat } from '../module.js';

/** max(0, x), elementwise. */
export class ReLU extends Module {
  override forward(x: Tensor): Tensor { return relu(x); }
}

/** x for x >= 0, negativeSlope * x otherwise. */
export class LeakyReLU extends Module {
  /** @param negativeSlope - the slope for negative inputs (default 0.01) */
  constructor(readonly negativeSlope = 0.01) { super(); }
  override forward(x: Tensor): Tensor { return leakyRelu(x, this.negativeSlope); }
  override extraRepr(): string { return `negative_slope=${pyFloat(this.negativeSlope)}`; }
}

/** The Gaussian error linear unit, exact or with the tanh approximation. */
export class GELU extends Module {
  /** `'none'`: the exact erf form; `'tanh'`: the tanh approximation. */
  readonly approximate: 'none' | 'tanh';
  constructor(o: { approximate?: 'none' | 'tanh' } = {}) { checkOptions('GELU', o, ['approximate']); const { approximate = 'none' } = o; super(); this.approximate = approximate; }
  override forward(x: Tensor): Tensor { return gelu(x, { approximate: this.approximate }); }
  override extraRepr(): string { return `approximate='${this.approximate}'`; }
}

/** 1 / (1 + exp(-x)), elementwise. */
export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor { return sigmoid(x); }
}

/** tanh(x), elementwise. */
export class Tanh extends Module {
  override forward(x: Tensor): Tensor { return tanh(x); }
}

/** Softmax along `dim`: exp(x) normalised to sum to 1. */
export class Softmax extends Module {
  /** @param dim - the dim the values are normalised along */
  constructor(readonly dim: number) { super(); }
  override forward(x: Tensor): Tensor { return softmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}

/** log(softmax(x)) along `dim`, computed stably. */
export class LogSoftmax extends Module {
  /** @param dim - the dim the values are normalised along */
  constructor(readonly dim: number) { super(); }
  override forward(x: Tensor): Tensor { return logSoftmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}
