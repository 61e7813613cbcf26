// Test helper: one-node (or small) ONNX models built in code, for checking operator variants across opsets
// against ONNX Runtime without any exporter in the loop.
import { AttributeType, DataType, encodeModel, type AttributeProto, type GraphProto, type NodeProto, type TensorProto } from '../../proto/index.js';

/** An attribute value, tagged with its ONNX kind. */
export type Attr = { i: number } | { f: number } | { s: string } | { ints: number[] } | { floats: number[] } | { g: GraphProto } | { t: TensorProto };

/** Builds an AttributeProto. */
export function attr(name: string, v: Attr): AttributeProto {
  if ('i' in v) return { name, type: AttributeType.INT, i: v.i };
  if ('f' in v) return { name, type: AttributeType.FLOAT, f: v.f };
  if ('s' in v) return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v.s) };
  if ('ints' in v) return { name, type: AttributeType.INTS, ints: v.ints };
  if ('floats' in v) return { name, type: AttributeType.FLOATS, floats: v.floats };
  if ('g' in v) return { name, type: AttributeType.GRAPH, g: v.g };
  return { name, type: AttributeType.TENSOR, t: v.t };
}

/** An int64 constant tensor. */
export const i64 = (name: string, values: number[], dims = [values.length]): TensorProto =>
  ({ name, dims, data_type: DataType.INT64, raw_data: new Uint8Array(BigInt64Array.from(values, BigInt).buffer) });

/** A float32 constant tensor. */
export const f32 = (name: string, values: number[], dims = [values.length]): TensorProto =>
  ({ name, dims, data_type: DataType.FLOAT, raw_data: new Uint8Array(Float32Array.from(values).buffer) });

/** A typed value info (shape omitted: any). */
export const value = (name: string, elem: number = DataType.FLOAT, shape?: number[]) =>
  ({ name, type: { tensor_type: { elem_type: elem, ...(shape ? { shape: { dim: shape.map((d) => ({ dim_value: d })) } } : {}) } } });

let count = 0;
/** A node (named uniquely). */
export function node(op: string, inputs: string[], outputs: string[], attrs: Record<string, Attr> = {}): NodeProto {
  return { op_type: op, input: inputs, output: outputs, name: `${op}_${count++}`, attribute: Object.entries(attrs).map(([k, v]) => attr(k, v)) };
}

/** A model of `nodes` with float inputs `inputs` (name -> shape), constants, and outputs (name -> elem type). */
export function graphModel(opset: number, nodes: NodeProto[], inputs: Record<string, number[]>, outputs: Record<string, number>, consts: TensorProto[] = [], inputTypes: Record<string, number> = {}): Uint8Array {
  return encodeModel({
    ir_version: 8,
    opset_import: [{ domain: '', version: opset }],
    graph: {
      name: 'g', node: nodes, initializer: consts,
      input: Object.entries(inputs).map(([n, s]) => value(n, inputTypes[n] ?? DataType.FLOAT, s)),
      output: Object.entries(outputs).map(([n, t]) => value(n, t)),
    },
  });
}
