import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import * as F from '@flint/core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { CHESTXRAY14_LABELS, CIFAR10, ChestXray14, Compose, DataLoader, FashionMNIST, IMDB, MNIST, Resize, Subset, ToTensor, encodeIdx } from '@flint/data/node';
import type { RawImage } from '@flint/data/node';
import { build } from '../testing/mnist-worker.js';
import { pngBytes, tempDir, writeFile } from '../testing/files.js';

/** n images of h x w whose pixel k of image i is (i * 7 + k) % 256, labels i % 10. */
function writeMnist(root: string, n: number, h: number, w: number, gz: boolean, prefix = 'train'): void {
  const images = encodeIdx([n, h, w], Uint8Array.from({ length: n * h * w }, (_, j) => (Math.floor(j / (h * w)) * 7 + (j % (h * w))) % 256));
  const labels = encodeIdx([n], Uint8Array.from({ length: n }, (_, i) => i % 10));
  const z = (b: Uint8Array) => (gz ? new Uint8Array(gzipSync(b)) : b);
  writeFile(join(root, `${prefix}-images-idx3-ubyte${gz ? '.gz' : ''}`), z(images));
  writeFile(join(root, `${prefix}-labels-idx1-ubyte${gz ? '.gz' : ''}`), z(labels));
}

describe('MNIST / Fashion-MNIST files', () => {
  it('reads gzipped and plain IDX files, items are [RawImage, label]', () => {
    for (const gz of [true, false]) {
      const root = tempDir('mnist');
      writeMnist(root, 5, 3, 4, gz, 't10k');
      const ds = new MNIST(root, { train: false });
      expect(ds.length).toBe(5);
      const [img, label] = ds.getItem(2);
      expect([img.height, img.width, img.channels, label]).toEqual([3, 4, 1, 2]);
      expect(Array.from(img.data)).toEqual(Array.from({ length: 12 }, (_, k) => 14 + k));
    }
  });
  it('finds torchvision\'s root/FashionMNIST/raw layout and says which files are missing', () => {
    const root = tempDir('fmnist');
    writeMnist(join(root, 'FashionMNIST', 'raw'), 3, 2, 2, true);
    expect(new FashionMNIST(root).length).toBe(3);
    expect(() => new FashionMNIST(root, { train: false })).toThrow(/file not found; tried .*t10k-images-idx3-ubyte\.gz/);
  });
  it('rejects a truncated gzip file and declared dims larger than the file', () => {
    const root = tempDir('bad');
    writeMnist(root, 4, 2, 2, true);
    const full = gzipSync(encodeIdx([4, 2, 2], new Uint8Array(16)));
    writeFile(join(root, 'train-images-idx3-ubyte.gz'), new Uint8Array(full.subarray(0, full.length - 12)));
    expect(() => new MNIST(root)).toThrow(/train-images-idx3-ubyte\.gz: corrupt or truncated gzip data/);
    writeFile(join(root, 'train-images-idx3-ubyte.gz'), new Uint8Array(gzipSync(encodeIdx([400000, 28, 28], new Uint8Array(16)))));
    expect(() => new MNIST(root)).toThrow(/truncated: dims \[400000, 28, 28\] need 313600016 bytes, the file has 32/);
  });
});

const realRoot = '/usr/share/datasets/fashion-mnist';
describe('the real Fashion-MNIST (Debian dataset-fashion-mnist)', () => {
  it.skipIf(!existsSync(join(realRoot, 'train-images-idx3-ubyte.gz')))(`reads ${realRoot}`, async () => {
    const train = new FashionMNIST(realRoot, { train: true, transform: new ToTensor() });
    const test = new FashionMNIST(realRoot, { train: false });
    expect([train.length, test.length]).toEqual([60000, 10000]);
    expect([test.height, test.width]).toEqual([28, 28]);
    const counts = new Array(10).fill(0);
    for (const l of train.labels) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(6000));
    const [x, y] = train.getItem(0);
    expect(x.shape).toEqual([1, 28, 28]);
    expect(y).toBe(9); // the first training image is an ankle boot
    const max = x.max(); expect(await max.item()).toBeLessThanOrEqual(1); max.dispose(); x.dispose();
  });
  if (!existsSync(realRoot)) it.skip(`real Fashion-MNIST not installed at ${realRoot} (apt-get install dataset-fashion-mnist)`, () => {});
});

