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
