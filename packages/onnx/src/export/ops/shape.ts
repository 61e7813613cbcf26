// ONNX mappings of views, copies, joins and indexing: Reshape (dynamic where the batch axis is), Transpose,
// Unsqueeze/Squeeze, Expand, Slice, Gather, Concat, Split, Tile, Pad, GatherElements, ScatterElements,
// and the creation ops ConstantOfShape and Range (when they are not folded into constants).
import type { OpContext, OpExporter } from '../context.js';
import { attr } from '../graph.js';

const A = attr;
/** ONNX's "to the end" for Slice (any int64 at least the dim's size). */
const END = Number.MAX_SAFE_INTEGER;

const ints = (v: unknown): number[] => (Array.isArray(v) ? v.map(Number) : typeof v === 'number' ? [v] : []);
const norm = (d: number, rank: number) => (d < 0 ? d + rank : d);
/** The value name of the op's first input (views, copies and eval-mode dropout are the identity here). */
const same: OpExporter = (c) => c.inputs[0]!;

function reshape(c: OpContext): string {
  const a = ints(c.attrs.shape), b = ints(c.attrsB.shape);
  const x = c.x[0]!.shape, xb = c.xB[0]!;
  const target = a.map((v, i) => (v === b[i] ? v : i < x.length && x[i] === v && xb[i] === b[i] ? 0 : NaN));
  const left = target.filter(Number.isNaN).length;
  // one size that follows a dynamic axis is -1 (inferred); sizes copied from the input are 0
  if (left <= 1 && !a.includes(0)) return c.g.op('Reshape', [c.inputs[0]!, c.g.i64(target.map((v) => (Number.isNaN(v) ? -1 : v)))]);
  return c.g.op('Reshape', [c.inputs[0]!, c.g.shape(a, b, c.op)]);
}

function expand(c: OpContext): string {
  const a = ints(c.attrs.shape), b = ints(c.attrsB.shape);
  const x = c.x[0]!.shape, xb = c.xB[0]!, off = a.length - x.length;
  // Expand broadcasts both ways: a dim the input already has (or -1, torch's "keep it") is 1 in the target
  const keep = (i: number) => a[i] === -1 || (i >= off && x[i - off] === a[i] && xb[i - off] === b[i]);
  const a1 = a.map((v, i) => (keep(i) ? 1 : v)), b1 = b.map((v, i) => (keep(i) ? 1 : v));
  return c.g.op('Expand', [c.inputs[0]!, c.g.shape(a1, b1, c.op)]);
}

const transpose = (c: OpContext, perm: number[]) => c.g.op('Transpose', [c.inputs[0]!], { perm: A.ints(perm) });

function swap(c: OpContext): string {
  const r = c.x[0]!.ndim;
  if (r < 2) return c.inputs[0]!;
  const d0 = norm(Number(c.attrs.dim0 ?? 0), r), d1 = norm(Number(c.attrs.dim1 ?? 1), r);
  const perm = Array.from({ length: r }, (_, i) => (i === d0 ? d1 : i === d1 ? d0 : i));
  return transpose(c, perm);
}

/** A start or end index that is constant, or a fixed distance from a dynamic dim's end. */
function bound(c: OpContext, a: number, b: number, sizeA: number, sizeB: number, what: string): number {
  if (a === b) return a === sizeA && sizeA !== sizeB ? END : a;
  if (a === sizeA && b === sizeB) return END;
  if (a - sizeA === b - sizeB) return a - sizeA;
  return c.fail(`its ${what} (${a}, or ${b} with the dynamic axes changed) doesn't follow the dim's size`, 'use a constant index or one counted from the end');
}

function narrow(c: OpContext): string {
  const x = c.x[0]!, dim = norm(Number(c.attrs.dim), x.ndim);
  const sA = Number(c.attrs.start), sB = Number(c.attrsB.start), nA = x.shape[dim]!, nB = c.xB[0]![dim]!;
  const start = bound(c, sA, sB, nA, nB, 'start');
  const end = bound(c, sA + Number(c.attrs.length), sB + Number(c.attrsB.length), nA, nB, 'end');
  return c.g.op('Slice', [c.inputs[0]!, c.g.i64([start]), c.g.i64([end]), c.g.i64([dim])]);
}

function select(c: OpContext): string {
  const x = c.x[0]!, dim = norm(Number(c.attrs.dim), x.ndim);
  const nA = x.shape[dim]!, nB = c.xB[0]![dim]!;
  let iA = Number(c.attrs.index), iB = Number(c.attrsB.index);
  if (iA < 0) { iA += nA; iB += nB; }
  const index = iA === iB && !(nA !== nB && iA === nA - 1) ? iA : bound(c, iA, iB, nA, nB, 'index');
  return c.g.op('Gather', [c.inputs[0]!, c.g.scalar(index, 'int64')], { axis: A.int(dim) });
}

