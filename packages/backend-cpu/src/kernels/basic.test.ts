import { describe, expect, it } from 'vitest';
import { IndexError, uniformAt, normalAt } from '@flint/core';
import { backend, empty, expectClose, run, t } from '../testing.js';

describe('creation and copy kernels', () => {
  it('copy writes into a strided destination (a column slice)', () => {
    const dst = t('float32', [2, 2], new Float32Array(6), [3, 1], 1); // columns 1..2 of a [2,3] buffer
    backend.kernels.copy!([t('float32', [2, 2], [1, 2, 3, 4])], [dst], {});
    expect(Array.from(dst.buffer as Float32Array)).toEqual([0, 1, 2, 0, 3, 4]);
  });
  it('copy reads a transposed source', () => {
    expect(run('copy', [t('int32', [2, 3], [1, 2, 3, 4, 5, 6], [1, 2])], [['int32', [2, 3]]])[0]).toEqual([1, 3, 5, 2, 4, 6]);
  });
  it('cast truncates toward zero, maps NaN to 0 (int64: INT64_MIN, as torch), wraps int32/uint8, and tests != 0 for bool', () => {
    const x = t('float64', [6], [2.7, -2.7, NaN, 2 ** 32 + 5, 257, 0.1]);
    expect(run('cast', [x], [['int32', [6]]])[0]).toEqual([2, -2, 0, 5, 257, 0]);
    expect(run('cast', [x], [['int64', [6]]])[0]).toEqual([2, -2, -(2 ** 63), 2 ** 32 + 5, 257, 0]);
    expect(run('cast', [x], [['uint8', [6]]])[0]).toEqual([2, 254, 0, 5, 1, 0]);
    expect(run('cast', [x], [['bool', [6]]])[0]).toEqual([1, 1, 1, 1, 1, 1]);
    expect(run('cast', [t('float32', [2], [0.1, 70000])], [['float16', [2]]])[0]).toEqual([0.0999755859375, Infinity]);
  });
  it('fill and arange', () => {
    expect(run('fill', [], [['int32', [3]]], { value: 7 })[0]).toEqual([7, 7, 7]);
    expect(run('fill', [], [['bool', [2]]], { value: true })[0]).toEqual([1, 1]);
    expectClose(run('arange', [], [['float32', [4]]], { start: 1, step: 0.5 })[0]!, [1, 1.5, 2, 2.5]);
  });
  it('random reproduces core uniformAt/normalAt bit for bit', () => {
    const key = [12345, 678];
    const u = run('random', [], [['float64', [5]]], { dist: 'uniform', key, counter: 10, low: -1, high: 3 })[0]!;
    u.forEach((v, i) => expect(v).toBe(-1 + 4 * uniformAt(12345, 678, 10 + i)));
    const n = run('random', [], [['float64', [5]]], { dist: 'normal', key, counter: 3, mean: 2, std: 0.5 })[0]!;
    n.forEach((v, i) => expect(v).toBe(2 + 0.5 * normalAt(12345, 678, 3 + i)));
  });
});

describe('elementwise kernels', () => {
  it('round is half-to-even and sign(NaN) is 0 as in torch', () => {
    expect(run('round', [t('float32', [6], [0.5, 1.5, 2.5, -0.5, -1.5, 2.4])], [['float32', [6]]])[0]).toEqual([0, 2, 2, -0, -2, 2]);
    expect(run('sign', [t('float64', [4], [-3, 0, 2, NaN])], [['float64', [4]]])[0]).toEqual([-1, 0, 1, 0]);
  });
  it('unary math on a strided input', () => {
    expectClose(run('exp', [t('float64', [2], [0, 9, 1], [2], 0)], [['float64', [2]]])[0]!, [1, Math.E]);
  });
  it('gelu (erf) matches reference values; softplus honours its threshold', () => {
    // reference values from torch.nn.functional.gelu in float64
    expectClose(run('gelu', [t('float64', [7], [-3, -0.5, 0.5, 2, -2.6, 3, -5])], [['float64', [7]]])[0]!,
      [-0.00404969409489, -0.154268769363, 0.345731230637, 1.9544997361, -0.0121190888617, 2.99595030591, -1.43325785934e-06], 1e-11);
    expectClose(run('softplus', [t('float32', [2], [1, 30])], [['float32', [2]]], { beta: 1, threshold: 20 })[0]!, [1.3132616, 30]);
  });
  it('binary ops broadcast through zero strides; remainder is Python mod; max propagates NaN', () => {
    const a = t('float32', [2, 2], [1, -7]), b = t('float32', [2, 2], [3, 10], [1, 0]); // a row-broadcast, b column-broadcast
    const aRow = { ...a, strides: [0, 1] };
    expect(run('add', [aRow, b], [['float32', [2, 2]]])[0]).toEqual([4, -4, 11, 3]);
    expect(run('remainder', [aRow, b], [['float32', [2, 2]]])[0]).toEqual([1, 2, 1, 3]);
    expect(run('maximum', [t('float64', [2], [NaN, 1]), t('float64', [2], [0, NaN])], [['float64', [2]]])[0]).toEqual([NaN, NaN]);
    expect(run('lt', [aRow, b], [['bool', [2, 2]]])[0]).toEqual([1, 1, 1, 1]);
    expect(run('mul', [t('int32', [1], [65537]), t('int32', [1], [65537])], [['int32', [1]]])[0]).toEqual([131073]);
  });
  it('where selects per element', () => {
    expect(run('where', [t('bool', [3], [1, 0, 1]), t('int32', [3], [1, 2, 3]), t('int32', [3], [9], [0])], [['int32', [3]]])[0]).toEqual([1, 9, 3]);
  });
});

