// The ONNX protobuf messages (generated static code from onnx.proto) behind two checked entry points:
// encodeModel for export and decodeModel for import, which validates the wire format before decoding.
import $protobuf from 'protobufjs/minimal.js';
import { OnnxError } from '../errors.js';
import { onnx } from './onnx.gen.js';
import { validateWire, type ReadLimits } from './wire.js';

export { onnx } from './onnx.gen.js';
export type { ReadLimits } from './wire.js';

/** A decoded ONNX model (all fields present, defaults filled in). */
export type ModelProto = onnx.ModelProto;
/** A graph: nodes, initializers, inputs, outputs. */
export type GraphProto = onnx.GraphProto.$Properties;
/** One operator call in a graph. */
export type NodeProto = onnx.NodeProto.$Properties;
/** A node attribute. */
export type AttributeProto = onnx.AttributeProto.$Properties;
/** A constant tensor (initializer or attribute value). */
export type TensorProto = onnx.TensorProto.$Properties;
/** A graph input/output with its type. */
export type ValueInfoProto = onnx.ValueInfoProto.$Properties;
/** A value type (tensor element type and shape). */
export type TypeProto = onnx.TypeProto.$Properties;
/** A tensor shape of fixed or named dimensions. */
export type TensorShapeProto = onnx.TensorShapeProto.$Properties;
/** One operator-set import of a model. */
export type OperatorSetIdProto = onnx.OperatorSetIdProto.$Properties;
/** A key/value string pair. */
export type StringStringEntryProto = onnx.StringStringEntryProto.$Properties;
/** The fields a model to encode may set (plain objects are fine; int64 fields are numbers). */
export type ModelInit = onnx.ModelProto.$Properties;

/** ONNX tensor element types (TensorProto.DataType). */
export const DataType = onnx.TensorProto.DataType;
/** ONNX attribute value kinds (AttributeProto.AttributeType). */
export const AttributeType = onnx.AttributeProto.AttributeType;

/** Encodes a model (plain objects or message instances) to ONNX bytes. int64 fields take numbers. */
export function encodeModel(model: ModelInit): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
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
    return onnx.ModelProto.decode(reader);
  } catch (e) {
    throw new OnnxError(`protobuf decoding failed: ${(e as Error).message}`, { field: 'ModelProto' });
  }
}
