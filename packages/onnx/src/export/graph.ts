// The export's intermediate graph: ONNX nodes, initializers and constants as plain data, with helpers the
// op mappings share (int64 constants, casts, and shapes that follow the dynamic axes at run time).
import type { DType, Tensor } from '@flint/core';
import { OnnxExportError } from './errors.js';

/** An ONNX attribute value, tagged with its kind. */
export type AttrValue =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'strings'; readonly value: readonly string[] }
  | { readonly kind: 'tensor'; readonly value: ConstTensor };

/** Attribute helpers: `int(1)`, `ints([1, 2])`, ... */
export const attr = {
  int: (value: number): AttrValue => ({ kind: 'int', value }),
  float: (value: number): AttrValue => ({ kind: 'float', value }),
  ints: (value: readonly number[]): AttrValue => ({ kind: 'ints', value }),
  floats: (value: readonly number[]): AttrValue => ({ kind: 'floats', value }),
  string: (value: string): AttrValue => ({ kind: 'string', value }),
  tensor: (value: ConstTensor): AttrValue => ({ kind: 'tensor', value }),
};

/** One ONNX node. */
export interface GraphNode {
  readonly opType: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
}

/** Host values of a constant, or a live tensor read when the model is written. */
export type ConstData = ArrayLike<number | bigint | boolean> | Tensor;

/** A constant tensor: an initializer or a Constant/ConstantOfShape value. */
export interface ConstTensor {
  readonly dtype: DType;
  readonly dims: readonly number[];
  readonly data: ConstData;
}

/** Where a traced value's dims come from: its shape in the example trace (a) and the perturbed one (b). */
interface DimSource { readonly name: string; readonly axis: number }

/** The graph under construction. */
export class Graph {
  readonly nodes: GraphNode[] = [];
  readonly initializers = new Map<string, ConstTensor>();
  readonly #counts = new Map<string, number>();
  readonly #i64 = new Map<string, string>();
  readonly #dims = new Map<string, DimSource>();
  readonly #dimValues = new Map<string, string>();

  constructor(readonly opset: number) {}

  /** A fresh value or node name with this stem. */
  fresh(stem: string): string {
    const n = this.#counts.get(stem) ?? 0;
    this.#counts.set(stem, n + 1);
    return `${stem}_${n}`;
  }

