// Batching rules for elementwise ops: unary ones run on the physical tensor as it is; ops of several
// operands broadcast with the batch dim lined up in front (see aligned()).
import * as F from '@flint/core';
import type { OpName, Tensor } from '@flint/core';
import { RUN_PARTS, aligned, defineBatchRule, type BatchContext } from '../registry.js';

type Attrs = Readonly<Record<string, unknown>>;
const unary: [OpName, (x: Tensor, a: Attrs) => Tensor][] = [
  ['neg', F.neg], ['abs', F.abs], ['sign', F.sign], ['floor', F.floor], ['ceil', F.ceil],
  ['round', (x, a) => F.round(x, a.decimals === undefined ? {} : { decimals: a.decimals as number })],
  ['exp', F.exp], ['log', F.log], ['log1p', F.log1p], ['expm1', F.expm1], ['sqrt', F.sqrt], ['rsqrt', F.rsqrt], ['reciprocal', F.reciprocal],
  ['sin', F.sin], ['cos', F.cos], ['tanh', F.tanh], ['sigmoid', F.sigmoid], ['relu', F.relu], ['erf', F.erf],
  ['leakyRelu', (x, a) => F.leakyRelu(x, a.negativeSlope as number)],
  ['gelu', (x, a) => F.gelu(x, { approximate: a.approximate as 'none' })],
  ['softplus', (x, a) => F.softplus(x, { beta: a.beta as number, threshold: a.threshold as number })],
  ['silu', F.silu], ['mish', F.mish], ['hardswish', F.hardswish], ['hardsigmoid', F.hardsigmoid],
  ['logicalNot', F.logicalNot], ['cast', (x, a) => F.cast(x, a.dtype as F.DType)], ['to', (x, a) => x.to(a.device as string)],
  ['contiguous', F.contiguous], ['clone', F.clone],
];

type Binary = (a: F.TensorLike, b: F.TensorLike) => Tensor;
const binary: [OpName, (a: Attrs) => Binary][] = [
  ['add', (a) => (x, y) => F.add(x, y, a.alpha === undefined ? {} : { alpha: a.alpha as number })],
  ['sub', (a) => (x, y) => F.sub(x, y, a.alpha === undefined ? {} : { alpha: a.alpha as number })],
  ['mul', () => F.mul], ['div', (a) => (x, y) => F.div(x, y, a.roundingMode ? { roundingMode: a.roundingMode as 'floor' } : {})],
  ['pow', () => F.pow], ['maximum', () => F.maximum], ['minimum', () => F.minimum], ['remainder', () => F.remainder],
  ['eq', () => F.eq], ['ne', () => F.ne], ['lt', () => F.lt], ['le', () => F.le], ['gt', () => F.gt], ['ge', () => F.ge],
  ['logicalAnd', () => F.logicalAnd], ['logicalOr', () => F.logicalOr], ['logicalXor', () => F.logicalXor],
];

/** Registers the batching rules of the elementwise ops. */
export function registerElementwise(): void {
  for (const [op, f] of unary) defineBatchRule(op, (c) => f(c.phys(0)!, c.attrs));
  for (const [op, make] of binary) {
    defineBatchRule(op, (c) => {
      const f = make(c.attrs);
      // add/sub with alpha and a scalar operand record only the tensor: their parts (mul, add) batch on their own
      if (c.inputs.length === 1 && c.attrs.scalarIndex === undefined) return RUN_PARTS;
      // a scalar-form call has one tensor input and the scalar in attrs
      if (c.attrs.scalarIndex !== undefined) {
        const s = c.attrs.scalar as number;
        return c.attrs.scalarIndex === 0 ? f(s, c.phys(0)!) : f(c.phys(0)!, s);
      }
      const [a, b] = aligned(c);
      return f(a!, b!);
    });
  }
  defineBatchRule('where', (c) => { const [cond, a, b] = aligned(c); return F.where(cond!, a!, b!); });
  // its operands may line up only by broadcasting: the composite takes them as they are
  defineBatchRule('reluBackward', (c) => { const [g, out] = aligned(c); return F.where(F.le(out!, 0), 0, g!); });
  defineBatchRule('clamp', (c) => {
    const ops = aligned(c);
    let k = 1;
    const lo = c.attrs.min === 'tensor' ? ops[k++]! : (c.attrs.min as number | null | undefined);
    const hi = c.attrs.max === 'tensor' ? ops[k++]! : (c.attrs.max as number | null | undefined);
    return F.clamp(ops[0]!, lo, hi);
  });
  defineBatchRule('maskedFill', (c: BatchContext) => {
    const ops = aligned(c);
    if (c.inputs.length > 2 && c.phys(2)) return F.where(ops[1]!, ops[2]!, ops[0]!).to(c.inputs[0]!.dtype);
    return F.maskedFill(ops[0]!, ops[1]!, c.inputs.length > 2 ? ops[2]! : (c.attrs.value as number));
  });
}
