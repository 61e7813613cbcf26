// TensorProto -> host data: element types, byte size checked against the shape before anything is allocated,
// typed fields (float_data, int64_data, ...) and raw_data, and external data through a caller's reader.
import { fromBlob, type DType, type Tensor } from '@flint/core';
import { OnnxError } from '../errors.js';
import { DataType, type TensorProto } from '../proto/index.js';

/** Reads the bytes an external-data tensor points to (`location` relative to the model's folder). */
export type ExternalDataReader = (location: string, offset: number, length: number | undefined, field: string) => Uint8Array;

/** Flint dtype of each ONNX element type Flint stores (narrower integers widen to int32). */
const DTYPES: Partial<Record<number, DType>> = {
  [DataType.FLOAT]: 'float32', [DataType.DOUBLE]: 'float64', [DataType.FLOAT16]: 'float16', [DataType.BFLOAT16]: 'bfloat16',
  [DataType.INT32]: 'int32', [DataType.INT64]: 'int64', [DataType.UINT8]: 'uint8', [DataType.BOOL]: 'bool',
  [DataType.INT8]: 'int32', [DataType.INT16]: 'int32', [DataType.UINT16]: 'int32',
};
/** Bytes per element as stored in raw_data. */
const RAW_BYTES: Partial<Record<number, number>> = {
  [DataType.FLOAT]: 4, [DataType.DOUBLE]: 8, [DataType.FLOAT16]: 2, [DataType.BFLOAT16]: 2, [DataType.INT32]: 4,
  [DataType.INT64]: 8, [DataType.UINT8]: 1, [DataType.BOOL]: 1, [DataType.INT8]: 1, [DataType.INT16]: 2, [DataType.UINT16]: 2,
};
const TYPE_NAMES = Object.fromEntries(Object.entries(DataType).map(([k, v]) => [v, k])) as Record<number, string>;

/** Most elements one tensor may declare (2^31): past this, a declared shape is hostile, not a model. */
export const MAX_ELEMENTS = 2 ** 31;

/** The Flint dtype for an ONNX element type, or an OnnxError naming the field. */
export function dtypeOf(elemType: number, field: string): DType {
  const d = DTYPES[elemType];
  if (d === undefined) throw new OnnxError(`element type ${TYPE_NAMES[elemType] ?? elemType} is not supported (Flint stores float32/64, float16, bfloat16, int8-64, uint8, bool)`, { field });
  return d;
}

/** The ONNX element type of a Flint dtype. */
export function onnxTypeOf(dtype: DType): number {
  return { float32: DataType.FLOAT, float64: DataType.DOUBLE, float16: DataType.FLOAT16, bfloat16: DataType.BFLOAT16,
    int32: DataType.INT32, int64: DataType.INT64, uint8: DataType.UINT8, bool: DataType.BOOL }[dtype];
}

/** Checked dims and element count of a tensor. */
export function checkedDims(t: TensorProto, field: string): { dims: number[]; count: number } {
  const dims = (t.dims ?? []).map(Number);
  let count = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new OnnxError(`dims [${dims.join(',')}] has a negative or non-integer size`, { field: `${field}.dims` });
    count *= d;
  }
  if (count > MAX_ELEMENTS) throw new OnnxError(`dims [${dims.join(',')}] declare ${count} elements, more than the limit of 2^31`, { field: `${field}.dims` });
  return { dims, count };
}

/** Decodes a TensorProto into a tensor on `device`; every size is checked before allocation. */
export function tensorFromProto(t: TensorProto, device: string, field: string, external?: ExternalDataReader): Tensor {
  const elemType = t.data_type ?? 0;
  const dtype = dtypeOf(elemType, `${field}.data_type`);
  const { dims, count } = checkedDims(t, field);
  if (t.segment != null) throw new OnnxError('segmented tensors are not supported', { field: `${field}.segment` });
  const rawBytes = RAW_BYTES[elemType]!;
  let raw: Uint8Array | undefined;
  if (t.data_location === 1 /* EXTERNAL */) {
    raw = readExternal(t, count * rawBytes, field, external);
  } else if (t.raw_data != null && t.raw_data.length > 0) {
    raw = t.raw_data;
  }
  if (raw !== undefined) {
    if (raw.length !== count * rawBytes) {
      throw new OnnxError(`raw data has ${raw.length} bytes but dims [${dims.join(',')}] of ${TYPE_NAMES[elemType]} need ${count * rawBytes}`, { field: `${field}.raw_data` });
    }
    return fromBlob(fromRaw(raw, elemType, dtype), dims, { device, dtype: storageDType(dtype) }).to(dtype);
  }
  return fromBlob(fromTyped(t, elemType, dtype, count, dims, field), dims, { device, dtype: storageDType(dtype) }).to(dtype);
}

// float16/bfloat16 are built from float32 values (fromBlob takes no Uint16Array), then cast
const storageDType = (d: DType): DType => (d === 'float16' || d === 'bfloat16' ? 'float32' : d);

