// The ONNX protobuf messages (generated static code from onnx.proto) behind two checked entry points:
// encodeModel for export and decodeModel for import, which validates the wire format before decoding.
import $protobuf from 'protobufjs/minimal.js';
import { OnnxError } from '../errors.js';
import { onnx } from './onnx.gen.js';
import type { ModelProto } from './types.js';
import { validateWire, type ReadLimits } from './wire.js';

export { onnx } from './onnx.gen.js';
export type { ReadLimits } from './wire.js';
export type {
  ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto, TypeProto, TensorShapeProto,
  OperatorSetIdProto, StringStringEntryProto, SparseTensorProto,
} from './types.js';

/** ONNX tensor element types (TensorProto.DataType in onnx.proto). */
export const DataType = {
  UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9, FLOAT16: 10,
  DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16,
} as const;
/** ONNX attribute value kinds (AttributeProto.AttributeType in onnx.proto). */
export const AttributeType = {
  UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10,
  SPARSE_TENSOR: 11, SPARSE_TENSORS: 12, TYPE_PROTO: 13, TYPE_PROTOS: 14,
} as const;

/** The name of a value of one of the enums above (`enumName(DataType, 7)` is 'INT64'), or the number as text. */
export function enumName(e: Readonly<Record<string, number>>, value: number): string {
  return Object.keys(e).find((k) => e[k] === value) ?? String(value);
}

/** Encodes a model (plain objects) to ONNX bytes: a plain Uint8Array that owns its whole buffer. int64 fields take numbers. */
export function encodeModel(model: ModelProto): Uint8Array {
  const out = onnx.ModelProto.encode(model as onnx.ModelProto.$Properties).finish();
  // in Node protobufjs hands out a Buffer, small ones a view into a shared pool: `.buffer` would be the pool
  const whole = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength;
  return whole ? new Uint8Array(out.buffer, 0, out.byteLength) : new Uint8Array(out);
}

/**
 * Decodes ONNX bytes into a ModelProto after a wire-level check (lengths, wire types, nesting depth), so a
 * malformed file is an OnnxError naming the field. int64 fields decode to numbers (exact up to 2^53; larger
 * magnitudes, such as the INT64_MAX sentinel exporters write for "to the end", round to the nearest double).
 */
export function decodeModel(bytes: Uint8Array | ArrayBuffer, limits: ReadLimits = {}): ModelProto {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (view.length === 0) throw new OnnxError('the model is empty (0 bytes)');
  validateWire(view, limits);
  const reader = $protobuf.Reader.create(view);
  // int64 as numbers on this reader only (protobufjs would hand out Long objects, and the global switch is shared)
  const int64 = reader.int64;
  const uint64 = reader.uint64;
  reader.int64 = function (this: $protobuf.Reader) {
    return Number(int64.call(this).toString());
  } as unknown as typeof reader.int64;
  reader.uint64 = function (this: $protobuf.Reader) {
    return Number(uint64.call(this).toString());
  } as unknown as typeof reader.uint64;
  try {
    return onnx.ModelProto.decode(reader) as ModelProto;
  } catch (e) {
    throw new OnnxError(`protobuf decoding failed: ${(e as Error).message}`, { field: 'ModelProto' });
  }
}
