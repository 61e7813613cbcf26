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
