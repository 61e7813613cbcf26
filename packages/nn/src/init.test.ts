// init: PyTorch's gains and fan computations exactly; the random fills by their bounds and moments.
import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import { manualSeed, zeros, type Tensor } from '@flint/core';
import { Conv2d, ConvTranspose2d, Dropout, Dropout2d, Embedding, F, GRU, Linear, functional, init } from './index.js';

const stats = (t: Tensor) => {
  const v = Array.from(t.dataSync() as Float32Array);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { mean, std, min: Math.min(...v), max: Math.max(...v) };
};

describe('init', () => {
  it("calculateGain matches torch.nn.init.calculate_gain", () => {
    expect(init.calculateGain('linear')).toBe(1);
    expect(init.calculateGain('conv2d')).toBe(1);
    expect(init.calculateGain('sigmoid')).toBe(1);
    expect(init.calculateGain('tanh')).toBeCloseTo(5 / 3, 12);
    expect(init.calculateGain('relu')).toBeCloseTo(Math.SQRT2, 12);
    expect(init.calculateGain('leaky_relu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 12);
    expect(init.calculateGain('leaky_relu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 12);
    expect(init.calculateGain('selu')).toBe(0.75);
  });

  it('fan in/out use the receptive field, and need 2 dims', () => {
    expect(init.calculateFanInAndFanOut([16, 3, 5, 5])).toEqual({ fanIn: 75, fanOut: 400 });
    expect(init.calculateFanInAndFanOut([8, 4])).toEqual({ fanIn: 4, fanOut: 8 });
    expect(() => init.calculateFanInAndFanOut([3])).toThrow(/fewer than 2 dimensions/);
  });

  it('kaiming/xavier/uniform/normal fills have the right bounds and spread', () => {
    manualSeed(0);
    const w = zeros([256, 128]);
    init.kaimingUniform_(w, { nonlinearity: 'relu' });
    let s = stats(w), b = Math.SQRT2 * Math.sqrt(3 / 128);
    expect(s.max).toBeLessThanOrEqual(b);
    expect(s.min).toBeGreaterThanOrEqual(-b);
    expect(s.std).toBeCloseTo(b / Math.sqrt(3), 2);
    init.kaimingNormal_(w, { mode: 'fan_out', nonlinearity: 'relu' });
    expect(stats(w).std).toBeCloseTo(Math.SQRT2 / Math.sqrt(256), 2);
    init.xavierUniform_(w, { gain: 2 });
    s = stats(w); b = 2 * Math.sqrt(6 / 384);
    expect(s.max).toBeLessThanOrEqual(b);
    expect(s.std).toBeCloseTo(b / Math.sqrt(3), 2);
    init.xavierNormal_(w);
    expect(stats(w).std).toBeCloseTo(Math.sqrt(2 / 384), 2);
    init.normal_(w, 3, 0.5);
    s = stats(w);
    expect(s.mean).toBeCloseTo(3, 1);
    expect(s.std).toBeCloseTo(0.5, 1);
    init.uniform_(w, -1, 2);
    s = stats(w);
    expect(s.min).toBeGreaterThanOrEqual(-1);
    expect(s.max).toBeLessThan(2);
    init.constant_(w, 0.25);
    expect(stats(w)).toEqual({ mean: 0.25, std: 0, min: 0.25, max: 0.25 });
    init.ones_(w);
    expect(stats(w).mean).toBe(1);
    init.zeros_(w);
    expect(stats(w).max).toBe(0);
    w.dispose();
  });

  it("layers start from PyTorch's default init: U(±1/√fanIn) for Linear/Conv, U(±1/√hidden) for RNNs, N(0,1) for Embedding", () => {
    manualSeed(1);
    const lin = new Linear(64, 32);
    expect(stats(lin.weight).max).toBeLessThanOrEqual(1 / 8);
    expect(stats(lin.weight).std).toBeCloseTo(1 / 8 / Math.sqrt(3), 2);
    expect(stats(lin.bias!).max).toBeLessThanOrEqual(1 / 8);
    const conv = new Conv2d(4, 8, 3);
    expect(stats(conv.weight).max).toBeLessThanOrEqual(1 / 6);
    const convT = new ConvTranspose2d(8, 4, 2);
    expect(stats(convT.weight).max).toBeLessThanOrEqual(1 / 4); // fanIn = 4 * 2 * 2 (size(1) * receptive)
    const gru = new GRU(3, 16);
    for (const p of gru.parameters()) expect(Math.abs(stats(p).max)).toBeLessThanOrEqual(0.25);
    const emb = new Embedding(100, 50);
    expect(stats(emb.weight).std).toBeCloseTo(1, 1);
  });
});

describe('dropout layers', () => {
  it('Dropout zeroes about p of the elements and rescales the rest in training; identity in eval', () => {
    manualSeed(2);
    const d = new Dropout(0.3);
    const y = d.call(zeros([10000]).add(1));
    const v = Array.from(y.dataSync() as Float32Array);
    const zerosFrac = v.filter((x) => x === 0).length / v.length;
    expect(zerosFrac).toBeGreaterThan(0.27);
    expect(zerosFrac).toBeLessThan(0.33);
    expect(v.filter((x) => x !== 0).every((x) => Math.abs(x - 1 / 0.7) < 1e-6)).toBe(true);
    d.eval();
    expect(d.call(zeros([3]).add(1)).tolistSync()).toEqual([1, 1, 1]);
  });

  it('Dropout2d drops whole channels', () => {
    manualSeed(3);
    const d = new Dropout2d(0.5);
    const y = d.call(zeros([4, 16, 3, 3]).add(1));
    const planes = y.reshape([64, 9]).tolistSync() as number[][];
    for (const p of planes) expect(new Set(p).size).toBe(1);
    const dropped = planes.filter((p) => p[0] === 0).length;
    expect(dropped).toBeGreaterThan(16);
    expect(dropped).toBeLessThan(48);
    expect(planes.filter((p) => p[0] !== 0).every((p) => p[0] === 2)).toBe(true);
  });
});

describe('functional', () => {
  it('re-exports core ops as functional and F', () => {
    expect(F.relu).toBe(functional.relu);
    expect(typeof F.conv2d).toBe('function');
    expect(typeof F.crossEntropy).toBe('function');
  });
});
