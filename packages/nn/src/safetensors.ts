// safetensors encode/decode (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length, a JSON header {name: {dtype, shape, data_offsets}}, then the raw little-endian tensor bytes.
// The writer lays tensors out as the reference implementation does (by dtype alignment, then name; the
// header padded with spaces to 8 bytes), so Flint and safetensors.torch write the same bytes.
import { allocate, getDefaultDevice, type DType, type HostArray, type Tensor } from '@flint/core';

/** Raised for a malformed safetensors file; the message names the key where there is one. */
export class SafetensorsError extends Error {
  constructor(message: string) { super(message); this.name = 'SafetensorsError'; }
}

const TO_ST: Record<DType, string> = { float32: 'F32', float64: 'F64', float16: 'F16', bfloat16: 'BF16', int32: 'I32', int64: 'I64', uint8: 'U8', bool: 'BOOL' };
const FROM_ST: Record<string, DType> = Object.fromEntries(Object.entries(TO_ST).map(([k, v]) => [v, k as DType]));
const SIZE: Record<string, number> = { F32: 4, F64: 8, F16: 2, BF16: 2, I32: 4, I64: 8, U8: 1, BOOL: 1 };
/** The reference writer sorts by its Dtype enum, largest first; this is that enum's order for our dtypes. */
const RANK: Record<string, number> = { BOOL: 0, U8: 1, F16: 2, BF16: 3, I32: 4, F32: 5, F64: 6, I64: 7 };
/** Other dtypes the format defines but Flint has no tensor type for. */
const FOREIGN = new Set(['I8', 'I16', 'U16', 'U32', 'U64', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F6_E2M3', 'F6_E3M2', 'F4', 'C64']);

/** The largest safetensors JSON header read by default (100 MB): a guard against hostile files. */
export const MAX_HEADER_BYTES = 100_000_000;

/**
 * A tensor in a safetensors file, not yet on a device.
 * @property dtype - its dtype
 * @property shape - its shape
 * @property bytes - its little-endian bytes, a view into the file
 */
export interface RawTensor { dtype: DType; shape: number[]; bytes: Uint8Array }

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('@flint/nn: safetensors I/O needs a little-endian host');

/** The raw bytes of a tensor (storage dtype: float16/bfloat16 stay 16-bit). */
export async function tensorBytes(t: Tensor): Promise<Uint8Array> {
  const c = t.contiguous();
  try {
    const host: HostArray = await c.storage.backend.read(c.storage.buffer, c.dtype, c.offset, c.numel());
    // copy: a backend may hand back a view of memory it recycles once c is released
    return new Uint8Array(host.buffer, host.byteOffset, host.byteLength).slice();
  } finally { if (c !== t) c.dispose(); }
}

/** Encode named raw tensors (see tensorBytes) into a safetensors file. */
export function encodeSafetensors(tensors: Record<string, RawTensor>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort((a, b) => {
    const r = RANK[TO_ST[tensors[b]!.dtype]]! - RANK[TO_ST[tensors[a]!.dtype]]!;
    return r !== 0 ? r : a < b ? -1 : a > b ? 1 : 0;
  });
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  let at = 0;
  for (const k of names) {
    if (k === '__metadata__') throw new SafetensorsError("save: '__metadata__' is reserved and can't name a tensor");
    const t = tensors[k]!;
    const want = t.shape.reduce((a, b) => a * b, 1) * SIZE[TO_ST[t.dtype]]!;
    if (t.bytes.byteLength !== want) throw new SafetensorsError(`save: '${k}' has ${t.bytes.byteLength} bytes, its shape [${t.shape.join(', ')}] and dtype ${t.dtype} need ${want}`);
    header[k] = { dtype: TO_ST[t.dtype], shape: t.shape, data_offsets: [at, at + want] };
    at += want;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const k of names) { out.set(tensors[k]!.bytes, pos); pos += tensors[k]!.bytes.byteLength; }
  return out;
}

/**
 * A parsed safetensors file.
 * @property tensors - the tensors by name, not yet on a device
 * @property metadata - the file's `__metadata__` strings
 */
export interface DecodedSafetensors { tensors: Record<string, RawTensor>; metadata: Record<string, string> }

/** Parse and validate a safetensors file without copying tensor data. */
export function decodeSafetensors(bytes: Uint8Array, { maxHeaderBytes = MAX_HEADER_BYTES }: { maxHeaderBytes?: number } = {}): DecodedSafetensors {
  const fail = (msg: string): never => { throw new SafetensorsError(`safetensors: ${msg}`); };
  if (bytes.byteLength < 8) fail(`file is ${bytes.byteLength} bytes, too short for the 8-byte header length (truncated?)`);
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(maxHeaderBytes)) fail(`header length ${n64} is over the ${maxHeaderBytes}-byte limit (corrupt file?)`);
  const n = Number(n64);
  if (8 + n > bytes.byteLength) fail(`header length ${n} runs past the end of the ${bytes.byteLength}-byte file (truncated?)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) fail('header must be a JSON object');
  const dataStart = 8 + n, dataLen = bytes.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: DType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (!v || typeof v !== 'object' || Array.isArray(v)) fail('__metadata__ must be an object of strings');
      for (const [mk, mv] of Object.entries(v as Record<string, unknown>)) {
        if (typeof mv !== 'string') fail(`__metadata__['${mk}'] must be a string`);
        metadata[mk] = mv as string;
      }
      continue;
    }
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (!e || typeof e !== 'object') fail(`entry '${name}' must be an object with dtype, shape and data_offsets`);
    const st = e!.dtype;
    if (typeof st !== 'string' || !(st in FROM_ST)) {
      fail(`entry '${name}' has ${typeof st === 'string' && FOREIGN.has(st) ? 'unsupported' : 'unknown'} dtype ${JSON.stringify(st)} (Flint reads ${Object.keys(FROM_ST).join(', ')})`);
    }
    const shape = e!.shape;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) fail(`entry '${name}' has an invalid shape ${JSON.stringify(shape)} (expected a list of non-negative integers)`);
    const offs = e!.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || offs.some((o) => !Number.isSafeInteger(o) || o < 0)) fail(`entry '${name}' has invalid data_offsets ${JSON.stringify(offs)} (expected [begin, end])`);
    const [begin, end] = offs as [number, number];
    if (begin > end || end > dataLen) fail(`entry '${name}' has data_offsets [${begin}, ${end}] outside the ${dataLen}-byte data section (truncated?)`);
    // numel from the shape, stopping as soon as it passes what the span could hold (no huge products)
    const size = SIZE[st as string]!;
    let bytesNeeded = size;
    for (const d of shape as number[]) { bytesNeeded *= d; if (bytesNeeded > dataLen) break; }
    if (bytesNeeded !== end - begin) fail(`entry '${name}' spans ${end - begin} bytes, but shape [${(shape as number[]).join(', ')}] of ${st} needs ${bytesNeeded > dataLen ? `more than ${dataLen}` : bytesNeeded}`);
    entries.push({ name, dtype: FROM_ST[st as string]!, shape: shape as number[], begin, end });
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of sorted) {
    if (e.begin < at) fail(`entry '${e.name}' (data_offsets [${e.begin}, ${e.end}]) overlaps the tensor before it`);
    if (e.begin > at) fail(`the data section has a gap of ${e.begin - at} bytes before entry '${e.name}'`);
    at = e.end;
  }
  if (at !== dataLen) fail(`the data section is ${dataLen} bytes but its tensors cover ${at} (trailing bytes, or a corrupt header)`);
  const tensors: Record<string, RawTensor> = {};
  for (const e of entries) tensors[e.name] = { dtype: e.dtype, shape: e.shape, bytes: bytes.subarray(dataStart + e.begin, dataStart + e.end) };
  return { tensors, metadata };
}

/** A Flint tensor holding a copy of raw little-endian bytes. */
export function tensorFromBytes(raw: RawTensor, device = getDefaultDevice()): Tensor {
  const n = raw.shape.reduce((a, b) => a * b, 1);
  // an aligned copy (typed arrays need element alignment); not .slice(): on a Node Buffer that's a view
  const copy = new Uint8Array(raw.bytes).buffer;
  const host: HostArray = {
    float32: () => new Float32Array(copy, 0, n), float64: () => new Float64Array(copy, 0, n), int32: () => new Int32Array(copy, 0, n),
    int64: () => new BigInt64Array(copy, 0, n), uint8: () => new Uint8Array(copy, 0, n), bool: () => new Uint8Array(copy, 0, n),
    float16: () => new Uint16Array(copy, 0, n), bfloat16: () => new Uint16Array(copy, 0, n),
  }[raw.dtype]();
  const t = allocate(device, raw.dtype, raw.shape);
  t.storage.backend.write(t.storage.buffer, raw.dtype, host, 0);
  return t;
}