describe('CIFAR-10 files', () => {
  it('reads data_batch_1..5.bin / test_batch.bin into HWC images', () => {
    const root = tempDir('cifar');
    const rec = (label: number, v: number) => [label, ...new Array(1024).fill(v), ...new Array(1024).fill(v + 1), ...new Array(1024).fill(v + 2)];
    for (let b = 1; b <= 5; b++) writeFile(join(root, 'cifar-10-batches-bin', `data_batch_${b}.bin`), Uint8Array.from([...rec(b, b * 10), ...rec(0, 0)]));
    writeFile(join(root, 'cifar-10-batches-bin', 'test_batch.bin'), Uint8Array.from(rec(7, 50)));
    const train = new CIFAR10(root);
    expect(train.length).toBe(10);
    const [img, y] = train.getItem(2);
    expect([y, img.height, img.width, img.channels, ...img.data.slice(0, 6)]).toEqual([2, 32, 32, 3, 20, 21, 22, 20, 21, 22]);
    expect(new CIFAR10(root, { train: false }).getItem(0)[1]).toBe(7);
    writeFile(join(root, 'cifar-10-batches-bin', 'test_batch.bin'), Uint8Array.from(rec(7, 50).slice(0, 3000)));
    expect(() => new CIFAR10(root, { train: false })).toThrow(/not a whole number of 3073-byte records/);
  });
});

