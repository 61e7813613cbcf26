// Text files' bytes → string, never mangled: UTF-8 (with or without a byte-order mark), UTF-16 LE/BE with a
// byte-order mark, and bytes that are not valid UTF-8 as windows-1252 (Latin-1 plus curly quotes, dashes, €),
// which is what such files (old IMDB reviews, Windows CSVs) almost always are. A NUL byte means UTF-16 without a
// byte-order mark or binary data: that is reported, not guessed at.
import { FormatError } from './errors.js';

/** The encodings {@link decodeText} recognises. */
export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

// windows-1252's 0x80..0x9f (the rest of its range is Latin-1); TextDecoder('windows-1252') in Node maps these
// to C1 controls instead, so the table is here. 0x81, 0x8d, 0x8f, 0x90, 0x9d are unassigned and stay as C1.
const CP1252_80 = [0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178];

/** The encoding decodeText reads `bytes` as, and how many leading bytes are a byte-order mark. */
export function detectEncoding(bytes: Uint8Array): { encoding: TextEncodingName; bom: number } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: 'utf-8', bom: 3 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', bom: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', bom: 2 };
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { encoding: 'utf-8', bom: 0 };
  } catch {
    return { encoding: 'windows-1252', bom: 0 };
  }
}

/**
 * Decodes a text file's bytes: UTF-8 (BOM or not), UTF-16 with a BOM, else windows-1252; a NUL byte is a FormatError
 * naming `name`.
 */
export function decodeText(bytes: Uint8Array, name = 'text'): string {
  const { encoding, bom } = detectEncoding(bytes);
  const body = bytes.subarray(bom);
  if (encoding === 'windows-1252') return decodeCp1252(body, name);
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true }).decode(body);
  } catch {
    throw new FormatError(`${name}: starts with a ${encoding.toUpperCase()} byte-order mark but is not valid ${encoding.toUpperCase()}; re-save it as UTF-8`);
  }
  const nul = text.indexOf('\0');
  if (nul >= 0) throw nulError(name, bom + (encoding === 'utf-8' ? new TextEncoder().encode(text.slice(0, nul)).length : 2 * nul));
  return text;
}

function decodeCp1252(bytes: Uint8Array, name: string): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    const codes = Array.from(bytes.subarray(i, i + 8192), (b, k) => {
      if (b === 0) throw nulError(name, i + k);
      return b >= 0x80 && b < 0xa0 ? CP1252_80[b - 0x80]! : b;
    });
    out += String.fromCharCode(...codes);
  }
  return out;
}

const nulError = (name: string, offset: number) =>
  new FormatError(`${name}: NUL byte at offset ${offset}: UTF-16 without a byte-order mark, or not text; re-save it as UTF-8`);
