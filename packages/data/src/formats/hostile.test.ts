import { describe, expect, it } from 'vitest';
import { FormatError, SizeLimitError, decodeText, gunzip, parseChestXrayCsv, parseCifar10, parseIdx, tokenize } from '@flint/data';
import { corpus } from '../testing/corpus.js';

/** The error `f` throws (or rejects with). */
async function failure(f: () => unknown): Promise<Error> {
  try { await f(); } catch (e) { return e as Error; }
  throw new Error('expected a failure');
}

describe('hostile IDX and CIFAR-10 files', () => {
  it.each([
    ['truncated-images-idx3-ubyte', /truncated: dims \[10, 28, 28\] need 7856 bytes, the file has 116/],
    ['bad-magic-images-idx3-ubyte', /bad magic number 0x504b0304 \(not an IDX file\)/],
    ['huge-dims-images-idx3-ubyte', /truncated: dims \[4000000000, 60000, 28\] need \d+ bytes, the file has 16/],
    ['trailing-bytes-labels-idx1-ubyte', /3 trailing bytes after dims \[2\]/],
    ['gzip-under-plain-name-images-idx3-ubyte', /is gzip-compressed; decompress it first/],
  ])('IDX %s', async (name, message) => {
    const e = await failure(() => parseIdx(corpus(`hostile/idx/${name}`), { name }));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toMatch(new RegExp(`^${name}: ${message.source}`));
  });
  it.each([
    ['short-record.bin', /3000 bytes is not a whole number of 3073-byte records/],
    ['bad-label.bin', /record 0 has label 12; CIFAR-10 labels are 0\.\.9/],
    ['empty.bin', /empty file/],
    ['gzip-under-bin-name.bin', /is gzip-compressed; decompress it first/],
  ])('CIFAR-10 %s', async (name, message) => {
    const e = await failure(() => parseCifar10(corpus(`hostile/cifar/${name}`), name));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toMatch(new RegExp(`^${name}: ${message.source}`));
  });
  it('a gzip bomb over the cap fails fast with a SizeLimitError naming the data and the cap', async () => {
    const start = Date.now();
    const e = await failure(() => gunzip(corpus('hostile/bomb/train-images-idx3-ubyte.gz'), { name: 'bomb.gz', maxBytes: 2 ** 20 }));
    expect(e).toBeInstanceOf(SizeLimitError);
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toMatch(/^bomb\.gz: decompresses to more than 1048576 bytes \(maxBytes\)/);
    expect(Date.now() - start).toBeLessThan(2000);
    expect((await gunzip(corpus('hostile/bomb/train-images-idx3-ubyte.gz'), { maxBytes: 2 ** 23 })).length).toBe(2 ** 22);
    expect(await failure(() => gunzip(corpus('hostile/idx/truncated-gzip-images-idx3-ubyte.gz'), { name: 't.gz' }))).toBeInstanceOf(FormatError);
  });
});

describe('hostile ChestX-ray14 CSV files: the file, line and column of the bad field', () => {
  it.each([
    ['empty-patient-id.csv', /^empty-patient-id\.csv, line 3, column 4 \('Patient ID'\): empty; expected a non-negative integer/],
    ['multiline-then-empty-id.csv', /^multiline-then-empty-id\.csv, line 4, column 4 \('Patient ID'\): empty/],
    ['non-integer-patient-id.csv', /^non-integer-patient-id\.csv, line 2, column 4 \('Patient ID'\): '12a' is not a non-negative integer/],
    ['empty-follow-up.csv', /^empty-follow-up\.csv, line 2, column 3 \('Follow-up #'\): empty; expected a non-negative integer/],
    ['empty-image-index.csv', /^empty-image-index\.csv, line 2, column 1 \('Image Index'\): empty; expected an image file name/],
    ['short-row.csv', /^short-row\.csv, line 2: 2 fields, the header has 5/],
    ['unterminated-quote.csv', /^unterminated-quote\.csv, line 2: unterminated quoted field/],
    ['unknown-finding.csv', /^unknown-finding\.csv, line 2, column 2 \('Finding Labels'\): unknown finding 'Flu'/],
    ['empty.csv', /^empty\.csv: empty file \(no header row\)/],
  ])('%s', async (name, message) => {
    const e = await failure(() => parseChestXrayCsv(decodeText(corpus(`hostile/csv/${name}`), name), name));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toMatch(message);
  });
});

describe('text in other encodings is decoded, never mangled', () => {
  const review = 'Café naïve résumé, “great” film… 10€';
  it.each([
    ['utf8.txt', review], ['utf8-bom.txt', review], ['windows1252.txt', review], ['latin1.txt', 'Café naïve résumé'],
    ['utf16le-bom.txt', review], ['utf16be-bom.txt', review],
  ])('%s', (name, text) => {
    expect(decodeText(corpus(`hostile/text/${name}`), name)).toBe(text);
  });
  it('a Latin-1 review tokenises to whole words', () => {
    expect(tokenize(decodeText(corpus('hostile/text/latin1.txt'), 'latin1.txt'))).toEqual(['café', 'naïve', 'résumé']);
  });
  it('UTF-16 without a byte-order mark, and binary data, are reported', () => {
    expect(() => decodeText(corpus('hostile/text/utf16le-no-bom.txt'), 'r.txt')).toThrow(/^r\.txt: NUL byte at offset 1: UTF-16 without a byte-order mark, or not text/);
    expect(() => decodeText(corpus('hostile/text/binary.txt'), 'b.txt')).toThrow(FormatError);
  });
});
