// gunzip in browsers (and Node 18+) through DecompressionStream, streamed so a bomb stops at the cap.
import { FormatError, SizeLimitError } from './errors.js';

/** The default cap on what one file may decompress to (1 GiB); readers take `maxBytes` to change it. */
export const DEFAULT_MAX_BYTES = 2 ** 30;

/** Whether `b` starts with the gzip magic bytes. */
export const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

export const sizeLimitError = (name: string, max: number): SizeLimitError =>
  new SizeLimitError(`${name}: decompresses to more than ${max} bytes (maxBytes); pass a larger maxBytes if the file is genuine`, max);

/** Decompresses gzip bytes, stopping with a SizeLimitError past `maxBytes` (default 1 GiB). */
export async function gunzip(bytes: Uint8Array, opts: { maxBytes?: number; name?: string } = {}): Promise<Uint8Array> {
  const max = opts.maxBytes ?? DEFAULT_MAX_BYTES, name = opts.name ?? 'gzip data';
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.length;
      if (total > max) throw sizeLimitError(name, max);
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(`${name}: corrupt or truncated gzip data: ${(e as Error).message}`);
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) { out.set(c, off); off += c.length; }
  return out;
}

/** The bytes, decompressed when they start with the gzip magic (IDX files are distributed gzipped). */
export const maybeGunzip = (bytes: Uint8Array, opts: { maxBytes?: number; name?: string } = {}): Promise<Uint8Array> =>
  isGzip(bytes) ? gunzip(bytes, opts) : Promise.resolve(bytes);
