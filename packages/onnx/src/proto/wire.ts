// A wire-level pass over ONNX bytes before protobufjs decodes them: every tag, varint and declared length is
// checked against the bytes that remain, wire types against the schema, and nesting against a depth limit,
// so a truncated or hostile file is an OnnxError naming the field, never a crash, a hang or a huge allocation.
import { OnnxError } from '../errors.js';

type Scalar = 'varint' | 'i32' | 'i64' | 'bytes';
/** A field's kind: a scalar wire kind, `packed:<kind>` (repeated scalar: packed or not), or a message name. */
type Kind = Scalar | `packed:${'varint' | 'i32' | 'i64'}` | MessageName;
type MessageName = keyof typeof SCHEMA;

// field number -> [name, kind]; mirrors onnx.proto (the generated code has no reflection to read this from)
const SCHEMA = {
  ModelProto: { 1: ['ir_version', 'varint'], 2: ['producer_name', 'bytes'], 3: ['producer_version', 'bytes'],
    4: ['domain', 'bytes'], 5: ['model_version', 'varint'], 6: ['doc_string', 'bytes'], 7: ['graph', 'GraphProto'],
    8: ['opset_import', 'OperatorSetIdProto'], 14: ['metadata_props', 'StringStringEntryProto'] },
  OperatorSetIdProto: { 1: ['domain', 'bytes'], 2: ['version', 'varint'] },
  StringStringEntryProto: { 1: ['key', 'bytes'], 2: ['value', 'bytes'] },
  GraphProto: { 1: ['node', 'NodeProto'], 2: ['name', 'bytes'], 5: ['initializer', 'TensorProto'],
    15: ['sparse_initializer', 'SparseTensorProto'], 10: ['doc_string', 'bytes'], 11: ['input', 'ValueInfoProto'],
    12: ['output', 'ValueInfoProto'], 13: ['value_info', 'ValueInfoProto'] },
  ValueInfoProto: { 1: ['name', 'bytes'], 2: ['type', 'TypeProto'], 3: ['doc_string', 'bytes'] },
  NodeProto: { 1: ['input', 'bytes'], 2: ['output', 'bytes'], 3: ['name', 'bytes'], 4: ['op_type', 'bytes'],
    7: ['domain', 'bytes'], 5: ['attribute', 'AttributeProto'], 6: ['doc_string', 'bytes'] },
  AttributeProto: { 1: ['name', 'bytes'], 21: ['ref_attr_name', 'bytes'], 13: ['doc_string', 'bytes'],
    20: ['type', 'varint'], 2: ['f', 'i32'], 3: ['i', 'varint'], 4: ['s', 'bytes'], 5: ['t', 'TensorProto'],
    6: ['g', 'GraphProto'], 22: ['sparse_tensor', 'SparseTensorProto'], 14: ['tp', 'TypeProto'],
    7: ['floats', 'packed:i32'], 8: ['ints', 'packed:varint'], 9: ['strings', 'bytes'], 10: ['tensors', 'TensorProto'],
    11: ['graphs', 'GraphProto'], 23: ['sparse_tensors', 'SparseTensorProto'], 15: ['type_protos', 'TypeProto'] },
  TensorProto: { 1: ['dims', 'packed:varint'], 2: ['data_type', 'varint'], 3: ['segment', 'Segment'],
    4: ['float_data', 'packed:i32'], 5: ['int32_data', 'packed:varint'], 6: ['string_data', 'bytes'],
    7: ['int64_data', 'packed:varint'], 8: ['name', 'bytes'], 12: ['doc_string', 'bytes'], 9: ['raw_data', 'bytes'],
    13: ['external_data', 'StringStringEntryProto'], 14: ['data_location', 'varint'],
    10: ['double_data', 'packed:i64'], 11: ['uint64_data', 'packed:varint'] },
  Segment: { 1: ['begin', 'varint'], 2: ['end', 'varint'] },
  SparseTensorProto: { 1: ['values', 'TensorProto'], 2: ['indices', 'TensorProto'], 3: ['dims', 'packed:varint'] },
  TensorShapeProto: { 1: ['dim', 'Dimension'] },
  Dimension: { 1: ['dim_value', 'varint'], 2: ['dim_param', 'bytes'], 3: ['denotation', 'bytes'] },
  TypeProto: { 1: ['tensor_type', 'TypeTensor'], 4: ['sequence_type', 'TypeSequence'], 5: ['map_type', 'TypeMap'],
    9: ['optional_type', 'TypeSequence'], 8: ['sparse_tensor_type', 'TypeTensor'], 6: ['denotation', 'bytes'] },
  TypeTensor: { 1: ['elem_type', 'varint'], 2: ['shape', 'TensorShapeProto'] },
  TypeSequence: { 1: ['elem_type', 'TypeProto'] },
  TypeMap: { 1: ['key_type', 'varint'], 2: ['value_type', 'TypeProto'] },
} as const satisfies Record<string, Record<number, readonly [string, string]>>;

