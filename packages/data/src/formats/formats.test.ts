import { describe, expect, it } from 'vitest';
import { pngBytes } from '../testing/files.js';
import { gzipSync } from 'node:zlib';
import {
  CHESTXRAY14_LABELS, FormatError, Generator, OOV, START, Vocabulary, decodePng, encodeIdx, gunzip, padSequence, parseChestXrayCsv,
  parseCifar10, parseCsv, parseIdx, parseIdxPair, splitByPatient, tokenize,
} from '@flint/data';

describe('IDX', () => {
  const images = encodeIdx([2, 2, 3], Uint8Array.from([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]));
  const labels = encodeIdx([2], Uint8Array.from([7, 3]));
  it('parses images and labels with big-endian dims', () => {
    expect(Array.from(images.slice(0, 8))).toEqual([0, 0, 8, 3, 0, 0, 0, 2]);
    const p = parseIdxPair(images, labels);
    expect([p.count, p.height, p.width]).toEqual([2, 2, 3]);
    expect(Array.from(p.images)).toEqual([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]);
    expect(Array.from(p.labels)).toEqual([7, 3]);
  });
  it('rejects a wrong magic, a truncated body, huge declared dims and gzip bytes', async () => {
    expect(() => parseIdx(labels, { expect: 0x803, name: 'imgs' })).toThrow(/imgs: bad magic number 0x00000801, expected 0x00000803/);
    expect(() => parseIdx(images.slice(0, images.length - 1))).toThrow(/truncated: dims \[2, 2, 3\] need 28 bytes, the file has 27/);
    const huge = encodeIdx([4_000_000_000, 60000, 28], new Uint8Array(0));
    expect(() => parseIdx(huge)).toThrow(FormatError);
    expect(() => parseIdx(Uint8Array.from([0, 0, 8]))).toThrow(/too short for the 4-byte magic/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 8, 3, 0, 0]))).toThrow(/truncated header/);
    expect(() => parseIdx(Uint8Array.from([1, 2, 3, 4, 5, 6]))).toThrow(/not an IDX file/);
    expect(() => parseIdxPair(images, encodeIdx([3], Uint8Array.from([1, 2, 3])))).toThrow(/has 2 images but labels has 3 labels/);
    const gz = new Uint8Array(gzipSync(images));
    expect(() => parseIdx(gz)).toThrow(/gzip-compressed/);
    expect(Array.from(await gunzip(gz))).toEqual(Array.from(images));
    await expect(gunzip(gz.slice(0, 20))).rejects.toThrow(FormatError);
    await expect(gunzip(gz, { maxBytes: 10 })).rejects.toThrow(/more than 10 bytes/);
  });
});

describe('CIFAR-10 binary', () => {
  const record = (label: number, base: number) => Uint8Array.from([label, ...Array.from({ length: 3072 }, (_, i) => (base + i) % 256)]);
  it('splits records into labels and CHW images', () => {
    const bytes = new Uint8Array([...record(3, 0), ...record(9, 100)]);
    const p = parseCifar10(bytes);
    expect(p.count).toBe(2);
    expect(Array.from(p.labels)).toEqual([3, 9]);
    expect(p.images[3072]).toBe(100);
    expect(p.images[3072 + 1024]).toBe((100 + 1024) % 256); // first G value of the second image
  });
  it('rejects a short record and a bad label', () => {
    expect(() => parseCifar10(record(1, 0).slice(0, 3000))).toThrow(/not a whole number of 3073-byte records \(the last record is short by 73 bytes\)/);
    expect(() => parseCifar10(record(12, 0))).toThrow(/label 12/);
    expect(() => parseCifar10(new Uint8Array(0))).toThrow(/empty file/);
  });
});

describe('PNG', () => {
  it('decodes 8-bit gray, 16-bit gray, gray+alpha, RGB and RGBA written by pngjs', () => {
    const g8 = decodePng(pngBytes(3, 2, { colorType: 0, pixel: (x, y) => [x * 10 + y] }));
    expect([g8.width, g8.height, g8.channels, g8.data.constructor.name]).toEqual([3, 2, 1, 'Uint8Array']);
    expect(Array.from(g8.data)).toEqual([0, 10, 20, 1, 11, 21]);
    const g16 = decodePng(pngBytes(2, 2, { colorType: 0, bitDepth: 16, pixel: (x, y) => [x * 30000 + y * 1000 + 7] }));
    expect(g16.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(g16.data)).toEqual([7, 30007, 1007, 31007]);
    const rgb = decodePng(pngBytes(2, 1, { colorType: 2, pixel: (x) => [x, 100 + x, 200 + x] }));
    expect([rgb.channels, ...rgb.data]).toEqual([3, 0, 100, 200, 1, 101, 201]);
    const rgba = decodePng(pngBytes(2, 1, { colorType: 6, pixel: (x) => [x, 2, 3, 250 - x] }));
    expect([rgba.channels, ...rgba.data]).toEqual([4, 0, 2, 3, 250, 1, 2, 3, 249]);
    expect(Array.from(decodePng(pngBytes(2, 1, { colorType: 6, pixel: (x) => [x, 2, 3, 250 - x] }), { mode: 'RGB' }).data)).toEqual([0, 2, 3, 1, 2, 3]);
    const ga = decodePng(pngBytes(1, 1, { colorType: 4, pixel: () => [40, 90] }), { mode: 'RGB' });
    expect(Array.from(ga.data)).toEqual([40, 40, 40]);
    // PIL's L: (R*299 + G*587 + B*114) / 1000
    expect(Array.from(decodePng(pngBytes(1, 1, { colorType: 2, pixel: () => [255, 0, 0] }), { mode: 'L' }).data)).toEqual([76]);
  });
  it('rejects bad signatures, corrupt data and sizes the bytes cannot hold', () => {
    const ok = pngBytes(4, 4, { colorType: 0, pixel: () => [1] });
    expect(() => decodePng(Uint8Array.from([1, 2, 3]), { name: 'x.png' })).toThrow(/x.png: not a PNG file/);
    const corrupt = ok.slice(); corrupt[40] ^= 0xff;
    expect(() => decodePng(corrupt)).toThrow(FormatError);
    expect(() => decodePng(ok.slice(0, ok.length - 20))).toThrow(FormatError);
    const liar = ok.slice(); new DataView(liar.buffer).setUint32(16, 60000); new DataView(liar.buffer).setUint32(20, 60000);
    expect(() => decodePng(liar)).toThrow(/more than the 268435456 pixels allowed|more than its \d+ bytes can hold/);
    const wide = ok.slice(); new DataView(wide.buffer).setUint32(16, 500000);
    expect(() => decodePng(wide)).toThrow(/declares 500000x4 pixels, more than its \d+ bytes can hold/);
  });
});

