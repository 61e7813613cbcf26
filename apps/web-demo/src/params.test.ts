import { describe, expect, it } from 'vitest';
import { smooth } from './chart.js';
import { DEFAULT_STEPS, readParams } from './params.js';

describe('readParams', () => {
  it('has the command-line app defaults and reads every parameter', () => {
    expect(readParams('')).toEqual({ steps: DEFAULT_STEPS, backend: 'auto', batchSize: 64, lr: 0.005, seed: 0, evalEvery: 100, testImages: 1000 });
    expect(readParams('?steps=300&backend=cpu&batch=32&lr=0.01&seed=3&eval=50&test=200')).toEqual({ steps: 300, backend: 'cpu', batchSize: 32, lr: 0.01, seed: 3, evalEvery: 50, testImages: 200 });
  });
  it('names the parameter and what it accepts when a value is bad', () => {
    expect(() => readParams('?steps=0')).toThrow("?steps= must be an integer >= 1, got '0'");
    expect(() => readParams('?steps=1.5')).toThrow(/\?steps=/);
    expect(() => readParams('?backend=cuda')).toThrow("?backend= must be webgpu, cpu or auto, got 'cuda'");
    expect(() => readParams('?lr=-1')).toThrow("?lr= must be a number in (0, 1), got '-1'");
  });
});

describe('smooth', () => {
  it('is an exponential moving average starting at the first value', () => {
    expect(smooth([[1, 2], [2, 4], [3, 4]], 0.5)).toEqual([[1, 2], [2, 3], [3, 3.5]]);
  });
});