function fromRaw(raw: Uint8Array, elemType: number, dtype: DType): Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array {
  const copy = new Uint8Array(raw.length); // aligned, and not a view of the file (Buffer.slice would be one)
  copy.set(raw);
  const dv = new DataView(copy.buffer);
  const n = copy.length / RAW_BYTES[elemType]!;
  switch (elemType) {
    case DataType.FLOAT: return new Float32Array(copy.buffer);
    case DataType.DOUBLE: return new Float64Array(copy.buffer);
    case DataType.INT32: return new Int32Array(copy.buffer);
    case DataType.INT64: return new BigInt64Array(copy.buffer);
    case DataType.UINT8: return copy;
    case DataType.BOOL: return copy.map((v) => (v !== 0 ? 1 : 0));
    case DataType.INT8: return Int32Array.from(new Int8Array(copy.buffer));
    case DataType.INT16: return Int32Array.from(new Int16Array(copy.buffer));
    case DataType.UINT16: return Int32Array.from(new Uint16Array(copy.buffer));
    case DataType.FLOAT16: return Float32Array.from({ length: n }, (_, i) => halfToFloat(dv.getUint16(2 * i, true)));
    case DataType.BFLOAT16: return Float32Array.from({ length: n }, (_, i) => bf16ToFloat(dv.getUint16(2 * i, true)));
    default: throw new OnnxError(`raw data of element type ${elemType} (${dtype}) is not supported`);
  }
}

function fromTyped(t: TensorProto, elemType: number, dtype: DType, count: number, dims: number[], field: string) {
  const pick = (name: string, values: readonly number[] | null | undefined): readonly number[] => {
    const v = values ?? [];
    if (v.length !== count) {
      throw new OnnxError(`${name} has ${v.length} values but dims [${dims.join(',')}] need ${count}${v.length === 0 ? ' (no data at all: raw_data, typed data and external data are all missing)' : ''}`, { field: `${field}.${name}` });
    }
    return v;
  };
  switch (elemType) {
    case DataType.FLOAT: return Float32Array.from(pick('float_data', t.float_data));
    case DataType.DOUBLE: return Float64Array.from(pick('double_data', t.double_data));
    case DataType.INT64: return BigInt64Array.from(pick('int64_data', t.int64_data), (v) => BigInt(v));
    case DataType.UINT8: case DataType.BOOL: return Uint8Array.from(pick('int32_data', t.int32_data));
    case DataType.FLOAT16: return Float32Array.from(pick('int32_data', t.int32_data), halfToFloat);
    case DataType.BFLOAT16: return Float32Array.from(pick('int32_data', t.int32_data), bf16ToFloat);
    default: return Int32Array.from(pick('int32_data', t.int32_data));
  }
}

function readExternal(t: TensorProto, expected: number, field: string, external?: ExternalDataReader): Uint8Array {
  const entries = new Map((t.external_data ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const location = entries.get('location');
  if (location === undefined || location === '') throw new OnnxError('external data without a location', { field: `${field}.external_data` });
  checkLocation(location, `${field}.external_data.location`);
  const num = (key: string): number | undefined => {
    const s = entries.get(key);
    if (s === undefined) return undefined;
    const v = Number(s);
    if (!/^\d+$/.test(s) || !Number.isSafeInteger(v)) throw new OnnxError(`external data ${key} '${s}' is not a non-negative integer`, { field: `${field}.external_data.${key}` });
    return v;
  };
  const offset = num('offset') ?? 0;
  const length = num('length');
  if (length !== undefined && length !== expected) {
    throw new OnnxError(`external data length ${length} disagrees with the ${expected} bytes the dims need`, { field: `${field}.external_data.length` });
  }
  if (external === undefined) {
    throw new OnnxError(`tensor '${t.name ?? ''}' keeps its data in '${location}'; load the model from a path with @flint/onnx/node, or pass options.externalData`, { field: `${field}.external_data` });
  }
  return external(location, offset, expected, `${field}.external_data`);
}

/** Rejects external-data locations that could leave the model's folder (absolute paths, `..`, drive letters). */
export function checkLocation(location: string, field: string): void {
  if (location.includes('\0')) throw new OnnxError(`external data location contains a NUL byte`, { field });
  if (location.startsWith('/') || location.startsWith('\\') || /^[A-Za-z]:/.test(location) || location.startsWith('~')) {
    throw new OnnxError(`external data location '${location}' is absolute; it must be a path inside the model's folder`, { field });
  }
  if (location.split(/[\\/]/).includes('..')) {
    throw new OnnxError(`external data location '${location}' leaves the model's folder ('..')`, { field });
  }
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f === 0 ? s * Infinity : NaN;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function bf16ToFloat(b: number): number {
  const buf = new DataView(new ArrayBuffer(4));
  buf.setUint32(0, b << 16);
  return buf.getFloat32(0);
}