function squeeze(c: OpContext): string {
  const x = c.x[0]!;
  const asked = c.attrs.dims === undefined || c.attrs.dims === null ? x.shape.map((_, i) => i) : ints(c.attrs.dims).map((d) => norm(d, x.ndim));
  // torch skips dims that aren't 1
  const dims = asked.filter((d) => x.shape[d] === 1 && c.xB[0]![d] === 1);
  return dims.length ? c.g.op('Squeeze', [c.inputs[0]!, c.g.i64(dims)]) : c.inputs[0]!;
}

function cat(c: OpContext): string {
  const d = c.out[0]!.dtype, r = c.out[0]!.ndim;
  const parts = c.inputs.map((n, i) => c.g.cast(n, c.x[i]!.dtype, d)).filter((_, i) => !(c.x[i]!.ndim === 1 && c.x[i]!.shape[0] === 0 && r > 1));
  return parts.length === 1 ? parts[0]! : c.g.op('Concat', parts, { axis: A.int(norm(Number(c.attrs.dim ?? 0), r)) });
}

function stack(c: OpContext): string {
  const r = c.out[0]!.ndim, dim = norm(Number(c.attrs.dim ?? 0), r), d = c.out[0]!.dtype;
  const parts = c.inputs.map((n, i) => c.g.op('Unsqueeze', [c.g.cast(n, c.x[i]!.dtype, d), c.g.i64([dim])]));
  return parts.length === 1 ? parts[0]! : c.g.op('Concat', parts, { axis: A.int(dim) });
}

function split(c: OpContext): readonly string[] {
  const x = c.x[0]!, dim = norm(Number(c.attrs.dim ?? 0), x.ndim);
  if (x.shape[dim] !== c.xB[0]![dim]) c.fail('it splits a dim that follows a dynamic axis', 'split a static dim, or drop that axis from dynamicAxes');
  const sizes = ints(c.attrs.sizes);
  return c.g.node('Split', [c.inputs[0]!, c.g.i64(sizes)], { axis: A.int(dim) }, sizes.length);
}

function flip(c: OpContext): string {
  const r = c.x[0]!.ndim, dims = ints(c.attrs.dims).map((d) => norm(d, r));
  return c.g.op('Slice', [c.inputs[0]!, c.g.i64(dims.map(() => -1)), c.g.i64(dims.map(() => -END)), c.g.i64(dims), c.g.i64(dims.map(() => -1))]);
}

function repeat(c: OpContext): string {
  const sizes = ints(c.attrs.sizes), x = c.x[0]!;
  let name = c.inputs[0]!;
  if (sizes.length > x.ndim) name = c.g.op('Unsqueeze', [name, c.g.i64(Array.from({ length: sizes.length - x.ndim }, (_, i) => i))]);
  return c.g.op('Tile', [name, c.g.i64(sizes)]);
}

const PAD_MODES: Record<string, string> = { constant: 'constant', reflect: 'reflect', replicate: 'edge' };
function pad(c: OpContext): string {
  const x = c.x[0]!, p = ints(c.attrs.pad), mode = String(c.attrs.mode ?? 'constant');
  const onnxMode = PAD_MODES[mode];
  if (!onnxMode) c.fail(`pad mode '${mode}' has no ONNX mapping up to opset 18`, "use 'constant', 'reflect' or 'replicate'");
  const begins = new Array<number>(x.ndim).fill(0), ends = new Array<number>(x.ndim).fill(0);
  for (let k = 0; k * 2 < p.length; k++) { begins[x.ndim - 1 - k] = p[2 * k]!; ends[x.ndim - 1 - k] = p[2 * k + 1] ?? 0; }
  const value = onnxMode === 'constant' ? c.g.scalar(Number(c.attrs.value ?? 0), x.dtype) : '';
  return c.g.op('Pad', [c.inputs[0]!, c.g.i64([...begins, ...ends]), value], { mode: A.string(onnxMode) });
}

function scatterAdd(c: OpContext): string {
  if (c.g.opset < 16) c.fail('ScatterElements with reduction=add needs opset 16', 'export with opsetVersion >= 16');
  const [self, index, src] = c.x as [typeof c.x[0], typeof c.x[0], typeof c.x[0]];
  let s = c.inputs[2]!;
  // torch lets src be larger than index; ONNX wants them equal
  if (src!.shape.some((v, i) => v !== index!.shape[i])) {
    s = c.g.op('Slice', [s, c.g.i64(index!.shape.map(() => 0)), c.g.i64([...index!.shape]), c.g.i64(index!.shape.map((_, i) => i))]);
  }
  return c.g.op('ScatterElements', [c.inputs[0]!, c.inputs[1]!, s], { axis: A.int(norm(Number(c.attrs.dim), self!.ndim)), reduction: A.string('add') });
}