describe('CSV and ChestX-ray14 metadata', () => {
  const csv = 'Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age\n'
    + '00000001_000.png,Cardiomegaly|Emphysema,0,1,58\n00000002_000.png,No Finding,0,2,81\r\n"00000003_000.png","Hernia",1,3,"7,5"\n';
  it('parses quoted fields and CRLF, and builds 14-way multi-hot labels', () => {
    expect(parseCsv('a,b\n"x,""y""",2\n').rows).toEqual([['x,"y"', '2']]);
    const e = parseChestXrayCsv(csv);
    expect(e.map((r) => r.image)).toEqual(['00000001_000.png', '00000002_000.png', '00000003_000.png']);
    expect(Array.from(e[0]!.labels)).toEqual(CHESTXRAY14_LABELS.map((l) => (l === 'Cardiomegaly' || l === 'Emphysema' ? 1 : 0)));
    expect(Array.from(e[1]!.labels).every((v) => v === 0)).toBe(true);
    expect(e[2]!.labels[13]).toBe(1);
    expect(e[2]!.patientId).toBe(3);
  });
  it('rejects missing columns, short rows, unknown findings and unterminated quotes', () => {
    expect(() => parseChestXrayCsv('Image Index,Finding Labels\na.png,Mass\n', 'd.csv')).toThrow(/d.csv: missing columns 'Follow-up #', 'Patient ID'/);
    expect(() => parseChestXrayCsv('Image Index,Finding Labels,Follow-up #,Patient ID\na.png,Mass\n')).toThrow(/line 2: 2 fields, the header has 4/);
    expect(() => parseChestXrayCsv('Image Index,Finding Labels,Follow-up #,Patient ID\na.png,Flu,0,1\n')).toThrow(/unknown finding 'Flu'/);
    expect(() => parseCsv('a\n"open')).toThrow(/unterminated quoted field/);
  });
  it('splits by patient: seeded, no patient on both sides', () => {
    const entries = Array.from({ length: 50 }, (_, i) => ({ image: `${i}.png`, labels: new Float32Array(14), patientId: i % 17, followUp: 0 }));
    const train = splitByPatient(entries, 'train', 4), test = splitByPatient(entries, 'test', 4);
    expect(train.length + test.length).toBe(50);
    const tp = new Set(test.map((e) => e.patientId));
    expect(tp.size).toBe(Math.round(17 * 0.2));
    expect(train.some((e) => tp.has(e.patientId))).toBe(false);
    expect(splitByPatient(entries, 'test', 4)).toEqual(test);
    expect(new Set(splitByPatient(entries, 'test', 5).map((e) => e.patientId))).not.toEqual(tp);
  });
});

describe('text: tokenizer, vocabulary, padding', () => {
  it('lowercases, strips <br />, splits on non-letters but keeps apostrophes', () => {
    expect(tokenize("Great movie!<br /><br />I didn't LIKE the end... 10/10")).toEqual(['great', 'movie', 'i', "didn't", 'like', 'the', 'end']);
  });
  it('indexes words by training frequency from 3, with 1 = start and 2 = out of vocabulary', () => {
    const v = Vocabulary.fromTexts([['b', 'a', 'b'], ['c', 'b', 'a', 'd']], 5);
    expect(v.words).toEqual(['b', 'a']);
    expect(v.encode(['a', 'b', 'zzz', 'c'])).toEqual([START, 4, 3, OOV, OOV]);
  });
  it('pads and truncates at the start by default, or at the end', () => {
    expect(Array.from(padSequence([1, 5, 6], 5))).toEqual([0, 0, 1, 5, 6]);
    expect(Array.from(padSequence([1, 5, 6, 7], 2))).toEqual([6, 7]);
    expect(Array.from(padSequence([1, 5, 6], 5, { padding: 'post' }))).toEqual([1, 5, 6, 0, 0]);
    expect(Array.from(padSequence([1, 5, 6, 7], 2, { truncating: 'post' }))).toEqual([1, 5]);
  });
  it('Generator: the same seed gives the same stream', () => {
    const a = new Generator(1), b = new Generator(1);
    expect([a.uniform(), a.uniform()]).toEqual([b.uniform(), b.uniform()]);
    expect(new Generator(1).permutation(10)).not.toEqual(new Generator(2).permutation(10));
  });
});
