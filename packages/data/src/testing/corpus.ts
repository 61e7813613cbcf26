// Test helpers: the committed corpora under fixtures/ (made by fixtures/make_png_corpus.py and
// fixtures/make_hostile_corpus.py).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The path of a corpus file, e.g. corpusPath('hostile/png/rgb-1bit.png'). */
export const corpusPath = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

export function corpus(name: string): Uint8Array {
  const b = readFileSync(corpusPath(name));
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
