// Reading dataset files in Node: the first of several candidate paths; .gz files gunzipped under a cap;
// text decoded by decodeText (UTF-8, UTF-16 with a BOM, windows-1252). Errors name the path and what was expected.
import { checkOptions } from '@flint/core';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodeText } from '../formats/encoding.js';
import { FormatError } from '../formats/errors.js';
import { DEFAULT_MAX_BYTES, isGzip, sizeLimitError } from '../formats/gzip.js';

/** Options of the file readers. */
export interface ReadOptions {
  /** Cap on what a .gz file may decompress to (default DEFAULT_MAX_BYTES, 1 GiB). */
  maxBytes?: number;
  /** What the file should be, for errors: "MNIST's images file (IDX)". */
  expected?: string;
}

/** The first existing path among `names` under each of `dirs`; an error listing what was tried. */
export function findFile(what: string, dirs: readonly string[], names: readonly string[]): string {
  const tried: string[] = [];
  for (const d of dirs) for (const n of names) { const p = join(d, n); if (existsSync(p)) return p; tried.push(p); }
  throw new Error(`${what}: file not found; tried ${tried.join(', ')}`);
}

function readFile(path: string, expected = 'a file'): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    // Node's EISDIR message ("illegal operation on a directory, read") has no path; ENOENT and EACCES do
    if ((e as NodeJS.ErrnoException).code === 'EISDIR') throw new FormatError(`${path}: is a directory; expected ${expected}`);
    throw e;
  }
  return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
}

/**
 * File bytes; a `.gz` file is gunzipped, stopping as soon as the output passes `maxBytes` (so a bomb costs about
 * the cap). Only `.gz` names are decompressed: gzip magic in a .png or .bin is the reader's to reject.
 */
export function readBytes(path: string, opts: ReadOptions = {}): Uint8Array {
  checkOptions('readBytes', opts, ['maxBytes', 'expected']);
  const bytes = readFile(path, opts.expected);
  if (!path.endsWith('.gz')) return bytes;
  if (!isGzip(bytes)) throw new FormatError(`${path}: named .gz but is not gzip data; expected ${opts.expected ?? 'a gzip-compressed file'}`);
  const max = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  try {
    const out = gunzipSync(bytes, { maxOutputLength: max });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw sizeLimitError(path, max);
    throw new FormatError(`${path}: corrupt or truncated gzip data: ${(e as Error).message}`);
  }
}

/** A text file decoded by decodeText. */
export const readText = (path: string, expected?: string): string => decodeText(readFile(path, expected), path);
