// Checkpoints of nested state, as PyTorch users write torch.save({...}): a model's and an optimizer's state
// dicts, a scheduler's, the epoch, anything JSON-able, in one atomic safetensors file. Every tensor is a
// safetensors entry named by its path; the structure around them is JSON in the file's metadata.
import { checkOptions, isTensor, type Tensor } from '@flint/core';
import { readFileWith, saveToBytes, writeFileAtomic } from './checkpoint.js';
import type { LoadOptions } from './checkpoint.js';
import { SafetensorsError, decodeSafetensors, tensorFromBytes } from './safetensors.js';

/** What a checkpoint holds: tensors, JSON values, and arrays and plain objects of them. */
export type CheckpointValue = Tensor | number | string | boolean | bigint | null | undefined | readonly CheckpointValue[] | { readonly [key: string]: CheckpointValue };

/** The metadata key of the structure; its presence marks a file as a nested checkpoint. */
const KEY = 'flint.checkpoint';
/** Non-JSON leaves, tagged: { $t: 'tensor' | 'nan' | 'inf' | '-inf' | 'bigint' | 'undefined', v? }. */
type Tagged = { $t: string; v?: string };

/** Escape a path segment (JSON pointer style) so '/' can join them. */
const segment = (k: string): string => k.replace(/~/g, '~0').replace(/\//g, '~1');

function encodeValue(v: CheckpointValue, path: string, tensors: Map<string, Tensor>, seen: Set<object>): unknown {
  if (isTensor(v)) { tensors.set(path, v); return { $t: 'tensor', v: path } satisfies Tagged; }
  if (v === undefined) return { $t: 'undefined' } satisfies Tagged;
  if (typeof v === 'bigint') return { $t: 'bigint', v: v.toString() } satisfies Tagged;
  if (typeof v === 'number' && !Number.isFinite(v)) return { $t: Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf' } satisfies Tagged;
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'function' || typeof v === 'symbol') throw new TypeError(`saveCheckpoint: '${path || '/'}' is a ${typeof v}, which a checkpoint can't hold`);
    return v;
  }
  if (seen.has(v)) throw new TypeError(`saveCheckpoint: '${path || '/'}' refers back to one of its parents; a checkpoint holds a tree`);
  seen.add(v);
  try {
    if (Array.isArray(v)) return v.map((x, i) => encodeValue(x, `${path}/${i}`, tensors, seen));
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) throw new TypeError(`saveCheckpoint: '${path || '/'}' is a ${(v as object).constructor?.name ?? 'class instance'}; save its state (e.g. stateDict()) instead`);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeValue(x, `${path}/${segment(k)}`, tensors, seen)]));
  } finally { seen.delete(v); }
}

/** Encode nested state (tensors, JSON values, arrays and plain objects of them; see CheckpointValue) as one safetensors file. */
export async function checkpointToBytes(state: unknown): Promise<Uint8Array> {
  const tensors = new Map<string, Tensor>();
  const structure = JSON.stringify(encodeValue(state as CheckpointValue, '', tensors, new Set()));
  for (const [path, t] of tensors) if (t.isDisposed) throw new TypeError(`saveCheckpoint: the tensor at '${path}' was disposed`);
  return saveToBytes(Object.fromEntries(tensors), { metadata: { [KEY]: structure } });
}

function decodeValue(v: unknown, tensors: Map<string, Tensor>, used: Set<string>): CheckpointValue {
  if (Array.isArray(v)) return v.map((x) => decodeValue(x, tensors, used));
  if (v === null || typeof v !== 'object') return v as CheckpointValue;
  const t = v as Tagged;
  if (typeof t.$t === 'string') {
    switch (t.$t) {
      case 'tensor': {
        const x = tensors.get(String(t.v));
        if (!x) throw new SafetensorsError(`loadCheckpoint: the structure names a tensor '${String(t.v)}' that the file doesn't hold`);
        used.add(String(t.v));
        return x;
      }
      case 'nan': return NaN;
      case 'inf': return Infinity;
      case '-inf': return -Infinity;
      case 'bigint': return BigInt(String(t.v));
      case 'undefined': return undefined;
      default: throw new SafetensorsError(`loadCheckpoint: unknown tagged value '${t.$t}'`);
    }
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decodeValue(x, tensors, used)]));
}

/** Decode a nested checkpoint: the same structure, with new tensors (on `device`). */
export function checkpointFromBytes(bytes: Uint8Array, o: LoadOptions = {}): CheckpointValue {
  checkOptions('loadCheckpoint', o, ['device', 'maxHeaderBytes']);
  const { device, maxHeaderBytes } = o;
  const { tensors: raw, metadata } = decodeSafetensors(bytes, { maxHeaderBytes });
  const structure = metadata[KEY];
  if (structure === undefined) throw new SafetensorsError(`loadCheckpoint: this safetensors file has no '${KEY}' metadata, so it is not a nested checkpoint; read a plain state dict with load()`);
  let parsed: unknown;
  try { parsed = JSON.parse(structure); } catch (e) { throw new SafetensorsError(`loadCheckpoint: the '${KEY}' metadata is not valid JSON (${(e as Error).message})`); }
  const tensors = new Map(Object.entries(raw).map(([k, r]) => [k, tensorFromBytes(r, device)]));
  const used = new Set<string>();
  let state: CheckpointValue;
  try {
    state = decodeValue(parsed, tensors, used);
  } catch (e) {
    for (const t of tensors.values()) t.dispose();
    throw e;
  }
  // entries the structure doesn't name are not handed out: free them
  for (const [k, t] of tensors) if (!used.has(k)) t.dispose();
  return state;
}

/** Save nested state (model and optimizer state dicts, a scheduler's, the epoch, ...) to one file, atomically. */
export async function saveCheckpoint(file: string, state: unknown): Promise<void> {
  writeFileAtomic(file, await checkpointToBytes(state));
}

/** Load what saveCheckpoint wrote: the same structure, with new tensors. */
export function loadCheckpoint(file: string, opts: LoadOptions = {}): CheckpointValue {
  return readFileWith('loadCheckpoint', file, (bytes) => checkpointFromBytes(bytes, opts));
}
