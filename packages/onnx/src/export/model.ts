// Writes the export's graph as an ONNX ModelProto: nodes and attributes, initializers as little-endian
// raw data (tensors read from their device here, the one asynchronous step), typed inputs and outputs
// with named dims for the dynamic axes, opset import and metadata.
import { floatToBfloatBits, floatToHalfBits, isTensor, type DType } from '@flint/core';
import { encodeModel, type AttributeProto, type TensorProto, type ValueInfoProto } from '../proto/index.js';
import { onnxDType, type AttrValue, type ConstTensor, type Graph } from './graph.js';

/** A graph input or output: its name, dtype and dims (a number, or a name for a dynamic one). */
export interface ValueSpec {
  readonly name: string;
  readonly dtype: DType;
  readonly dims: readonly (number | string)[];
}

/** Model-level fields. */
export interface ModelSpec {
  readonly inputs: readonly ValueSpec[];
  readonly outputs: readonly ValueSpec[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly docString?: string;
}

const utf8 = new TextEncoder();
const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7, strings: 8 } as const;

/** Host bytes of a constant, little-endian as ONNX's raw_data wants (every platform Node runs on is). */
async function rawBytes(t: ConstTensor): Promise<Uint8Array> {
  const values = isTensor(t.data) ? await t.data.data() : t.data;
  let arr: ArrayBufferView;
  // device reads come back as the dtype's typed array already (int64 as BigInt64Array, bool as Uint8Array)
  const native = { float32: Float32Array, float64: Float64Array, int32: Int32Array, int64: BigInt64Array, bool: Uint8Array, uint8: Uint8Array } as const;
  const kind = native[t.dtype as keyof typeof native];
  if (kind && values instanceof kind) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
  switch (t.dtype) {
    case 'float32': arr = Float32Array.from(values as ArrayLike<number>, Number); break;
    case 'float64': arr = Float64Array.from(values as ArrayLike<number>, Number); break;
    case 'int32': arr = Int32Array.from(values as ArrayLike<number>, Number); break;
    case 'int64': arr = BigInt64Array.from(values as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v))))); break;
    case 'bool': case 'uint8': arr = Uint8Array.from(values as ArrayLike<number>, Number); break;
    // half precision: data() gives float values; ONNX stores the 16-bit patterns
    case 'float16': arr = Uint16Array.from(values as ArrayLike<number>, (v) => floatToHalfBits(Number(v))); break;
    case 'bfloat16': arr = Uint16Array.from(values as ArrayLike<number>, (v) => floatToBfloatBits(Number(v))); break;
  }
  return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
}

async function tensorProto(t: ConstTensor, name?: string): Promise<TensorProto> {
  return { name, dims: [...t.dims], data_type: onnxDType(t.dtype), raw_data: await rawBytes(t) };
}

async function attribute(name: string, a: AttrValue): Promise<AttributeProto> {
  const base = { name, type: ATTR_TYPE[a.kind] };
  switch (a.kind) {
    case 'int': return { ...base, i: a.value };
    case 'float': return { ...base, f: a.value };
    case 'ints': return { ...base, ints: [...a.value] };
    case 'floats': return { ...base, floats: [...a.value] };
    case 'string': return { ...base, s: utf8.encode(a.value) };
    case 'strings': return { ...base, strings: a.value.map((v) => utf8.encode(v)) };
    case 'tensor': return { ...base, t: await tensorProto(a.value) };
  }
}

const valueInfo = (v: ValueSpec): ValueInfoProto => ({
  name: v.name,
  type: { tensor_type: { elem_type: onnxDType(v.dtype), shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
});

/** The IR version that goes with an opset (ONNX's versioning table: 13 -> 7, 14..18 -> 8). */
const irVersion = (opset: number) => (opset <= 13 ? 7 : 8);

/** Encodes the graph as ONNX bytes. */
export async function writeModel(g: Graph, spec: ModelSpec, producerVersion: string): Promise<Uint8Array> {
  const node = await Promise.all(g.nodes.map(async (n) => ({
    name: n.name, op_type: n.opType, input: [...n.inputs], output: [...n.outputs],
    attribute: await Promise.all(Object.entries(n.attrs).map(([k, v]) => attribute(k, v))),
  })));
  const initializer: TensorProto[] = [];
  for (const [name, t] of g.initializers) initializer.push(await tensorProto(t, name));
  return encodeModel({
    ir_version: irVersion(g.opset),
    opset_import: [{ domain: '', version: g.opset }],
    producer_name: 'flint',
    producer_version: producerVersion,
    doc_string: spec.docString,
    graph: { name: 'main_graph', node, initializer, input: spec.inputs.map(valueInfo), output: spec.outputs.map(valueInfo) },
    metadata_props: Object.entries(spec.metadata).map(([key, value]) => ({ key, value })),
  });
}
