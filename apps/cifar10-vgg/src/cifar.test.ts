// The CIFAR-10 VGG app end to end: the CLI on synthetic data, the binary format on tiny files, the model.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@flint/backend-cpu';
import { manualSeed, randint, randn, type Tensor } from '@flint/core';
import type { RawImage } from '@flint/data';
import { CrossEntropyLoss } from '@flint/nn';
import { SGD } from '@flint/optim';
import { SyntheticBatches } from '@flint/app-kit';
import { CIFAR10_MEAN, CIFAR10_STD, collateCifar } from './data.js';
import { CifarVgg } from './model.js';
import { lossesOf, memoryAcrossSteps, readMetrics, runCli, tempDir } from '@flint/app-kit/testing';
import { train } from './train.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));

describe('cifar10-vgg', () => {
  it('runs end to end on --synthetic data under --limit, saying so, and writes metrics.json and curves.svg', async () => {
    const out = tempDir('vgg-cli');
    const r = await runCli(appDir, ['--synthetic', '--limit', '2', '--batch-size', '8', '--epochs', '1', '--out', out]);
    expect(r.stderr.includes('Error') ? r.stderr : '').toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('SYNTHETIC');
    expect(r.stdout).toMatch(/epoch 1\/1 {2}train [\d.]+ s, [\d.]+ samples\/s, loss [\d.]+, accuracy/);
    const m = readMetrics(out);
    expect(m.epochs[0]!.train.samples).toBe(16);
    expect(m.epochs[0]!.test.samples).toBe(16);
    for (const l of lossesOf(m)) expect(Number.isFinite(l)).toBe(true);
    expect(existsSync(join(out, 'curves.svg'))).toBe(true);
  });

  it('lists its flags in --help and refuses to run with neither --data nor --synthetic', async () => {
    const help = await runCli(appDir, ['--help']);
    expect(help.code).toBe(0);
    for (const f of ['--data', '--synthetic', '--backend', '--epochs', '--batch-size', '--limit', '--out']) expect(help.stdout).toContain(f);
    const bad = await runCli(appDir, ['--epochs', '1']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('give --data DIR');
  });

  it('trains on the CIFAR-10 binary format (data_batch_1..5.bin, test_batch.bin)', async () => {
    const root = tempDir('vgg-data');
    mkdirSync(root, { recursive: true });
    // records: 1 label byte + 3072 bytes of R, G, B planes
    const records = (n: number, seed: number) => {
      const b = new Uint8Array(n * 3073);
      for (let i = 0; i < b.length; i++) b[i] = (i * 31 + seed * 7) % 256;
      for (let r = 0; r < n; r++) b[r * 3073] = (r + seed) % 10;
      return b;
    };
    for (let k = 1; k <= 5; k++) writeFileSync(join(root, `data_batch_${k}.bin`), records(3, k));
    writeFileSync(join(root, 'test_batch.bin'), records(5, 9));
    const out = tempDir('vgg-out');
    const records_ = await train({ data: root, synthetic: false, backend: 'cpu', epochs: 1, batchSize: 4, limit: 2, workers: 0, seed: 0, out });
    expect(records_[0]!.train.samples).toBe(8); // 15 training images, at most 2 batches of 4
    expect(records_[0]!.test.samples).toBe(5); // 5 test images: one batch of 4, one of 1
    const m = readMetrics(out);
    expect(m.synthetic).toBe(false);
    expect(m.source).toBe(root);
    for (const l of lossesOf(m)) expect(Number.isFinite(l)).toBe(true);
  });

  it('normalises each channel with the CIFAR-10 mean and std into [N, 3, 32, 32]', async () => {
    const data = new Uint8Array(32 * 32 * 3);
    data[0] = 255; data[1] = 0; data[2] = 128; // pixel (0, 0): R, G, B
    const [x, y] = collateCifar([[{ data, height: 32, width: 32, channels: 3 } satisfies RawImage, 7]]);
    expect(x.shape).toEqual([1, 3, 32, 32]);
    const v = (await x.data()) as Float32Array;
    expect(v[0]).toBeCloseTo((1 - CIFAR10_MEAN[0]) / CIFAR10_STD[0], 5);
    expect(v[1024]).toBeCloseTo((0 - CIFAR10_MEAN[1]) / CIFAR10_STD[1], 5);
    expect(v[2048]).toBeCloseTo((128 / 255 - CIFAR10_MEAN[2]) / CIFAR10_STD[2], 5);
    expect(await y.tolist()).toEqual([7]);
    x.dispose(); y.dispose();
  });

  it('is the benchmark network: 3,441,592 parameters, torch Sequential names, 10 logits', () => {
    manualSeed(0);
    const model = new CifarVgg();
    const sd = model.stateDict();
    expect(Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, t.shape]))).toEqual({
      'features.0.weight': [50, 3, 3, 3], 'features.0.bias': [50], 'features.2.weight': [50, 50, 3, 3], 'features.2.bias': [50],
      'features.6.weight': [100, 50, 3, 3], 'features.6.bias': [100], 'features.8.weight': [100, 100, 3, 3], 'features.8.bias': [100],
      'classifier.1.weight': [512, 6400], 'classifier.1.bias': [512], 'classifier.4.weight': [10, 512], 'classifier.4.bias': [10],
    });
    expect([...model.parameters()].reduce((a, p) => a + p.numel(), 0)).toBe(3_441_592);
    const x = randn([2, 3, 32, 32]), out = model.eval().call(x);
    expect(out.shape).toEqual([2, 10]);
    x.dispose(); out.dispose(); model.dispose();
  });

  it('keeps memory flat across training and evaluation steps', async () => {
    manualSeed(0);
    const model = new CifarVgg(), lossFn = new CrossEntropyLoss();
    const task = { model, optimizer: new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 }), loss: (o: Tensor, y: Tensor) => lossFn.call(o, y), metric: 'accuracy' as const };
    const batches = (n: number) => new SyntheticBatches(n * 4, 4, (k): [Tensor, Tensor] => [randn([k, 3, 32, 32]), randint(0, 10, [k], { dtype: 'int32' })]);
    const { before, after } = await memoryAcrossSteps(task, batches);
    expect(after).toEqual(before);
    task.optimizer.dispose(); model.dispose();
  });
});
