// Activation layers: thin modules over core's functional ops.
import { gelu, leakyRelu, logSoftmax, relu, sigmoid, softmax, tanh, type Tensor } from '@flint/core';
import { Module, pyFloat } from '../module.js';

export class ReLU extends Module {
  override forward(x: Tensor): Tensor { return relu(x); }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) { super(); }
  override forward(x: Tensor): Tensor { return leakyRelu(x, this.negativeSlope); }
  override extraRepr(): string { return `negative_slope=${pyFloat(this.negativeSlope)}`; }
}

export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';
  constructor({ approximate = 'none' }: { approximate?: 'none' | 'tanh' } = {}) { super(); this.approximate = approximate; }
  override forward(x: Tensor): Tensor { return gelu(x, { approximate: this.approximate }); }
  override extraRepr(): string { return `approximate='${this.approximate}'`; }
}

export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor { return sigmoid(x); }
}

export class Tanh extends Module {
  override forward(x: Tensor): Tensor { return tanh(x); }
}

export class Softmax extends Module {
  constructor(readonly dim: number) { super(); }
  override forward(x: Tensor): Tensor { return softmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}

export class LogSoftmax extends Module {
  constructor(readonly dim: number) { super(); }
  override forward(x: Tensor): Tensor { return logSoftmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}
