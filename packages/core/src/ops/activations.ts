// Activations composed from other ops: silu (swish), mish, hardswish, hardsigmoid. Like torch, they take
// floating-point tensors only. hardswish and hardsigmoid have gradient rules (@flint/autograd) with torch's
// values at the kinks; silu and mish are differentiated through their parts.
import { apply } from '../dispatch.js';
import type { OpName } from '../schema/index.js';
import type { Tensor } from '../tensor.js';
import { add, clamp, div, mul } from './binary.js';
import { sigmoid, softplus, tanh } from './unary.js';
import { isTensor, requireFloat } from './util.js';

const activation = (name: OpName, f: (x: Tensor) => Tensor) => (x: Tensor): Tensor => {
  if (!isTensor(x)) throw new TypeError(`${name}: argument 'input' must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  requireFloat(name, x);
  return apply(name, [x], {}, ([u]) => f(u!));
};

/** x * sigmoid(x) (torch.nn.functional.silu, also called swish). */
export const silu = activation('silu', (x) => mul(x, sigmoid(x)));

/** x * tanh(softplus(x)) (torch.nn.functional.mish). */
export const mish = activation('mish', (x) => mul(x, tanh(softplus(x))));

/** x * relu6(x + 3) / 6 (torch.nn.functional.hardswish). */
export const hardswish = activation('hardswish', (x) => div(mul(x, clamp(add(x, 3), 0, 6)), 6));

/** relu6(x + 3) / 6 (torch.nn.functional.hardsigmoid). */
export const hardsigmoid = activation('hardsigmoid', (x) => div(clamp(add(x, 3), 0, 6), 6));
