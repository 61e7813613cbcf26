// The IMDB GRU app end to end: the CLI on synthetic data, the aclImdb layout on a few reviews, the model.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@flint/backend-cpu';
import { manualSeed, randint, type Tensor } from '@flint/core';
import { CrossEntropyLoss } from '@flint/nn';
import { Adam } from '@flint/optim';
import { SyntheticBatches } from '@flint/app-kit';
import { lossesOf, memoryAcrossSteps, readMetrics, runCli, tempDir } from '@flint/app-kit/testing';
import { collateImdb, imdbBatches } from './data.js';
import { ImdbGru } from './model.js';
import { train } from './train.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));

function aclImdb(): string {
  const root = tempDir('imdb-data');
  const reviews: Record<string, string[]> = {
    'train/pos': ['A wonderful film, truly great.<br /><br />Loved it.', 'Great acting and a great story.', 'Best movie of the year!'],
    'train/neg': ['Terrible. Just terrible.', "Boring plot; I couldn't finish it.", 'The worst film I have seen.'],
    'test/pos': ['Great fun, wonderful cast.', 'Loved every minute.'],
    'test/neg': ['Awful and boring.', 'Terrible acting.'],
  };
  for (const [dir, texts] of Object.entries(reviews)) {
    mkdirSync(join(root, 'aclImdb', dir), { recursive: true });
    // released names: <id>_<rating>.txt
    texts.forEach((t, i) => writeFileSync(join(root, 'aclImdb', dir, `${i}_${dir.endsWith('pos') ? 8 : 2}.txt`), t));
  }
  return root;
}

describe('imdb-gru', () => {
  it('runs end to end on --synthetic data under --limit, saying so, and writes metrics.json and curves.svg', async () => {
    const out = tempDir('gru-cli');
    const r = await runCli(appDir, ['--synthetic', '--limit', '2', '--batch-size', '8', '--epochs', '1', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('SYNTHETIC');
    expect(r.stdout).toMatch(/epoch 1\/1 {2}train [\d.]+ s, [\d.]+ samples\/s, loss [\d.]+, accuracy/);
    const m = readMetrics(out);
    expect(m.epochs[0]!.train.samples).toBe(16);
    for (const l of lossesOf(m)) expect(Number.isFinite(l)).toBe(true);
    expect(existsSync(join(out, 'curves.svg'))).toBe(true);
  });

  it('trains on the aclImdb/{train,test}/{pos,neg}/*.txt layout', async () => {
    const root = aclImdb(), out = tempDir('gru-out');
    const records = await train({ data: root, synthetic: false, backend: 'cpu', epochs: 1, batchSize: 2, limit: 2, workers: 0, seed: 0, out });
    expect(records[0]!.train.samples).toBe(4);
    expect(records[0]!.test.samples).toBe(4);
    const m = readMetrics(out);
    expect(m.source).toBe(root);
    for (const l of lossesOf(m)) expect(Number.isFinite(l)).toBe(true);
  });

  it('feeds the GRU sequences of 150 word indices, padded at the start, with the vocabulary from training reviews', async () => {
    const root = aclImdb();
    const { test } = imdbBatches({ data: root, synthetic: false, backend: 'cpu', epochs: 1, batchSize: 4, limit: undefined, workers: 0, seed: 0, out: '' });
    const seen: number[][] = [];
    for await (const [x, y] of test) {
      expect(x.shape).toEqual([4, 150]);
      expect(x.dtype).toBe('int32');
      const rows = (await x.tolist()) as number[][];
      seen.push(...rows.map((r) => r.slice(-3)));
      expect(rows[0]!.slice(0, 140).every((v) => v === 0)).toBe(true); // short reviews: padding first
      expect(await y.tolist()).toEqual([0, 0, 1, 1]); // neg first, then pos
      x.dispose(); y.dispose();
    }
    // 'terrible' and 'acting' are training words; every review starts with the start token (1)
    expect(seen[1]![0]).toBe(1);
    expect(seen[1]!.slice(1).every((v) => v >= 3)).toBe(true);
  });

  it('is the benchmark network: Embedding(30000, 125) → GRU(100) → Linear(100, 2), PyTorch names', () => {
    manualSeed(0);
    const model = new ImdbGru();
    expect(Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, t.shape]))).toEqual({
      'embedding.weight': [30000, 125],
      'rnn.weight_ih_l0': [300, 125], 'rnn.weight_hh_l0': [300, 100], 'rnn.bias_ih_l0': [300], 'rnn.bias_hh_l0': [300],
      'fc.weight': [2, 100], 'fc.bias': [2],
    });
    const [x, y] = collateImdb([[new Int32Array(150).fill(5), 1], [new Int32Array(150).fill(29999), 0]]);
    const out = model.eval().call(x);
    expect(out.shape).toEqual([2, 2]);
    x.dispose(); y.dispose(); out.dispose(); model.dispose();
  });

  it('keeps memory flat across training and evaluation steps', async () => {
    manualSeed(0);
    const model = new ImdbGru(), lossFn = new CrossEntropyLoss();
    const task = { model, optimizer: new Adam(model.parameters(), { lr: 1e-3 }), loss: (o: Tensor, y: Tensor) => lossFn.call(o, y), metric: 'accuracy' as const };
    const batches = (n: number) => new SyntheticBatches(n * 4, 4, (k): [Tensor, Tensor] => [randint(0, 30000, [k, 150], { dtype: 'int32' }), randint(0, 2, [k], { dtype: 'int32' })]);
    const { before, after } = await memoryAcrossSteps(task, batches);
    expect(after).toEqual(before);
    task.optimizer.dispose(); model.dispose();
  });
});