  /** Adds a node; returns its output names (fresh unless `outputs` gives them). */
  node(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, outputs: number | readonly string[] = 1): string[] {
    const name = this.fresh(`/${opType}`);
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, (_, k) => `${name}_output_${k}`) : [...outputs];
    // trailing absent optional inputs are dropped, as ONNX prefers
    const ins = [...inputs];
    while (ins.length && ins[ins.length - 1] === '') ins.pop();
    this.nodes.push({ opType, name, inputs: ins, outputs: outs, attrs });
    return outs;
  }

  /** Adds a single-output node; returns its output name. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}): string {
    return this.node(opType, inputs, attrs, 1)[0]!;
  }

  /** Adds an initializer under `name` (or a fresh constant name); returns the name. */
  initializer(t: ConstTensor, name = this.fresh('onnx::const')): string {
    if (this.initializers.has(name)) throw new OnnxExportError(`two initializers are named '${name}'`);
    this.initializers.set(name, t);
    return name;
  }

  /** A 1-D int64 constant (shared between nodes that use the same values). */
  i64(values: readonly number[]): string {
    const key = values.join(',');
    let name = this.#i64.get(key);
    if (!name) this.#i64.set(key, (name = this.initializer({ dtype: 'int64', dims: [values.length], data: values.map((v) => BigInt(v)) })));
    return name;
  }

  /** A 0-d constant of `dtype`. */
  scalar(value: number | boolean, dtype: DType): string {
    const data = dtype === 'int64' ? [BigInt(Number(value))] : [value];
    return this.initializer({ dtype, dims: [], data });
  }

  /** Casts `name` from `from` to `to` (no node when they agree). */
  cast(name: string, from: DType, to: DType): string {
    return from === to ? name : this.op('Cast', [name], { to: attr.int(onnxDType(to)) });
  }

  /** Records a traced value's dims (example and perturbed trace), so later shapes can refer to them. */
  defineDims(name: string, a: readonly number[], b: readonly number[]): void {
    a.forEach((d, i) => {
      if (d !== b[i] && !this.#dims.has(`${d},${b[i]}`)) this.#dims.set(`${d},${b[i]}`, { name, axis: i });
    });
  }

  /** Whether a dim that is `a` in the example trace and `b` in the perturbed one is known at run time. */
  hasDim(a: number, b: number): boolean { return a === b || this.#dims.has(`${a},${b}`); }

  /** A [1] int64 tensor holding a dynamic dim at run time (Shape, then Gather). */
  dim(a: number, b: number, what: string): string {
    const key = `${a},${b}`;
    const cached = this.#dimValues.get(key);
    if (cached) return cached;
    const src = this.#dims.get(key);
    if (!src) throw new OnnxExportError(`${what}: a size (${a} in the example, ${b} with the dynamic axes changed) comes from no input dim; it can't follow dynamicAxes`, { hint: 'compute it from tensor shapes the model sees, or drop that axis from dynamicAxes' });
    const shape = this.op('Shape', [src.name]);
    const v = this.op('Gather', [shape, this.i64([src.axis])], { axis: attr.int(0) });
    this.#dimValues.set(key, v);
    return v;
  }

  /**
   * A 0-d tensor of `dtype` holding a number that is `a` in the example and `b` with the dynamic axes
   * changed: a constant when they agree, else a dynamic dim plus a fixed offset (L - 1, T + 2, ...).
   */
  scalarOf(a: number, b: number, dtype: DType, what: string): string {
    if (a === b) return this.scalar(a, dtype);
    for (const key of this.#dims.keys()) {
      const [da, db] = key.split(',').map(Number) as [number, number];
      if (a - da !== b - db || !Number.isInteger(a - da)) continue;
      let v = this.dim(da, db, what);
      if (a !== da) v = this.op('Add', [v, this.i64([a - da])]);
      return this.cast(this.op('Squeeze', [v, this.i64([0])]), 'int64', dtype);
    }
    throw new OnnxExportError(`${what}: a number (${a} in the example, ${b} with the dynamic axes changed) is no input dim plus a constant; it can't follow dynamicAxes`, { hint: 'compute it with tensor ops, or drop that axis from dynamicAxes' });
  }

  /**
   * A 1-D int64 shape tensor: a constant where both traces agree, built at run time (Shape/Gather/Concat)
   * from the dims that follow dynamic axes otherwise.
   */
  shape(a: readonly number[], b: readonly number[], what: string): string {
    if (a.every((v, i) => v === b[i])) return this.i64(a);
    const parts: string[] = [];
    let run: number[] = [];
    a.forEach((v, i) => {
      if (v === b[i]) { run.push(v); return; }
      if (run.length) parts.push(this.i64(run));
      run = [];
      parts.push(this.dim(v, b[i]!, what));
    });
    if (run.length) parts.push(this.i64(run));
    return parts.length === 1 ? parts[0]! : this.op('Concat', parts, { axis: attr.int(0) });
  }
}

const ONNX_DTYPES: Record<DType, number> = { float32: 1, uint8: 2, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11, bfloat16: 16 };
/** ONNX's TensorProto.DataType code of a Flint dtype. */
export const onnxDType = (d: DType): number => ONNX_DTYPES[d];

/**
 * Drops nodes whose outputs nothing reads (the graph outputs are the last nodes, the Identity per output)
 * and initializers no node reads.
 */
export function prune(g: Graph, outputs = 0): Graph {
  const needed = new Set<string>();
  const keepNode = new Array<boolean>(g.nodes.length).fill(false);
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i]!;
    if (i < g.nodes.length - outputs && !n.outputs.some((o) => needed.has(o))) continue;
    keepNode[i] = true;
    for (const x of n.inputs) needed.add(x);
  }
  const kept = g.nodes.filter((_, i) => keepNode[i]);
  g.nodes.length = 0;
  g.nodes.push(...kept);
  for (const k of [...g.initializers.keys()]) if (!needed.has(k)) g.initializers.delete(k);
  return g;
}
