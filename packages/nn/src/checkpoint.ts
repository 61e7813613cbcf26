// Checkpoints: state dicts to and from safetensors, as bytes (browsers) or files (Node). File access goes
// through process.getBuiltinModule, so bundling @flint/nn for a browser pulls in no Node modules.
import { checkOptions } from '@flint/core';
import type { Tensor } from '@flint/core';
import { SafetensorsError, decodeSafetensors, encodeSafetensors, tensorBytes, tensorFromBytes, type RawTensor } from './safetensors.js';

/**
 * Options of {@link saveToBytes} and {@link save}.
 * @property metadata - string key-value pairs stored in the file's `__metadata__`
 */
export interface SaveOptions { metadata?: Record<string, string> }
/**
 * Options of {@link loadFromBytes} and {@link load}.
 * @property device - the device the loaded tensors are created on (default: the default device)
 * @property maxHeaderBytes - the largest JSON header accepted (default {@link MAX_HEADER_BYTES}), a guard against
 * hostile files
 */
export interface LoadOptions { device?: string; maxHeaderBytes?: number }

/** Encode tensors as a safetensors file. Views that share storage are written as separate copies. */
export async function saveToBytes(stateDict: Record<string, Tensor>, o: SaveOptions = {}): Promise<Uint8Array> {
  checkOptions('saveToBytes', o, ['metadata']);
  const { metadata } = o;
  const raw: Record<string, RawTensor> = {};
  for (const [k, t] of Object.entries(stateDict)) raw[k] = { dtype: t.dtype, shape: [...t.shape], bytes: await tensorBytes(t) };
  return encodeSafetensors(raw, metadata);
}

/** Decode a safetensors file into name -> tensor (file order). Throws SafetensorsError on a malformed file. */
export function loadFromBytes(bytes: Uint8Array, o: LoadOptions = {}): Record<string, Tensor> {
  checkOptions('loadFromBytes', o, ['device', 'maxHeaderBytes']);
  const { device, maxHeaderBytes } = o;
  const { tensors } = decodeSafetensors(bytes, { maxHeaderBytes });
  const out: Record<string, Tensor> = {};
  for (const [k, raw] of Object.entries(tensors)) out[k] = tensorFromBytes(raw, device);
  return out;
}

/** The `__metadata__` strings of a safetensors file. */
export function loadMetadata(bytes: Uint8Array): Record<string, string> { return decodeSafetensors(bytes).metadata; }

type Fs = typeof import('node:fs');
type Path = typeof import('node:path');
function node(): { fs: Fs; path: Path } {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  if (!get) throw new Error('@flint/nn: save(path)/load(path) need Node >= 20.16 (process.getBuiltinModule); in browsers use saveToBytes/loadFromBytes');
  return { fs: get('node:fs') as Fs, path: get('node:path') as Path };
}

/** Whether process `pid` is running (EPERM: it is, but another user's). */
function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/**
 * Temp files of earlier saves to `file` whose process is gone (killed mid-save): `.<name>.<pid>.<random>.tmp`
 * beside it. Ours, and those of live processes (saving right now), are left alone.
 */
export function removeStaleTemps(file: string): string[] {
  const { fs, path } = node();
  const dir = path.dirname(file), base = path.basename(file);
  const pattern = new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)\\.[a-z0-9]+\\.tmp$`);
  const removed: string[] = [];
  let names: string[];
  try { names = fs.readdirSync(dir); } catch { return removed; }
  for (const name of names) {
    const pid = Number(pattern.exec(name)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    try { fs.unlinkSync(path.join(dir, name)); removed.push(name); } catch { /* gone already, or not ours to remove */ }
  }
  return removed;
}

/**
 * Write `bytes` to `file` atomically: a temp file `.<name>.<pid>.<random>.tmp` in the same directory, fsync,
 * then rename over. A process killed mid-write leaves its temp file; the next save to `file` removes it.
 */
export function writeFileAtomic(file: string, bytes: Uint8Array): void {
  const { fs, path } = node();
  removeStaleTemps(file);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', 0o644);
    let at = 0;
    while (at < bytes.byteLength) at += fs.writeSync(fd, bytes, at, bytes.byteLength - at);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) try { fs.closeSync(fd); } catch { /* already failing */ }
    try { fs.unlinkSync(tmp); } catch { /* never created */ }
    throw e;
  }
  // make the rename itself durable where the platform lets us open directories
  try { const d = fs.openSync(path.dirname(file), 'r'); try { fs.fsyncSync(d); } finally { fs.closeSync(d); } } catch { /* e.g. Windows */ }
}

/** Save a state dict (or any name -> tensor record) as a safetensors file, atomically. */
export async function save(stateDict: Record<string, Tensor>, file: string, opts: SaveOptions = {}): Promise<void> {
  writeFileAtomic(file, await saveToBytes(stateDict, opts));
}

/** Read `file` and decode it with `decode`; errors name the op and the file. */
export function readFileWith<R>(op: string, file: string, decode: (bytes: Uint8Array) => R): R {
  const { fs } = node();
  let bytes: Uint8Array;
  try { const b = fs.readFileSync(file); bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength); } catch (e) { throw new SafetensorsError(`${op}: can't read '${file}': ${(e as Error).message}`); }
  try { return decode(bytes); } catch (e) {
    if (e instanceof SafetensorsError) throw new SafetensorsError(`${e.message} (file '${file}')`);
    throw e;
  }
}

/** Load a safetensors file (Flint's or PyTorch's) as name -> tensor. */
export function load(file: string, opts: LoadOptions = {}): Record<string, Tensor> {
  return readFileWith('load', file, (bytes) => loadFromBytes(bytes, opts));
}
