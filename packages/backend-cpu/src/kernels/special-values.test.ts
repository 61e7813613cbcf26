// The branch-free fast paths (comparisons as +(x < y), relu and where as bit selects, broadcast-scalar
// loops) on the values where a select could differ from the plain `? :` form: NaN (with payloads and
// sign), ±inf, -0, subnormals; results are checked bit for bit.
import { describe, expect, it } from 'vitest';
import { backend, empty, run, t } from '../testing.js';
import type { Kernel, KernelTensor } from '@flint/core';
import type { CpuArray } from '../storage.js';

const SPECIAL = [NaN, -NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 1, -1, 2.5, -2.5, 3.4e38, -3.4e38];
const CMP: Record<string, (x: number, y: number) => boolean> = {
  eq: (x, y) => x === y, ne: (x, y) => x !== y, lt: (x, y) => x < y, le: (x, y) => x <= y, gt: (x, y) => x > y, ge: (x, y) => x >= y,
};

describe('comparisons on special values', () => {
  const xs = SPECIAL.flatMap((x) => SPECIAL.map(() => x)), ys = SPECIAL.flatMap(() => SPECIAL);
  for (const dtype of ['float32', 'float64'] as const) {
    for (const [op, f] of Object.entries(CMP)) {
      it(`${op} on ${dtype}: every pair of NaN, ±inf, ±0, subnormals gives IEEE's answer as 0/1`, () => {
        const n = xs.length;
        expect(run(op, [t(dtype, [n], xs), t(dtype, [n], ys)], [['bool', [n]]])[0]).toEqual(xs.map((x, i) => +f(x, ys[i]!)));
        for (const s of [0, NaN, -Infinity]) {
          expect(run(`${op}Scalar`, [t(dtype, [n], xs)], [['bool', [n]]], { scalar: s })[0]).toEqual(xs.map((x) => +f(x, s)));
          expect(run(`${op}Scalar`, [t(dtype, [n], xs)], [['bool', [n]]], { scalar: s, reverse: true })[0]).toEqual(xs.map((x) => +f(s, x)));
        }
      });
    }
  }
  it('int64 comparisons across the word boundary and the sign', () => {
    const v = [0n, 1n, -1n, 2n ** 32n, -(2n ** 32n), 2n ** 31n, 4294967295n, 2n ** 63n - 1n, -(2n ** 63n)];
    const xs = v.flatMap((x) => v.map(() => x)), ys = v.flatMap(() => v), n = xs.length;
    const big = (d: bigint[]): KernelTensor<CpuArray> => ({ buffer: BigInt64Array.from(d), dtype: 'int64', shape: [n], strides: [1], offset: 0 });
    const ref: Record<string, (x: bigint, y: bigint) => boolean> = {
      eq: (x, y) => x === y, ne: (x, y) => x !== y, lt: (x, y) => x < y, le: (x, y) => x <= y, gt: (x, y) => x > y, ge: (x, y) => x >= y,
    };
    for (const [op, f] of Object.entries(ref)) {
      const out = empty('bool', [n]);
      (backend.kernels as Readonly<Record<string, Kernel<CpuArray>>>)[op]!([big(xs), big(ys)], [out], {});
      expect(Array.from(out.buffer as Uint8Array), op).toEqual(xs.map((x, i) => +f(x, ys[i]!)));
    }
  });
});

/** Run a unary float32 kernel on raw bit patterns and return the output's bits. */
function bits32(op: string, input: number[], attrs = {}): number[] {
  const x = t('float32', [input.length], new Float32Array(new Uint32Array(input).buffer)), out = empty('float32', [input.length]);
  (backend.kernels as Readonly<Record<string, Kernel<CpuArray>>>)[op]!([x], [out], attrs);
  return Array.from(new Uint32Array((out.buffer as Float32Array).buffer));
}

