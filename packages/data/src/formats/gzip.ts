// gunzip in browsers (and Node 18+) through DecompressionStream, with a cap on the output size.
import { FormatError } from './errors.js';

export const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

export async function gunzip(bytes: Uint8Array, opts: { maxBytes?: number; name?: string } = {}): Promise<Uint8Array> {
  const max = opts.maxBytes ?? 2 ** 31, name = opts.name ?? 'gzip data';
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.length;
      if (total > max) throw new FormatError(`${name}: decompresses to more than ${max} bytes (maxBytes)`);
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

/** The bytes, decompressed when they start with the gzip magic. */
export const maybeGunzip = (bytes: Uint8Array, opts: { maxBytes?: number; name?: string } = {}): Promise<Uint8Array> =>
  isGzip(bytes) ? gunzip(bytes, opts) : Promise.resolve(bytes);
