// The ONNX messages as plain, documented TypeScript interfaces (field names as in onnx.proto). encodeModel takes
// them and decodeModel returns them; the generated protobufjs classes stay an implementation detail.

/** A whole ONNX model file. */
export interface ModelProto {
  /** IR version of the file format (8 for opsets up to 18, 9-10 for later ones). */
  ir_version?: number | null;
  /** The operator sets the graph uses, by domain. */
  opset_import?: OperatorSetIdProto[] | null;
  /** Name of the tool that wrote the model. */
  producer_name?: string | null;
  /** Version of that tool. */
  producer_version?: string | null;
  /** Reverse-DNS namespace of the model. */
  domain?: string | null;
  /** Version of the model itself. */
  model_version?: number | null;
  /** Free-form description. */
  doc_string?: string | null;
  /** The main graph. */
  graph?: GraphProto | null;
  /** Free-form key/value metadata. */
  metadata_props?: StringStringEntryProto[] | null;
}

/** An operator set: domain ('' or 'ai.onnx' for the default domain) and version. */
export interface OperatorSetIdProto {
  /** The domain. */
  domain?: string | null;
  /** The opset version. */
  version?: number | null;
}

/** A key/value string pair (metadata, external-data descriptors). */
export interface StringStringEntryProto {
  /** The key. */
  key?: string | null;
  /** The value. */
  value?: string | null;
}

/** A computation graph. */
export interface GraphProto {
  /** Nodes, in topological order. */
  node?: NodeProto[] | null;
  /** Graph name. */
  name?: string | null;
  /** Constant tensors (weights), by name. */
  initializer?: TensorProto[] | null;
  /** Sparse constant tensors (not supported by the importer). */
  sparse_initializer?: SparseTensorProto[] | null;
  /** Free-form description. */
  doc_string?: string | null;
  /** Graph inputs (may also list initializers, in old files). */
  input?: ValueInfoProto[] | null;
  /** Graph outputs. */
  output?: ValueInfoProto[] | null;
  /** Types of intermediate values. */
  value_info?: ValueInfoProto[] | null;
}

/** One operator call. */
export interface NodeProto {
  /** Input value names ('' for an omitted optional input). */
  input?: string[] | null;
  /** Output value names. */
  output?: string[] | null;
  /** Node name. */
  name?: string | null;
  /** Operator name, e.g. 'Conv'. */
  op_type?: string | null;
  /** Operator domain ('' is the default ONNX domain). */
  domain?: string | null;
  /** Attributes. */
  attribute?: AttributeProto[] | null;
  /** Free-form description. */
  doc_string?: string | null;
}

/** A node attribute; `type` (an {@link AttributeType}) says which value field is set. */
export interface AttributeProto {
  /** Attribute name. */
  name?: string | null;
  /** In a function body: the name of the caller's attribute this one refers to. */
  ref_attr_name?: string | null;
  /** Free-form description. */
  doc_string?: string | null;
  /** Which field holds the value. */
  type?: number | null;
  /** FLOAT value. */
  f?: number | null;
  /** INT value. */
  i?: number | null;
  /** STRING value (UTF-8 bytes). */
  s?: Uint8Array | null;
  /** TENSOR value. */
  t?: TensorProto | null;
  /** GRAPH value (If branches, Loop bodies). */
  g?: GraphProto | null;
  /** SPARSE_TENSOR value. */
  sparse_tensor?: SparseTensorProto | null;
  /** TYPE_PROTO value. */
  tp?: TypeProto | null;
  /** FLOATS value. */
  floats?: number[] | null;
  /** INTS value. */
  ints?: number[] | null;
  /** STRINGS value. */
  strings?: Uint8Array[] | null;
  /** TENSORS value. */
  tensors?: TensorProto[] | null;
  /** GRAPHS value. */
  graphs?: GraphProto[] | null;
  /** SPARSE_TENSORS value. */
  sparse_tensors?: SparseTensorProto[] | null;
  /** TYPE_PROTOS value. */
  type_protos?: TypeProto[] | null;
}

/** A dense tensor; its data is in raw_data, one typed field, or an external file (data_location 1). */
export interface TensorProto {
  /** Shape. */
  dims?: number[] | null;
  /** Element type (a {@link DataType}). */
  data_type?: number | null;
  /** A slice of a larger tensor (not supported by the importer). */
  segment?: { begin?: number | null; end?: number | null } | null;
  /** FLOAT and COMPLEX64 data. */
  float_data?: number[] | null;
  /** INT32, INT16, INT8, UINT16, UINT8, BOOL, FLOAT16 and BFLOAT16 (as bits) data. */
  int32_data?: number[] | null;
  /** STRING data. */
  string_data?: Uint8Array[] | null;
  /** INT64 data. */
  int64_data?: number[] | null;
  /** Tensor name. */
  name?: string | null;
  /** Free-form description. */
  doc_string?: string | null;
  /** Data as little-endian bytes. */
  raw_data?: Uint8Array | null;
  /** Where external data is: location (relative to the model), offset, length. */
  external_data?: StringStringEntryProto[] | null;
  /** 0: data in this message; 1: external. */
  data_location?: number | null;
  /** DOUBLE and COMPLEX128 data. */
  double_data?: number[] | null;
  /** UINT32 and UINT64 data. */
  uint64_data?: number[] | null;
}

/** A sparse tensor in coordinate form. */
export interface SparseTensorProto {
  /** The non-zero values. */
  values?: TensorProto | null;
  /** Their indices. */
  indices?: TensorProto | null;
  /** The dense shape. */
  dims?: number[] | null;
}

/** A graph input, output or intermediate value with its type. */
export interface ValueInfoProto {
  /** Value name. */
  name?: string | null;
  /** Its type. */
  type?: TypeProto | null;
  /** Free-form description. */
  doc_string?: string | null;
}

/** A value's type; importers read `tensor_type`. */
export interface TypeProto {
  /** A tensor: element type and shape. */
  tensor_type?: { elem_type?: number | null; shape?: TensorShapeProto | null } | null;
  /** A sequence of values. */
  sequence_type?: { elem_type?: TypeProto | null } | null;
  /** A map. */
  map_type?: { key_type?: number | null; value_type?: TypeProto | null } | null;
  /** An optional value. */
  optional_type?: { elem_type?: TypeProto | null } | null;
  /** A sparse tensor. */
  sparse_tensor_type?: { elem_type?: number | null; shape?: TensorShapeProto | null } | null;
  /** Free-form denotation. */
  denotation?: string | null;
}

/** A shape: each dimension a number (`dim_value`), a name (`dim_param`, a dynamic axis) or unknown. */
export interface TensorShapeProto {
  /** The dimensions. */
  dim?: { dim_value?: number | null; dim_param?: string | null; denotation?: string | null }[] | null;
}
