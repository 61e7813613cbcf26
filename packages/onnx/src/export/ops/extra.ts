// ONNX mappings of attention (scaledDotProductAttention as MatMul/Softmax/MatMul with its causal mask
// built from run-time sizes), interpolate (Resize), einsum (Einsum), topk (TopK) and vector norms.
import type { OpContext, OpExporter } from '../context.js';
import { attr } from '../graph.js';
import { reduceNode } from './reduce.js';

const A = attr;

/** [L, S] bool, true where key j may be seen from query i (j <= i), from the scores' run-time shape. */
function causalAllowed(c: OpContext, scores: string): string {
  const { g } = c;
  const shape = g.op('Shape', [scores]);
  const size = (axis: number) => g.op('Gather', [shape, g.scalar(axis, 'int64')], { axis: A.int(0) });
  const range = (n: string) => g.op('Range', [g.scalar(0, 'int64'), n, g.scalar(1, 'int64')]);
  const rows = g.op('Unsqueeze', [range(size(-2)), g.i64([1])]);
  return g.op('LessOrEqual', [range(size(-1)), rows]);
}

function attention(c: OpContext): string {
  const { g } = c;
  if (Number(c.attrs.dropoutP ?? 0) > 0) c.fail('attention dropout has no inference mapping', 'pass dropoutP: 0 (modules do in eval mode)');
  const q = c.x[0]!, d = q.dtype, r = q.ndim;
  const perm = Array.from({ length: c.x[1]!.ndim }, (_, i) => i);
  [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1]!, perm[perm.length - 2]!];
  let s = g.op('Mul', [g.op('MatMul', [c.inputs[0]!, g.op('Transpose', [c.inputs[1]!], { perm: A.ints(perm) })]), g.scalar(Number(c.attrs.scale), d)]);
  const ninf = g.scalar(-Infinity, d);
  if (c.attrs.isCausal) s = g.op('Where', [causalAllowed(c, s), s, ninf]);
  const mask = c.inputs[3];
  if (!mask) return g.op('MatMul', [g.op('Softmax', [s], { axis: A.int(-1) }), c.inputs[2]!]);
  s = c.x[3]!.dtype === 'bool' ? g.op('Where', [mask, s, ninf]) : g.op('Add', [s, g.cast(mask, c.x[3]!.dtype, d)]);
  // rows that see no key give zeros, as Flint (and torch 2.5) do, not 0/0
  const isNegInf = g.cast(g.op('IsInf', [s], { detect_positive: A.int(0) }), 'bool', 'int32');
  const dead = g.cast(reduceNode(c, 'ReduceMin', isNegInf, [r - 1], 1), 'int32', 'bool');
  const zero = g.scalar(0, d);
  const w = g.op('Where', [dead, zero, g.op('Softmax', [g.op('Where', [dead, zero, s])], { axis: A.int(-1) })]);
  return g.op('MatMul', [w, c.inputs[2]!]);
}

function interpolate(c: OpContext): string {
  const { g } = c;
  const x = c.x[0]!, mode = String(c.attrs.mode ?? 'nearest');
  const scales = (c.attrs.scales ?? []) as (number | null)[];
  const size = (c.attrs.size ?? []) as number[];
  const align = !!c.attrs.alignCorners;
  const modes: Record<string, Record<string, ReturnType<typeof A.int>>> = {
    nearest: { mode: A.string('nearest'), coordinate_transformation_mode: A.string('asymmetric'), nearest_mode: A.string('floor') },
    linear: { mode: A.string('linear'), coordinate_transformation_mode: A.string(align ? 'align_corners' : 'pytorch_half_pixel') },
    // torch's nearest-exact: src = floor((dst + 0.5) / scale)
    'nearest-exact': { mode: A.string('nearest'), coordinate_transformation_mode: A.string('half_pixel'), nearest_mode: A.string('round_prefer_ceil') },
  };
  const attrs = modes[mode === 'bilinear' ? 'linear' : mode];
  if (!attrs) return c.fail(`mode '${mode}' has no ONNX Resize mapping`, "use 'nearest', 'nearest-exact', 'linear' or 'bilinear'");
  // given scale factors drive the coordinate mapping as in torch; otherwise the output size does
  if (scales.length && scales.every((s) => typeof s === 'number')) {
    const sc = g.initializer({ dtype: 'float32', dims: [x.ndim], data: [1, 1, ...(scales as number[])] });
    return g.op('Resize', [c.inputs[0]!, '', sc], attrs);
  }
  const lead = g.op('Slice', [g.op('Shape', [c.inputs[0]!]), g.i64([0]), g.i64([2]), g.i64([0])]);
  return g.op('Resize', [c.inputs[0]!, '', '', g.op('Concat', [lead, g.i64(size)], { axis: A.int(0) })], attrs);
}

function norm(c: OpContext): string {
  const { g } = c;
  const p = Number(c.attrs.p ?? 2), x = c.inputs[0]!, d = c.x[0]!.dtype;
  const r = c.x[0]!.ndim, dims = ((c.attrs.dim ?? []) as number[]).map((v) => (v < 0 ? v + r : v));
  const keep = c.attrs.keepdim ? 1 : 0;
  if (p === 2) return reduceNode(c, 'ReduceL2', x, dims, keep);
  if (p === 1) return reduceNode(c, 'ReduceL1', x, dims, keep);
  if (p === Infinity) return reduceNode(c, 'ReduceMax', g.op('Abs', [x]), dims, keep);
  if (p === -Infinity) return reduceNode(c, 'ReduceMin', g.op('Abs', [x]), dims, keep);
  if (p === 0) return reduceNode(c, 'ReduceSum', g.cast(g.op('Not', [g.op('Equal', [x, g.scalar(0, d)])]), 'bool', d), dims, keep);
  const s = reduceNode(c, 'ReduceSum', g.op('Pow', [g.op('Abs', [x]), g.scalar(p, d)]), dims, keep);
  return g.op('Pow', [s, g.scalar(1 / p, d)]);
}

/** sort/argsort as TopK over the whole dim (ONNX breaks ties by the lower index first, a stable sort). */
function sortAll(c: OpContext): readonly string[] {
  const r = c.x[0]!.ndim, dim = Number(c.attrs.dim ?? -1), axis = dim < 0 ? dim + r : dim;
  const n = c.x[0]!.shape[axis]!, nB = c.xB[0]![axis]!;
  const k = n === nB ? c.g.i64([n]) : c.g.dim(n, nB, c.op);
  return c.g.node('TopK', [c.inputs[0]!, k], { axis: A.int(axis), largest: A.int(c.attrs.descending ? 1 : 0), sorted: A.int(1) }, 2);
}

/** Attention, resampling, einsum, topk, sorting and norms by Flint name. */
export const EXTRA: Record<string, OpExporter> = {
  scaledDotProductAttention: attention, interpolate, norm,
  sort: sortAll, argsort: (c) => [sortAll(c)[1]!],
  einsum: (c) => c.g.op('Einsum', c.inputs, { equation: A.string(String(c.attrs.equation).replace(/\s+/g, '')) }),
  topk: (c) => {
    const r = c.x[0]!.ndim, dim = Number(c.attrs.dim ?? -1);
    return c.g.node('TopK', [c.inputs[0]!, c.g.i64([Number(c.attrs.k)])], { axis: A.int(dim < 0 ? dim + r : dim), largest: A.int(c.attrs.largest === false ? 0 : 1), sorted: A.int(1) }, 2);
  },
};
