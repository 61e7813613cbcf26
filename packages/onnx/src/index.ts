// @flint/onnx: ONNX in and out for Flint. The protobuf layer (encode/decode with a defensive wire check) and
// OnnxError are public so tools can inspect models; import and export build on them.
export { OnnxError } from './errors.js';
export type { OnnxErrorWhere } from './errors.js';
export { encodeModel, decodeModel, DataType, AttributeType } from './proto/index.js';
export type {
  ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto, TypeProto, TensorShapeProto,
  OperatorSetIdProto, StringStringEntryProto, SparseTensorProto, ReadLimits,
} from './proto/index.js';
export { loadOnnx, OnnxModel } from './import/model.js';
export type { LoadOnnxOptions, ValueInfo } from './import/model.js';
export type { ExternalDataReader } from './import/tensor-data.js';
export { supportedOps } from './import/ops/index.js';
export * from './export/index.js';