describe('reductions', () => {
  const x = t('float32', [2, 3], [1, 5, 2, 4, NaN, 6]);
  it('reduce trailing dims of a transposed view', () => {
    const xt = t('float32', [3, 2], [1, 2, 3, 4, 5, 6], [1, 3]); // [[1,4],[2,5],[3,6]]
    expect(run('sum', [xt], [['float32', [3]]], { reduceDims: 1 })[0]).toEqual([5, 7, 9]);
    expect(run('prod', [xt], [['float32', []]], { reduceDims: 2 })[0]).toEqual([720]);
  });
  it('max/min propagate NaN; argmax takes the first NaN or first extreme', () => {
    expect(run('max', [x], [['float32', [2]]], { reduceDims: 1 })[0]).toEqual([5, NaN]);
    expect(run('argmax', [x], [['int64', [2]]], { reduceDims: 1 })[0]).toEqual([1, 1]);
    expect(run('argmin', [t('int32', [4], [3, 1, 1, 2])], [['int64', []]], { reduceDims: 1 })[0]).toEqual([1]);
  });
  it('empty reductions give sum 0 and prod 1; cumsum runs along the last dim', () => {
    expect(run('sum', [t('float32', [2, 0], [])], [['float32', [2]]], { reduceDims: 1 })[0]).toEqual([0, 0]);
    expect(run('prod', [t('float32', [2, 0], [])], [['float32', [2]]], { reduceDims: 1 })[0]).toEqual([1, 1]);
    expect(run('cumsum', [t('int32', [2, 3], [1, 2, 3, 4, 5, 6])], [['int32', [2, 3]]])[0]).toEqual([1, 3, 6, 4, 9, 15]);
  });
});

describe('gather and scatterAdd', () => {
  const src = t('float32', [2, 3], [1, 2, 3, 4, 5, 6]);
  it('gather along dim 1 with int64 indices', () => {
    expect(run('gather', [src, t('int64', [2, 2], [2, 0, 1, 1])], [['float32', [2, 2]]], { dim: 1 })[0]).toEqual([3, 1, 5, 5]);
  });
  it('gather rejects an out-of-range index with IndexError naming it', () => {
    const bad = () => run('gather', [src, t('int32', [1, 1], [3])], [['float32', [1, 1]]], { dim: 1 });
    expect(bad).toThrow(IndexError);
    expect(bad).toThrow(/gather: index 3 .* 0\.\.2/);
  });
  it('scatterAdd accumulates repeated indices', () => {
    const out = run('scatterAdd', [t('float32', [2, 3], [0, 0, 0, 0, 0, 0]), t('int32', [2, 2], [0, 0, 2, 1]), t('float32', [2, 2], [1, 2, 3, 4])],
      [['float32', [2, 3]]], { dim: 1 })[0];
    expect(out).toEqual([3, 0, 0, 0, 4, 3]);
    expect(() => run('scatterAdd', [src, t('int32', [1, 1], [-1]), src], [['float32', [2, 3]]], { dim: 0 })).toThrow(IndexError);
  });
  it('empty is a zero tensor', () => expect(Array.from(empty('int32', [2]).buffer as Int32Array)).toEqual([0, 0]));
});