describe('relu, leakyRelu and sign on special values', () => {
  // NaN (signalling ones quieted, payload and sign kept), ±inf, ±0, smallest subnormals, ±1
  const IN = [0x7f800001, 0xff800001, 0x7fc01234, 0xffc01234, 0x7fbfffff, 0x7f800000, 0xff800000, 0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x3f800000, 0xbf800000];
  it('relu keeps NaN (quieted), maps -0, -inf and negatives to +0, bit for bit', () => {
    expect(bits32('relu', IN)).toEqual([0x7fc00001, 0xffc00001, 0x7fc01234, 0xffc01234, 0x7fffffff, 0x7f800000, 0, 0, 0, 1, 0, 0x3f800000, 0]);
  });
  it('relu on a strided float32 view and on float64 takes the same rule', () => {
    expect(run('relu', [t('float32', [3], [-1, 5, NaN, 7, -0, 9], [2])], [['float32', [3]]])[0]).toEqual([0, NaN, 0]);
    const r = run('relu', [t('float64', [5], [-Infinity, -0, NaN, 2, -3])], [['float64', [5]]])[0]!;
    expect(r).toEqual([0, 0, NaN, 2, 0]);
    expect(Object.is(r[1], 0)).toBe(true);
  });
  it('sign is +1/-1/+0 with sign(NaN) = sign(-0) = +0', () => {
    expect(bits32('sign', IN)).toEqual([0, 0, 0, 0, 0, 0x3f800000, 0xbf800000, 0, 0, 0x3f800000, 0xbf800000, 0x3f800000, 0xbf800000]);
  });
  it('leakyRelu multiplies the non-positive side by the slope (any slope, even NaN or inf) and keeps the positive side', () => {
    for (const slope of [0.01, -2, 0, Infinity, NaN]) {
      const f = new Float32Array(new Uint32Array(IN).buffer), want = new Float32Array(IN.length);
      for (let i = 0; i < IN.length; i++) { const x = f[i]!; want[i] = x > 0 ? x : x * slope; }
      expect(bits32('leakyRelu', IN, { negativeSlope: slope }), String(slope)).toEqual(Array.from(new Uint32Array(want.buffer)));
    }
  });
});

describe('where as a bit select', () => {
  const kern = (backend.kernels as Readonly<Record<string, Kernel<CpuArray>>>).where!;
  const bcast = (dtype: 'float32' | 'float64', v: number, n: number): KernelTensor<CpuArray> => t(dtype, [n], [v], [0]);
  // 9 elements: more than one unrolled block of 4 plus a tail
  const cond = t('bool', [9], [1, 0, 0, 1, 1, 0, 1, 0, 0]);
  const IN = [0x7fc01234, 0xffc01234, 0x80000000, 0xff800000, 0x7f800000, 0x00000001, 0x3f800000, 0xbf800000, 0];
  const g32 = (): KernelTensor<CpuArray> => t('float32', [9], new Float32Array(new Uint32Array(IN).buffer));
  const bits = (o: KernelTensor<CpuArray>): number[] => Array.from(new Uint32Array((o.buffer as Float32Array).buffer));
  it('where(mask, scalar, g) on float32 (autograd relu) passes payloads, -0 and inf of either side untouched', () => {
    for (const s of [0, -0, NaN, -Infinity]) {
      const out = empty('float32', [9]);
      kern([cond, bcast('float32', s, 9), g32()], [out], {});
      const sb = new Uint32Array(new Float32Array([s]).buffer)[0]!;
      expect(bits(out), String(s)).toEqual(IN.map((v, i) => ((cond.buffer as Uint8Array)[i] ? sb : v)));
      const out2 = empty('float32', [9]);
      kern([cond, g32(), bcast('float32', s, 9)], [out2], {});
      expect(bits(out2), String(s)).toEqual(IN.map((v, i) => ((cond.buffer as Uint8Array)[i] ? v : sb)));
    }
  });
  it('where on dense float32 and on a strided (broadcast) condition', () => {
    const out = empty('float32', [9]);
    kern([cond, g32(), t('float32', [9], [1, 2, 3, 4, 5, 6, 7, 8, 9])], [out], {});
    expect(bits(out)).toEqual(IN.map((v, i) => ((cond.buffer as Uint8Array)[i] ? v : new Uint32Array(new Float32Array([i + 1]).buffer)[0]!)));
    // cond [3,1] broadcast over [3,3], a transposed view
    const r = run('where', [t('bool', [3, 3], [1, 0, 1], [1, 0]), t('float32', [3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3]), t('float32', [3, 3], [-0], [0, 0])], [['float32', [3, 3]]])[0]!;
    expect(r).toEqual([1, 4, 7, -0, -0, -0, 3, 6, 9]);
    expect(Object.is(r[3], -0)).toBe(true);
  });
  it('where on float64 and int64 moves both words of the chosen element', () => {
    const xs = [NaN, -0, Infinity, -Infinity, 1e-310, -2.5, 2 ** 60, 0, 5];
    const r = run('where', [cond, t('float64', [9], xs), t('float64', [9], [-0], [0])], [['float64', [9]]])[0]!;
    r.forEach((v, i) => expect(Object.is(v, (cond.buffer as Uint8Array)[i] ? xs[i] : -0), String(i)).toBe(true));
    const big = [2n ** 62n + 7n, -(2n ** 63n), -1n, 4294967296n, 4294967295n, 0n, 1n, -5n, 2n ** 40n];
    const a: KernelTensor<CpuArray> = { buffer: BigInt64Array.from(big), dtype: 'int64', shape: [9], strides: [1], offset: 0 };
    const b: KernelTensor<CpuArray> = { buffer: BigInt64Array.from([-123456789012345n]), dtype: 'int64', shape: [9], strides: [0], offset: 0 };
    const out = empty('int64', [9]);
    kern([cond, a, b], [out], {});
    expect(Array.from(out.buffer as BigInt64Array)).toEqual(big.map((v, i) => ((cond.buffer as Uint8Array)[i] ? v : -123456789012345n)));
  });
  it('where on int32 and bool', () => {
    expect(run('where', [cond, t('int32', [9], [-1, -2, -3, -4, -5, -6, -7, -8, 2 ** 31 - 1]), t('int32', [9], [7], [0])], [['int32', [9]]])[0])
      .toEqual([-1, 7, 7, -4, -5, 7, -7, 7, 7]);
    expect(run('where', [cond, t('bool', [9], [1], [0]), t('bool', [9], [0], [0])], [['bool', [9]]])[0]).toEqual([1, 0, 0, 1, 1, 0, 1, 0, 0]);
  });
});

