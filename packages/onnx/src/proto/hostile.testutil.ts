// Test helper: builds the hostile-file corpus (malformed, truncated, deceptive and escaping ONNX files) from
// scratch, so nothing is downloaded and every case says what it breaks.
import { DataType, encodeModel, type GraphProto, type ModelProto } from './index.js';

/** One varint. */
export function varint(v: number): number[] {
  const out: number[] = [];
  let n = v;
  while (n >= 128) { out.push((n % 128) | 128); n = Math.floor(n / 128); }
  out.push(n);
  return out;
}

/** A length-delimited field `field` holding `body`. */
export const wrap = (field: number, body: readonly number[] | Uint8Array): number[] => [...varint(field * 8 + 2), ...varint(body.length), ...body];

/** A model of one graph with opset 17. */
export const model = (graph: GraphProto, opset = 17): ModelProto => ({ ir_version: 8, opset_import: [{ domain: '', version: opset }], graph });

/** A valid model: y = Relu(x) + w, with a float initializer. */
export function validModel(): Uint8Array {
  return encodeModel(model({
    name: 'ok',
    node: [{ op_type: 'Relu', input: ['x'], output: ['r'], name: 'relu' }, { op_type: 'Add', input: ['r', 'w'], output: ['y'], name: 'add' }],
    initializer: [{ name: 'w', dims: [2], data_type: DataType.FLOAT, raw_data: new Uint8Array(new Float32Array([1, 2]).buffer) }],
    input: [{ name: 'x', type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: [{ dim_value: 2 }] } } } }],
    output: [{ name: 'y' }],
  }));
}

/** ModelProto.graph -> node -> attribute -> g, `levels` times (what a hostile If-inside-If file looks like). */
export function deeplyNested(levels: number): Uint8Array {
  // fields from the innermost out: (g=6 in AttributeProto, attribute=5 in NodeProto, node=1 in GraphProto) * levels, graph=7
  const fields = [...Array.from({ length: levels }, () => [6, 5, 1]).flat(), 7];
  const bodies: number[] = [];
  let inner = 0;
  for (const f of fields) {
    bodies.push(inner);
    inner += varint(f * 8 + 2).length + varint(inner).length;
  }
  const out = new Uint8Array(inner);
  let pos = 0;
  for (let i = fields.length - 1; i >= 0; i--) {
    for (const b of [...varint(fields[i]! * 8 + 2), ...varint(bodies[i]!)]) out[pos++] = b;
  }
  return out;
}

/** A graph whose one initializer is `tensor` (plus a node reading it). */
export function withInitializer(tensor: NonNullable<GraphProto['initializer']>[number]): Uint8Array {
  return encodeModel(model({
    node: [{ op_type: 'Identity', input: [tensor.name ?? 'w'], output: ['y'] }],
    initializer: [tensor],
    output: [{ name: 'y' }],
  }));
}

/** A model whose initializer 'w' keeps its data in an external file at `location`. */
export function externalAt(location: string, length = 8): Uint8Array {
  return withInitializer({
    name: 'w', dims: [2], data_type: DataType.FLOAT, data_location: 1,
    external_data: [{ key: 'location', value: location }, { key: 'offset', value: '0' }, { key: 'length', value: String(length) }],
  });
}
