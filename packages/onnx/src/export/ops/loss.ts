// ONNX mappings of the losses, for graphs that end in one: NegativeLogLikelihoodLoss and
// SoftmaxCrossEntropyLoss for class-index targets (weights, ignoreIndex, reductions as torch's), and the
// elementwise losses written out and reduced.
import type { OpContext, OpExporter } from '../context.js';
import { attr } from '../graph.js';
import { reduceNode } from './reduce.js';

const A = attr;

/** torch's reduction of an elementwise loss over every dim. */
function reduced(c: OpContext, loss: string): string {
  const all = c.x[0]!.shape.map((_, i) => i);
  if (c.attrs.reduction === 'none') return loss;
  return reduceNode(c, c.attrs.reduction === 'sum' ? 'ReduceSum' : 'ReduceMean', loss, all, 0);
}

/** An elementwise loss from d = input - target (and the op's context), then reduced. */
const fromDiff = (f: (c: OpContext, d: string) => string): OpExporter => (c) => reduced(c, f(c, c.g.op('Sub', [c.inputs[0]!, c.inputs[1]!])));

const k = (c: OpContext, v: number) => c.g.scalar(v, c.x[0]!.dtype);

/** 0.5 d² / beta below beta (smoothL1) or 0.5 d² below delta (huber), linear above. */
function piecewise(c: OpContext, d: string, quadScale: number, linear: (a: string) => string, limit: number): string {
  const { g } = c;
  const a = g.op('Abs', [d]);
  return g.op('Where', [g.op('Less', [a, k(c, limit)]), g.op('Mul', [g.op('Mul', [a, a]), k(c, quadScale)]), linear(a)]);
}

function bce(c: OpContext): string {
  const { g } = c;
  const [x, y] = [c.inputs[0]!, c.inputs[1]!];
  const clampLog = (v: string) => g.op('Max', [g.op('Log', [v]), k(c, -100)]);
  const oneMinus = (v: string) => g.op('Sub', [k(c, 1), v]);
  let loss = g.op('Neg', [g.op('Add', [g.op('Mul', [y, clampLog(x)]), g.op('Mul', [oneMinus(y), clampLog(oneMinus(x))])])]);
  if (c.inputs[2]) loss = g.op('Mul', [loss, c.inputs[2]]);
  return reduced(c, loss);
}

function bceWithLogits(c: OpContext): string {
  const { g } = c;
  const [x, y] = [c.inputs[0]!, c.inputs[1]!];
  const [hasW, hasPw] = (c.attrs.weighted ?? [false, false]) as [boolean, boolean];
  // softplus(-x) = log1p(exp(-|x|)) + max(-x, 0), stable for large |x|
  const negX = g.op('Neg', [x]);
  const spNeg = g.op('Add', [g.op('Log', [g.op('Add', [k(c, 1), g.op('Exp', [g.op('Neg', [g.op('Abs', [x])])])])]), g.op('Max', [negX, k(c, 0)])]);
  let i = 2;
  const w = hasW ? c.inputs[i++]! : '', pw = hasPw ? c.inputs[i]! : '';
  const logWeight = pw ? g.op('Add', [g.op('Mul', [g.op('Sub', [pw, k(c, 1)]), y]), k(c, 1)]) : '';
  let loss = g.op('Add', [g.op('Mul', [g.op('Sub', [k(c, 1), y]), x]), logWeight ? g.op('Mul', [logWeight, spNeg]) : spNeg]);
  if (w) loss = g.op('Mul', [loss, w]);
  return reduced(c, loss);
}

/** NegativeLogLikelihoodLoss / SoftmaxCrossEntropyLoss on [N, C, ...] scores and int64 class targets. */
function classLoss(c: OpContext, onnx: string): string {
  const { g } = c;
  if (c.x[0]!.ndim < 2) c.fail('an unbatched input ([C]) has no ONNX loss mapping', 'give the input a batch dim ([1, C])');
  const target = g.cast(c.inputs[1]!, c.x[1]!.dtype, 'int64');
  const attrs = { reduction: A.string(String(c.attrs.reduction ?? 'mean')), ignore_index: A.int(Number(c.attrs.ignoreIndex ?? -100)) };
  return g.node(onnx, [c.inputs[0]!, target, c.inputs[2] ?? ''], attrs, 1)[0]!;
}

function crossEntropy(c: OpContext): string {
  const { g } = c;
  if (Number(c.attrs.labelSmoothing ?? 0) !== 0) c.fail('label smoothing has no ONNX loss mapping', 'export without labelSmoothing');
  if (c.x[1]!.dtype === 'int64' || c.x[1]!.dtype === 'int32') return classLoss(c, 'SoftmaxCrossEntropyLoss');
  // class probabilities: -sum(p * logSoftmax(x)) over the class dim, averaged over the rest
  if (c.inputs[2]) c.fail('class weights with probability targets have no ONNX loss mapping', 'fold the weights into the targets');
  const r = c.x[0]!.ndim, classDim = r === 1 ? 0 : 1;
  const perItem = g.op('Neg', [reduceNode(c, 'ReduceSum', g.op('Mul', [c.inputs[1]!, g.op('LogSoftmax', [c.inputs[0]!], { axis: A.int(classDim) })]), [classDim], 0)]);
  if (c.attrs.reduction === 'none') return perItem;
  const rest = c.x[0]!.shape.map((_, i) => i).filter((i) => i !== classDim);
  return reduceNode(c, c.attrs.reduction === 'sum' ? 'ReduceSum' : 'ReduceMean', perItem, rest.map((_, i) => i), 0);
}

/** Losses by Flint name. */
export const LOSS: Record<string, OpExporter> = {
  mseLoss: fromDiff((c, d) => c.g.op('Mul', [d, d])),
  l1Loss: fromDiff((c, d) => c.g.op('Abs', [d])),
  smoothL1Loss: fromDiff((c, d) => {
    const beta = Number(c.attrs.beta ?? 1);
    return beta === 0 ? c.g.op('Abs', [d]) : piecewise(c, d, 0.5 / beta, (a) => c.g.op('Sub', [a, k(c, 0.5 * beta)]), beta);
  }),
  huberLoss: fromDiff((c, d) => {
    const delta = Number(c.attrs.delta ?? 1);
    return piecewise(c, d, 0.5, (a) => c.g.op('Mul', [c.g.op('Sub', [a, k(c, 0.5 * delta)]), k(c, delta)]), delta);
  }),
  binaryCrossEntropy: bce, binaryCrossEntropyWithLogits: bceWithLogits,
  nllLoss: (c) => classLoss(c, 'NegativeLogLikelihoodLoss'),
  crossEntropy,
};