describe('maxPool2d branch-free running max', () => {
  it('takes the first of equal maxima (-0 before +0), the first NaN, and -inf windows keep their first index', () => {
    const x = t('float32', [1, 1, 2, 6], [-0, 0, NaN, 5, -Infinity, -Infinity, 0, -0, 7, NaN, -Infinity, -Infinity]);
    const [v, i] = run('maxPool2d', [x], [['float32', [1, 1, 1, 3]], ['int32', [1, 1, 1, 3]]],
      { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], ceilMode: false });
    expect(v).toEqual([-0, NaN, -Infinity]);
    expect(Object.is(v![0], -0)).toBe(true);
    expect(i).toEqual([0, 2, 4]);
  });
});

describe('reluBackward on special values', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: the bits where(le(out, 0), 0, g) gives, for every pair of special gradient and output`, () => {
      const outs = SPECIAL.flatMap((x) => SPECIAL.map(() => x)), gs = SPECIAL.flatMap(() => SPECIAL), n = outs.length;
      const bits = (v: ArrayLike<number>): string => Array.from(new Uint8Array(new (dtype === 'float32' ? Float32Array : Float64Array)(Array.from(v)).buffer)).join(',');
      const got = run('reluBackward', [t(dtype, [n], gs), t(dtype, [n], outs)], [[dtype, [n]]])[0]!;
      const le = run('leScalar', [t(dtype, [n], outs)], [['bool', [n]]], { scalar: 0 })[0]!;
      const want = run('where', [t('bool', [n], le), t(dtype, [n], new Array(n).fill(0)), t(dtype, [n], gs)], [[dtype, [n]]])[0]!;
      expect(bits(got)).toBe(bits(want));
      // and the rule's meaning: the gradient passes where out > 0 or out is NaN
      const q = dtype === 'float32' ? Math.fround : (x: number): number => x;
      got.forEach((v, i) => expect(Object.is(v, outs[i]! > 0 || Number.isNaN(outs[i]!) ? q(gs[i]!) : 0) || (Number.isNaN(v) && Number.isNaN(gs[i]!))).toBe(true));
    });
  }
});