const WIRE_NAMES = ['varint', '64-bit', 'length-delimited', 'start-group', 'end-group', '32-bit', '6', '7'];
const SCALAR_WIRE: Record<Scalar, number> = { varint: 0, i64: 1, bytes: 2, i32: 5 };

/** Limits on what reading a model may do. */
export interface ReadLimits {
  /** Deepest message nesting accepted (subgraphs of subgraphs, type nesting); default 64. */
  maxDepth?: number;
}

/** Checks `bytes` as an encoded ModelProto; throws an OnnxError naming the first bad field. */
export function validateWire(bytes: Uint8Array, limits: ReadLimits = {}): void {
  const maxDepth = limits.maxDepth ?? 64;
  walk(bytes, 0, bytes.length, 'ModelProto', 'ModelProto', 0, maxDepth);
}

function walk(b: Uint8Array, start: number, end: number, type: MessageName, path: string, depth: number, maxDepth: number): void {
  if (depth > maxDepth) {
    throw new OnnxError(`messages nest deeper than the limit of ${maxDepth} (raise limits.maxDepth if the model is genuine)`, { field: path });
  }
  const fields: Record<number, readonly [string, string]> = SCHEMA[type];
  const counts = new Map<number, number>();
  let pos = start;
  while (pos < end) {
    const tag = varint(b, pos, end, `${path} (a field tag at byte ${pos})`);
    pos = tag.next;
    const number = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    if (number === 0) throw new OnnxError(`field number 0 at byte ${tag.next - 1} (the file is corrupt or not ONNX)`, { field: path });
    const spec = fields[number];
    const index = counts.get(number) ?? 0;
    counts.set(number, index + 1);
    const here = spec === undefined ? `${path}.#${number}` : `${path}.${spec[0]}${REPEATED.has(spec[0]) ? `[${index}]` : ''}`;
    if (wire === 3 || wire === 4 || wire > 5) {
      throw new OnnxError(`wire type ${WIRE_NAMES[wire]} is not used by ONNX (the file is corrupt or not ONNX)`, { field: here });
    }
    if (spec !== undefined) checkWire(spec[1] as Kind, wire, here);
    if (wire === 0) pos = varint(b, pos, end, here).next;
    else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      if (pos + size > end) throw new OnnxError(`needs ${size} bytes but only ${end - pos} remain (truncated file)`, { field: here });
      pos += size;
    } else {
      const len = varint(b, pos, end, here);
      pos = len.next;
      if (len.value > end - pos) {
        throw new OnnxError(`declares ${len.value} bytes but only ${end - pos} remain (truncated or corrupt file)`, { field: here });
      }
      const kind = spec?.[1];
      if (kind !== undefined && kind in SCHEMA) walk(b, pos, pos + len.value, kind as MessageName, here, depth + 1, maxDepth);
      else if (kind === 'packed:varint') packedVarints(b, pos, pos + len.value, here);
      else if (kind === 'packed:i32' && len.value % 4 !== 0) throw new OnnxError(`packed 32-bit values take ${len.value} bytes, not a multiple of 4`, { field: here });
      else if (kind === 'packed:i64' && len.value % 8 !== 0) throw new OnnxError(`packed 64-bit values take ${len.value} bytes, not a multiple of 8`, { field: here });
      pos += len.value;
    }
  }
}

// repeated fields get an index in field paths (names are unique enough across the schema)
const REPEATED = new Set(['opset_import', 'metadata_props', 'node', 'initializer', 'sparse_initializer', 'input', 'output',
  'value_info', 'attribute', 'floats', 'ints', 'strings', 'tensors', 'graphs', 'sparse_tensors', 'type_protos', 'dims',
  'float_data', 'int32_data', 'string_data', 'int64_data', 'external_data', 'double_data', 'uint64_data', 'dim']);

function checkWire(kind: Kind, wire: number, here: string): void {
  let ok: boolean;
  if (kind in SCHEMA) ok = wire === 2;
  else if (kind.startsWith('packed:')) ok = wire === 2 || wire === SCALAR_WIRE[kind.slice(7) as Scalar];
  else ok = wire === SCALAR_WIRE[kind as Scalar];
  if (!ok) {
    const want = kind in SCHEMA ? `a ${kind} message` : kind;
    throw new OnnxError(`wire type ${WIRE_NAMES[wire]} where the schema has ${want}`, { field: here });
  }
}

function packedVarints(b: Uint8Array, start: number, end: number, here: string): void {
  let pos = start;
  while (pos < end) pos = varint(b, pos, end, here).next;
}

/** Reads a varint of at most 10 bytes ending before `end`; the value is exact up to 2^53 (enough for tags and lengths). */
function varint(b: Uint8Array, pos: number, end: number, here: string): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= end) throw new OnnxError(`a varint runs past the end of its message (truncated file)`, { field: here });
    const byte = b[pos + i]!;
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if ((byte & 0x80) === 0) return { value, next: pos + i + 1 };
  }
  throw new OnnxError(`a varint longer than 10 bytes (corrupt file)`, { field: here });
}
