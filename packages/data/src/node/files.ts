// Reading dataset files in Node: the first of several candidate paths, gunzipped when compressed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FormatError } from '../formats/errors.js';
import { isGzip } from '../formats/gzip.js';

/** The first existing path among `names` under each of `dirs`; an error listing what was tried. */
export function findFile(what: string, dirs: readonly string[], names: readonly string[]): string {
  const tried: string[] = [];
  for (const d of dirs) for (const n of names) { const p = join(d, n); if (existsSync(p)) return p; tried.push(p); }
  throw new Error(`${what}: file not found; tried ${tried.join(', ')}`);
}

/** File bytes, gunzipped (capped at maxBytes, 2 GiB by default) when they start with the gzip magic. */
export function readBytes(path: string, maxBytes = 2 ** 31 - 1): Uint8Array {
  const raw = readFileSync(path);
  const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  if (!isGzip(bytes)) return bytes;
  try {
    const out = gunzipSync(bytes, { maxOutputLength: maxBytes });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    throw new FormatError(`${path}: corrupt, truncated or oversized gzip data: ${(e as Error).message}`);
  }
}

export const readText = (path: string): string => readFileSync(path, 'utf8');