describe('ChestX-ray14 files', () => {
  const header = 'Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age,Patient Gender,View Position,OriginalImage[Width,Height],OriginalImagePixelSpacing[x,y]\n';
  function tree(official: boolean): string {
    const root = tempDir('cxr');
    const rows = ['00000001_000.png,Cardiomegaly|Effusion,0,1,58,M,PA,2682,2749,0.143,0.143', '00000001_001.png,No Finding,1,1,58,M,PA,2682,2749,0.143,0.143',
      '00000002_000.png,Hernia,0,2,81,F,AP,2500,2048,0.171,0.171', '00000003_000.png,Mass|Nodule,0,3,40,F,PA,2500,2048,0.171,0.171'];
    writeFile(join(root, 'Data_Entry_2017.csv'), header + rows.join('\n') + '\n');
    writeFile(join(root, 'images', '00000001_000.png'), pngBytes(4, 3, { colorType: 0, pixel: (x, y) => [x + 10 * y] }));
    writeFile(join(root, 'images', '00000001_001.png'), pngBytes(4, 3, { colorType: 0, bitDepth: 16, pixel: (x) => [x * 1000] }));
    writeFile(join(root, 'images_002', 'images', '00000002_000.png'), pngBytes(4, 3, { colorType: 6, pixel: () => [1, 2, 3, 255] }));
    writeFile(join(root, 'images', '00000003_000.png'), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
    if (official) {
      writeFile(join(root, 'train_val_list.txt'), '00000001_000.png\n00000001_001.png\n00000002_000.png\n');
      writeFile(join(root, 'test_list.txt'), '00000003_000.png\n');
    }
    return root;
  }
  it('uses the official lists, multi-hot labels, and decodes 8/16-bit gray and RGBA PNGs', async () => {
    const root = tree(true);
    const train = new ChestXray14(root, { split: 'train' });
    expect([train.length, train.officialSplit]).toEqual([3, true]);
    const [img, labels] = (await train.getItem(0)) as [RawImage, Float32Array];
    expect([img.width, img.height, img.channels, ...img.data.slice(0, 5)]).toEqual([4, 3, 1, 0, 1, 2, 3, 10]);
    expect(CHESTXRAY14_LABELS.filter((_, i) => labels[i] === 1)).toEqual(['Cardiomegaly', 'Effusion']);
    expect((train.getItem(1) as [RawImage, Float32Array])[0].data).toBeInstanceOf(Uint16Array);
    const rgb = new ChestXray14(root, { split: 'train', mode: 'RGB', transform: new Compose([new ToTensor(), new Resize([2, 2])]) });
    const [x] = rgb.getItem(2) as [F.Tensor, Float32Array];
    expect(x.shape).toEqual([3, 2, 2]);
    expect(await x.tolist()).toEqual([[[1 / 255, 1 / 255], [1 / 255, 1 / 255]], [[2 / 255, 2 / 255], [2 / 255, 2 / 255]], [[3 / 255, 3 / 255], [3 / 255, 3 / 255]]].map((c) => c.map((r) => r.map(Math.fround))));
    x.dispose();
    const test = new ChestXray14(root, { split: 'test' });
    expect(() => test.getItem(0)).toThrow(/00000003_000.png: not a PNG file/);
  });
  it('splits by patient (seeded) when the lists are missing, and reports missing columns', () => {
    const root = tree(false);
    const train = new ChestXray14(root, { split: 'train', seed: 3, testFraction: 0.34 }), test = new ChestXray14(root, { split: 'test', seed: 3, testFraction: 0.34 });
    expect(train.officialSplit).toBe(false);
    expect(train.length + test.length).toBe(4);
    const trainPatients = new Set(train.entries.map((e) => e.patientId));
    expect(test.entries.some((e) => trainPatients.has(e.patientId))).toBe(false);
    writeFile(join(root, 'Data_Entry_2017.csv'), 'Image Index,Finding Labels\nx.png,Mass\n');
    expect(() => new ChestXray14(root)).toThrow(/missing columns 'Follow-up #', 'Patient ID'/);
  });
});

describe('IMDB files', () => {
  it('builds the vocabulary from training reviews and pads at the start', () => {
    const root = tempDir('imdb');
    const put = (split: string, lab: string, name: string, text: string) => writeFile(join(root, 'aclImdb', split, lab, name), text);
    put('train', 'pos', '0_9.txt', 'A great, great film.<br /><br />Great!');
    put('train', 'pos', '1_8.txt', 'great acting');
    put('train', 'neg', '0_2.txt', "Bad film. Didn't like it");
    put('test', 'pos', '0_10.txt', 'great unknownword film');
    put('test', 'neg', '0_1.txt', 'bad');
    const train = new IMDB(root, { vocabSize: 6, maxLen: 5 });
    // counts: great 4, film 2, a/acting/bad/didn't/it/like 1 → great=3, film=4, a=5 (ties alphabetical)
    expect(train.vocabulary.words).toEqual(['great', 'film', 'a']);
    expect(train.labels).toEqual([0, 1, 1]);
    expect(Array.from(train.getItem(0)[0])).toEqual([2, 4, 2, 2, 2]); // start + 'bad film didn't like it' truncated at the start
    expect(Array.from(train.getItem(2)[0])).toEqual([0, 0, 1, 3, 2]); // [start, great, acting → OOV] padded at the start
    const test = new IMDB(root, { split: 'test', vocabSize: 6, maxLen: 4, padding: 'post' });
    expect(Array.from(test.getItem(1)[0])).toEqual([1, 3, 2, 4]);
    expect(Array.from(test.getItem(0)[0])).toEqual([1, 2, 0, 0]);
    expect(() => new IMDB(join(root, 'nope'))).toThrow(/aclImdb\/\{train,test\}\/\{pos,neg\} layout/);
  });
});

describe('DataLoader with worker threads', () => {
  const workerModule = fileURLToPath(new URL('../testing/mnist-worker.ts', import.meta.url));
  async function batches(loader: DataLoader<[F.Tensor, number], [F.Tensor, F.Tensor]>): Promise<unknown[]> {
    const out: unknown[] = [];
    for await (const [x, y] of loader) { out.push([x.shape, Array.from(x.dataSync() as Float32Array), await y.tolist()]); x.dispose(); y.dispose(); }
    return out;
  }
  it('numWorkers = 2 gives the same batches as numWorkers = 0, random transforms included, and leaks nothing', async () => {
    const root = tempDir('workers');
    writeMnist(root, 23, 5, 5, true);
    const opts = { batchSize: 4, shuffle: true, seed: 9 } as const;
    const main = new DataLoader(build(root, true), opts);
    const before = F.memory().tensors;
    const inline = await batches(main);
    const threaded = new DataLoader(build(root, true), { ...opts, numWorkers: 2, worker: { module: workerModule, export: 'build', args: [root, true] } });
    const viaWorkers = await batches(threaded);
    expect(viaWorkers.length).toBe(6);
    expect(viaWorkers).toEqual(inline);
    expect((viaWorkers[0] as unknown[])[0]).toEqual([4, 1, 4, 4]);
    // a second epoch differs from the first, and still agrees across numWorkers
    expect(await batches(threaded)).toEqual(await batches(main));
    expect(F.memory().tensors).toBe(before);
  });
  it('rebuilds built-in datasets (and Subsets of them) from workerInit', async () => {
    const root = tempDir('builtin');
    writeMnist(root, 10, 2, 2, false);
    const ds = new Subset(new MNIST(root), [9, 3, 5]);
    const collate = (items: [RawImage, number][]) => items.map(([img, y]) => [Array.from(img.data), y]);
    const out: unknown[] = [];
    for await (const b of new DataLoader(ds, { batchSize: 2, numWorkers: 2, collate })) out.push(b);
    expect(out).toEqual([[[Array.from(new MNIST(root).getItem(9)[0].data), 9], [Array.from(new MNIST(root).getItem(3)[0].data), 3]], [[Array.from(new MNIST(root).getItem(5)[0].data), 5]]]);
  });
  it('reports a dataset that cannot be rebuilt, or whose worker fails to build it', async () => {
    const root = tempDir('fail');
    writeMnist(root, 4, 2, 2, false);
    const withTransform = new MNIST(root, { transform: new ToTensor() });
    await expect(async () => { for await (const _ of new DataLoader(withTransform, { numWorkers: 1 })) break; }).rejects.toThrow(/has no workerInit\(\); pass \{ worker/);
    const failing = new DataLoader(withTransform, { numWorkers: 1, worker: { module: workerModule, export: 'Failing' } });
    await expect(async () => { for await (const _ of failing) break; }).rejects.toThrow(/could not build the dataset:[\s\S]*cannot build this dataset/);
  });
});
