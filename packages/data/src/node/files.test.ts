import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CIFAR10, ChestXray14, FashionMNIST, FormatError, IMDB, MNIST, SizeLimitError, encodeIdx, readBytes } from '@flint/data/node';
import { corpus, corpusPath } from '../testing/corpus.js';
import { pngBytes, tempDir, writeFile } from '../testing/files.js';

/** The error `f` throws. */
function failure(f: () => unknown): Error {
  try { f(); } catch (e) { return e as Error; }
  throw new Error('expected a failure');
}

const header = 'Image Index,Finding Labels,Follow-up #,Patient ID\n';

describe('decompression: only .gz files, always under a cap the datasets expose', () => {
  it('a gzip bomb named .png is read as it is, not gunzipped', () => {
    const bytes = readBytes(corpusPath('hostile/bomb/gzip-bomb.png'));
    expect(bytes.length).toBe(4098);
    const root = tempDir('cxr-bomb');
    writeFile(join(root, 'Data_Entry_2017.csv'), `${header}bomb.png,Mass,0,1\n`);
    mkdirSync(join(root, 'images'));
    copyFileSync(corpusPath('hostile/bomb/gzip-bomb.png'), join(root, 'images', 'bomb.png'));
    const ds = new ChestXray14(root);
    expect(() => ds.getItem(0)).toThrow(/bomb\.png: not a PNG file \(bad signature; these bytes are gzip data\)/);
  });
  it('MNIST and CIFAR10 take maxBytes; a bomb over it fails fast with a SizeLimitError naming the file and the cap', () => {
    const root = tempDir('bombs');
    copyFileSync(corpusPath('hostile/bomb/train-images-idx3-ubyte.gz'), join(root, 'train-images-idx3-ubyte.gz'));
    writeFile(join(root, 'train-labels-idx1-ubyte'), encodeIdx([1], Uint8Array.of(1)));
    copyFileSync(corpusPath('hostile/bomb/data_batch_1.bin.gz'), join(root, 'data_batch_1.bin.gz'));
    for (const make of [() => new MNIST(root, { maxBytes: 2 ** 20 }), () => new FashionMNIST(root, { maxBytes: 2 ** 20 }), () => new CIFAR10(root, { maxBytes: 2 ** 20 })]) {
      const start = Date.now();
      const e = failure(make);
      expect(e).toBeInstanceOf(SizeLimitError);
      expect(e.message).toMatch(new RegExp(`^${root}/(train-images-idx3-ubyte|data_batch_1\\.bin)\\.gz: decompresses to more than 1048576 bytes \\(maxBytes\\); pass a larger maxBytes`));
      expect(Date.now() - start).toBeLessThan(2000);
    }
    // under a cap it can hold, the bomb inflates (4 MiB of zeros) and is then not an IDX file
    expect(() => new MNIST(root, { maxBytes: 2 ** 23 })).toThrow(/train-images-idx3-ubyte\.gz: bad magic number 0x00000000/);
    expect(() => readBytes(join(root, 'train-images-idx3-ubyte.gz'), { maxBytes: 100 })).toThrow(SizeLimitError);
  });
  it('a 1 GiB bomb (1024 gzip members of 1 MiB of zeros, 1 MB on disk) stops at the cap: fast, and memory stays near it', () => {
    const member = gzipSync(new Uint8Array(2 ** 20));
    const path = join(tempDir('big-bomb'), 'train-images-idx3-ubyte.gz');
    writeFile(path, new Uint8Array(Buffer.concat(Array.from({ length: 1024 }, () => member))));
    const rss = process.memoryUsage().rss, start = Date.now();
    const e = failure(() => readBytes(path, { maxBytes: 8 * 2 ** 20 }));
    expect(e).toBeInstanceOf(SizeLimitError);
    expect((e as SizeLimitError).limit).toBe(8 * 2 ** 20);
    expect(e.message).toMatch(/decompresses to more than 8388608 bytes \(maxBytes\)/);
    expect(Date.now() - start).toBeLessThan(1000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(256 * 2 ** 20);
  });
  it('CIFAR10 also reads gzip-compressed batches named .bin.gz', () => {
    const root = tempDir('cifar-gz');
    const rec = Uint8Array.from({ length: 3073 }, (_, i) => (i === 0 ? 4 : i % 256));
    for (let b = 1; b <= 5; b++) writeFile(join(root, `data_batch_${b}.bin.gz`), new Uint8Array(gzipSync(rec)));
    expect(new CIFAR10(root).length).toBe(5);
    expect(new CIFAR10(root).getItem(0)[1]).toBe(4);
  });
});

describe('a directory where a file belongs: the path and what was expected', () => {
  it('MNIST, CIFAR10', () => {
    const root = tempDir('dirs');
    mkdirSync(join(root, 'train-images-idx3-ubyte.gz'));
    writeFile(join(root, 'train-labels-idx1-ubyte'), encodeIdx([1], Uint8Array.of(1)));
    const e = failure(() => new MNIST(root));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toBe(`${join(root, 'train-images-idx3-ubyte.gz')}: is a directory; expected MNIST's images file (IDX)`);
    mkdirSync(join(root, 'data_batch_1.bin'));
    expect(() => new CIFAR10(root)).toThrow(`${join(root, 'data_batch_1.bin')}: is a directory; expected a CIFAR-10 binary batch file`);
  });
  it('ChestXray14: the CSV, a split list, an image', () => {
    const root = tempDir('cxr-dirs');
    mkdirSync(join(root, 'Data_Entry_2017.csv'));
    expect(() => new ChestXray14(root)).toThrow(`${join(root, 'Data_Entry_2017.csv')}: is a directory; expected ChestX-ray14's metadata CSV`);
    const root2 = tempDir('cxr-dirs2');
    writeFile(join(root2, 'Data_Entry_2017.csv'), `${header}a.png,Mass,0,1\nb.png,Mass,0,2\n`);
    mkdirSync(join(root2, 'train_val_list.txt'));
    expect(() => new ChestXray14(root2)).toThrow(`${join(root2, 'train_val_list.txt')}: is a directory; expected ChestX-ray14's list of train images`);
    const root3 = tempDir('cxr-dirs3');
    writeFile(join(root3, 'Data_Entry_2017.csv'), `${header}a.png,Mass,0,1\n`);
    mkdirSync(join(root3, 'images', 'a.png'), { recursive: true });
    expect(() => new ChestXray14(root3).getItem(0)).toThrow(`${join(root3, 'images', 'a.png')}: is a directory; expected a PNG image`);
  });
  it('IMDB: a review', () => {
    const root = tempDir('imdb-dirs');
    writeFile(join(root, 'train', 'neg', '0_1.txt'), 'bad');
    mkdirSync(join(root, 'train', 'pos', '0_9.txt'), { recursive: true });
    expect(() => new IMDB(root)).toThrow(`${join(root, 'train', 'pos', '0_9.txt')}: is a directory; expected an IMDB review (text)`);
  });
});

describe('readers of real trees with hostile files', () => {
  it('IMDB decodes Latin-1 and UTF-16 reviews into whole words', () => {
    const root = tempDir('imdb-enc');
    writeFile(join(root, 'train', 'pos', '0_9.txt'), corpus('hostile/text/latin1.txt'));
    writeFile(join(root, 'train', 'pos', '1_9.txt'), corpus('hostile/text/utf16le-bom.txt'));
    writeFile(join(root, 'train', 'neg', '0_1.txt'), corpus('hostile/text/windows1252.txt'));
    const ds = new IMDB(root, { vocabSize: 50, maxLen: 8 });
    for (const w of ['café', 'naïve', 'résumé', 'great', 'film']) expect(ds.vocabulary.words).toContain(w);
    expect(ds.vocabulary.words).not.toContain('caf');
    writeFile(join(root, 'train', 'neg', '1_1.txt'), corpus('hostile/text/utf16le-no-bom.txt'));
    expect(() => new IMDB(root)).toThrow(`${join(root, 'train', 'neg', '1_1.txt')}: NUL byte at offset 1`);
  });
  it('ChestXray14: an empty Patient ID is reported with the file, line and column', () => {
    const root = tempDir('cxr-csv');
    copyFileSync(corpusPath('hostile/csv/empty-patient-id.csv'), join(root, 'Data_Entry_2017.csv'));
    writeFile(join(root, 'images', '00000001_000.png'), pngBytes(1, 1, { colorType: 0, pixel: () => [1] }));
    expect(() => new ChestXray14(root)).toThrow(`${join(root, 'Data_Entry_2017.csv')}, line 3, column 4 ('Patient ID'): empty`);
  });
});