function full(c: OpContext): string {
  const o = c.out[0]!;
  const value = { dtype: o.dtype, dims: [1], data: [o.dtype === 'int64' ? BigInt(Number(c.attrs.value)) : (c.attrs.value as number | boolean)] };
  return c.g.op('ConstantOfShape', [c.g.shape(ints(c.attrs.shape), ints(c.attrsB.shape), c.op)], { value: A.tensor(value) });
}

function arange(c: OpContext): string {
  const d = c.out[0]!.dtype;
  const bound = (k: string, dflt: number) => c.g.scalarOf(Number(c.attrs[k] ?? dflt), Number(c.attrsB[k] ?? dflt), d, c.op);
  return c.g.op('Range', [bound('start', 0), bound('end', 0), bound('step', 1)]);
}

type Step = { kind: 'select'; dim: number; index: number } | { kind: 'slice'; dim: number; start: number; length: number; step: number } | { kind: 'newaxis' };

/** x[1, '1:-1', null, '::2', '...'] (core's index op): Slice for the slices, Gather for the numbers, Unsqueeze for new axes. */
function index(c: OpContext): string {
  const { g } = c;
  const x = c.x[0]!, a = c.attrs.steps as Step[], b = c.attrsB.steps as Step[];
  const sizeB = (d: number) => c.xB[0]![d]!;
  let v = c.inputs[0]!;
  const starts: number[] = [], ends: number[] = [], axes: number[] = [], steps: number[] = [];
  a.forEach((s, k) => {
    const t = b[k]!;
    if (s.kind !== 'slice' || t.kind !== 'slice') return;
    const n = x.shape[s.dim]!, nB = sizeB(s.dim);
    if (s.start === 0 && s.step === 1 && s.length === n && t.start === 0 && t.length === nB) return; // whole dim
    const last = (st: typeof s) => st.start + Math.max(st.length - 1, 0) * st.step + 1;
    starts.push(bound(c, s.start, t.start, n, nB, 'start'));
    ends.push(s.length === 0 ? s.start : bound(c, last(s), last(t as typeof s), n, nB, 'stop'));
    axes.push(s.dim);
    steps.push(s.step);
  });
  if (axes.length) v = g.op('Slice', [v, g.i64(starts), g.i64(ends), g.i64(axes), g.i64(steps)]);
  // numbers from the last dim back, so the dims before them keep their numbers
  const selects = a.map((s, k) => [s, b[k]!] as const).filter(([s]) => s.kind === 'select').reverse();
  for (const [s, t] of selects) {
    if (s.kind !== 'select' || t.kind !== 'select') continue;
    const n = x.shape[s.dim]!, nB = sizeB(s.dim);
    const i = s.index === t.index && !(n !== nB && s.index === n - 1) ? s.index : bound(c, s.index, t.index, n, nB, 'index');
    v = g.op('Gather', [v, g.scalar(i, 'int64')], { axis: A.int(s.dim) });
  }
  const newAxes: number[] = [];
  let out = 0;
  for (const s of a) {
    if (s.kind === 'newaxis') newAxes.push(out);
    if (s.kind !== 'select') out++;
  }
  return newAxes.length ? g.op('Unsqueeze', [v, g.i64(newAxes)]) : v;
}

/** Ops whose mappings handle attributes that change with the dynamic axes (others are refused when they do). */
export const DYNAMIC_ATTRS = new Set(['reshape', 'view', 'expand', 'full', 'narrow', 'select', 'arange', 'index', 'conv2dBackwardInput']);

/** Shape, view, join and indexing ops by Flint name. */
export const SHAPE: Record<string, OpExporter> = {
  contiguous: same, clone: same,
  dropout: (c) => (c.attrs.training ? c.fail('dropout in training mode has no inference mapping', 'call it with training: false (export runs modules in eval mode)') : c.inputs[0]!),
  reshape, view: reshape, expand,
  permute: (c) => transpose(c, ints(c.attrs.dims).map((d) => norm(d, c.x[0]!.ndim))),
  transpose: swap, t: swap,
  unsqueeze: (c) => c.g.op('Unsqueeze', [c.inputs[0]!, c.g.i64([norm(Number(c.attrs.dim), c.out[0]!.ndim)])]),
  squeeze, narrow, select, index, cat, stack, split, flip, repeat, pad, scatterAdd, full, arange,
  gather: (c) => c.g.op('GatherElements', [c.inputs[0]!, c.inputs[1]!], { axis: A.int(norm(Number(c.attrs.dim), c.x[0]!.ndim)) }),
  indexSelect: (c) => c.g.op('Gather', [c.inputs[0]!, c.inputs[1]!], { axis: A.int(norm(Number(c.attrs.dim), c.x[0]!.ndim)) }),
  embedding: (c) => c.g.op('Gather', [c.inputs[1]!, c.inputs[0]!], { axis: A.int(0) }),
};
