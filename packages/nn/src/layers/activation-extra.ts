// SiLU, Mish, Hardswish, Hardsigmoid: thin modules over core's functional ops (torch.nn's names).
import { hardsigmoid, hardswish, mish, silu, type Tensor } from '@flint/core';
import { Module } from '../module.js';

/** x * sigmoid(x), also called swish. */
export class SiLU extends Module {
  override forward(x: Tensor): Tensor { return silu(x); }
}

/** x * tanh(softplus(x)). */
export class Mish extends Module {
  override forward(x: Tensor): Tensor { return mish(x); }
}

/** x * relu6(x + 3) / 6 (MobileNetV3). */
export class Hardswish extends Module {
  override forward(x: Tensor): Tensor { return hardswish(x); }
}

/** relu6(x + 3) / 6. */
export class Hardsigmoid extends Module {
  override forward(x: Tensor): Tensor { return hardsigmoid(x); }
}
