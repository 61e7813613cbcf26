// The ChestX-ray14 DenseNet app end to end: the CLI on synthetic data at a small crop, and the released
// layout (Data_Entry_2017.csv + images/*.png) decoded and augmented in a DataLoader worker thread.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import '@flint/backend-cpu';
import { CHESTXRAY14_LABELS } from '@flint/data';
import { lossesOf, readMetrics, runCli, tempDir } from '@flint/app-kit/testing';
import { chestXrayBatches } from './data.js';
import { IMAGENET_MEAN, IMAGENET_STD, toNormalisedRgb } from './dataset.js';
import { train } from './train.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));

/** A grayscale 8-bit PNG written by pngjs's encoder (independent of @flint/data's decoder under test). */
function grayPng(width: number, height: number, value: (x: number, y: number) => number): Buffer {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
  const data = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = value(x, y);
  png.data = data;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
}

function chestXrayTree(): string {
  const root = tempDir('cxr-data');
  mkdirSync(join(root, 'images'), { recursive: true });
  const header = 'Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age,Patient Gender,View Position,OriginalImage[Width,Height],OriginalImagePixelSpacing[x,y]';
  const findings = ['Cardiomegaly|Effusion', 'No Finding', 'Hernia', 'Mass|Nodule', 'Effusion', 'No Finding', 'Cardiomegaly', 'Atelectasis|Effusion'];
  const rows = findings.map((f, i) => `0000000${i}_000.png,${f},0,${i},50,M,PA,2500,2048,0.171,0.171`);
  writeFileSync(join(root, 'Data_Entry_2017.csv'), `${[header, ...rows].join('\n')}\n`);
  findings.forEach((_, i) => writeFileSync(join(root, 'images', `0000000${i}_000.png`), grayPng(48, 40, (x, y) => (x * 5 + y * 3 + i * 20) % 256)));
  writeFileSync(join(root, 'train_val_list.txt'), `${rows.slice(0, 5).map((r) => r.split(',')[0]).join('\n')}\n`);
  writeFileSync(join(root, 'test_list.txt'), `${rows.slice(5).map((r) => r.split(',')[0]).join('\n')}\n`);
  return root;
}

describe('chestxray-densenet', () => {
  it('runs end to end on --synthetic data (batch 2, 64x64 crops) under --limit and writes metrics.json and curves.svg', async () => {
    const out = tempDir('cxr-cli');
    const r = await runCli(appDir, ['--synthetic', '--limit', '2', '--batch-size', '2', '--image-size', '64', '--epochs', '1', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('SYNTHETIC');
    expect(r.stdout).toMatch(/eval [\d.]+ s, [\d.]+ samples\/s, loss [\d.]+, mean AUC/);
    const m = readMetrics(out);
    expect(m.parameters).toBe(6_968_206);
    expect(m.epochs[0]!.train.samples).toBe(4);
    for (const l of lossesOf(m)) expect(Number.isFinite(l)).toBe(true);
    expect(existsSync(join(out, 'curves.svg'))).toBe(true);
  });

  it('trains on Data_Entry_2017.csv + images/*.png with a worker thread decoding and cropping', async () => {
    const root = chestXrayTree(), out = tempDir('cxr-out');
    const records = await train({ data: root, synthetic: false, backend: 'cpu', epochs: 1, batchSize: 2, limit: 2, workers: 1, seed: 0, out, imageSize: 32 });
    expect(records[0]!.train.samples).toBe(4);
    expect(records[0]!.test.samples).toBe(3);
    const m = readMetrics(out);
    expect(m.source).toBe(root);
    for (const l of lossesOf(m)) expect(Number.isFinite(l)).toBe(true);
    expect(Object.keys(m.epochs[0]!.test.perLabelAuc!)).toEqual([...CHESTXRAY14_LABELS]);
  });

  it('makes normalised [N, 3, S, S] crops and 14-way multi-hot labels, the same with and without workers', async () => {
    const root = chestXrayTree();
    const config = { data: root, synthetic: false, backend: 'cpu', epochs: 1, batchSize: 3, limit: undefined, seed: 0, out: '', imageSize: 16 };
    const read = async (workers: number) => {
      const got: number[][] = [];
      for await (const [x, y] of chestXrayBatches({ ...config, workers }).test) {
        expect(x.shape).toEqual([3, 3, 16, 16]);
        got.push([...((await x.data()) as Float32Array)], [...((await y.data()) as Float32Array)]);
        x.dispose(); y.dispose();
      }
      return got;
    };
    const inline = await read(0);
    expect(await read(1)).toEqual(inline);
    // test images 5..7: No Finding, Cardiomegaly, Atelectasis|Effusion
    const labels = inline[1]!, at = (row: number, name: string) => labels[row * 14 + CHESTXRAY14_LABELS.indexOf(name as never)];
    expect(labels.slice(0, 14).every((v) => v === 0)).toBe(true);
    expect([at(1, 'Cardiomegaly'), at(2, 'Atelectasis'), at(2, 'Effusion'), at(2, 'Mass')]).toEqual([1, 1, 1, 0]);
    // gray replicated to three channels, each with its own ImageNet statistics
    const px = inline[0]![0]!, gray = ((px * IMAGENET_STD[0]) + IMAGENET_MEAN[0]);
    expect(inline[0]![256]).toBeCloseTo((gray - IMAGENET_MEAN[1]) / IMAGENET_STD[1], 4);
  });

  it('normalises a grayscale image into three ImageNet channels', () => {
    const v = toNormalisedRgb({ data: Uint8Array.from([0, 255]), height: 1, width: 2, channels: 1 });
    expect([...v].map((x) => Number(x.toFixed(4)))).toEqual([0, 1, 0, 1, 0, 1].map((p, i) => Number(((p - IMAGENET_MEAN[i >> 1]!) / IMAGENET_STD[i >> 1]!).toFixed(4))));
  });
});
