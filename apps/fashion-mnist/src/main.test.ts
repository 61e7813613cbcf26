// End to end on a slice of the committed subset: ten Adam steps over two epochs must lower the loss, beat chance on the
// test images, and leave a metrics file and a plot behind.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import { MEAN, STD, SUBSET_DIR, collateBatch, loadFashionMnist } from './data.js';
import { main } from './main.js';

const out = mkdtempSync(join(tmpdir(), 'fashion-mnist-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('fashion-mnist quick start', () => {
  it('finds the committed subset: 4000 training and 1000 test images', () => {
    const d = loadFashionMnist(SUBSET_DIR);
    expect([d.train.length, d.test.length]).toEqual([4000, 1000]);
    expect(d.description).toContain('subset committed with the app');
  });

  it('collates samples into normalised [B, 1, 28, 28] images and int64 labels', () => {
    const black = new Uint8Array(784), white = new Uint8Array(784).fill(255);
    const [x, y] = collateBatch([[{ data: black, height: 28, width: 28, channels: 1 }, 3], [{ data: white, height: 28, width: 28, channels: 1 }, 7]]);
    expect(x.shape).toEqual([2, 1, 28, 28]);
    expect(y.dtype).toBe('int64');
    const v = x.dataSync() as Float32Array;
    expect(v[0]).toBeCloseTo(-MEAN / STD, 5);
    expect(v[784]).toBeCloseTo((1 - MEAN) / STD, 5);
    expect(Array.from(y.dataSync() as BigInt64Array, Number)).toEqual([3, 7]);
    x.dispose();
    y.dispose();
  });

  it('trains two epochs of five steps: the loss falls, accuracy beats chance, memory stays flat, metrics and plot are written', async () => {
    const lines: string[] = [];
    const r = await main(['--data', SUBSET_DIR, '--limit', '320', '--epochs', '2', '--out', out, '--seed', '1'], (l) => lines.push(l));
    const [first, e] = r.epochs;
    const losses = r.epochs.flatMap((m) => m.stepLosses.map((s) => s[1]));
    expect(losses).toHaveLength(10);
    expect(e!.liveTensors).toBe(first!.liveTensors);
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(losses.slice(-3))).toBeLessThan(mean(losses.slice(0, 3)) - 0.2);
    expect(e!.testAccuracy).toBeGreaterThan(0.3); // chance is 0.1
    const metrics = JSON.parse(readFileSync(r.metricsPath, 'utf8'));
    expect(metrics.testAccuracy).toBe(e!.testAccuracy);
    expect(metrics.data).toMatchObject({ subset: true, trainImages: 320, testImages: 1000 });
    expect(metrics.stepLosses).toHaveLength(10);
    expect(readFileSync(r.plotPath, 'utf8')).toMatch(/^<svg[\s\S]*test accuracy[\s\S]*<\/svg>\n$/);
    expect(existsSync(`${r.metricsPath}.${process.pid}.tmp`)).toBe(false);
    expect(lines.join('\n')).toMatch(/Data: the subset committed with the app[\s\S]*epoch 2\/2: train loss [\d.]+, test accuracy [\d.]+%[\s\S]*samples\/s/);
  });
});
