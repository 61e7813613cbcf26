// The int64 word arithmetic and every generated int64 loop, against BigInt references on random values
// spread over the whole range (and the edges), in each layout a binary kernel can take.
import { describe, expect, it } from 'vitest';
import type { DType, Kernel, KernelTensor } from '@flint/core';
import type { CpuArray } from '../storage.js';
import { backend } from '../testing.js';
import { R, fromNumber, mul64, pow64, rem64, toFloat32 } from './int64.js';

const MIN = -(2n ** 63n), MAX = 2n ** 63n - 1n;
const EDGES = [0n, 1n, -1n, 2n, MIN, MAX, MIN + 1n, MAX - 1n, 2n ** 31n, -(2n ** 31n), 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 3037000500n];

/** Deterministic 64-bit values: the edges, then random magnitudes of every bit length. */
function values(n: number, seed = 7): bigint[] {
  let s = BigInt(seed);
  const next = (): bigint => { s = BigInt.asUintN(64, s * 6364136223846793005n + 1442695040888963407n); return s; };
  const out = [...EDGES];
  while (out.length < n) {
    const bits = next() % 64n;
    out.push(BigInt.asIntN(64, next() >> (63n - bits)) * (next() & 1n ? 1n : -1n));
  }
  return out.map((v) => BigInt.asIntN(64, v));
}
const lo = (v: bigint): number => Number(BigInt.asIntN(32, v));
const hi = (v: bigint): number => Number(BigInt.asIntN(64, v) >> 32n);
const fromR = (): bigint => (BigInt(R[1]!) << 32n) | BigInt(R[0]! >>> 0);
const wrap = (v: bigint): bigint => BigInt.asIntN(64, v);
const pyMod = (a: bigint, b: bigint): bigint => { const r = a % b; return r !== 0n && (r < 0n) !== (b < 0n) ? r + b : r; };
function powRef(a: bigint, e: bigint): bigint {
  if (e < 0n) return a === 1n ? 1n : a === -1n ? (e & 1n ? -1n : 1n) : 0n;
  let r = 1n, b = a;
  for (; e > 0n; e >>= 1n) { if (e & 1n) r = wrap(r * b); b = wrap(b * b); }
  return r;
}

const xs = values(400, 1), ys = values(400, 2);

describe('int64 word helpers', () => {
  it('mul64 is the wrapped 64-bit product', () => {
    for (const x of xs) for (const y of ys.slice(0, 40)) {
      mul64(lo(x), hi(x), lo(y), hi(y));
      expect(fromR()).toBe(wrap(x * y));
    }
  });
  it('rem64 is Python\'s modulo, on the double path and the BigInt one', () => {
    for (const x of xs) for (const y of ys.slice(0, 40)) {
      if (y === 0n) continue;
      rem64(lo(x), hi(x), lo(y), hi(y));
      expect(fromR()).toBe(wrap(pyMod(x, y)));
    }
  });
  it('pow64 wraps, and gives 1, ±1 or 0 for negative exponents', () => {
    const exps = [0n, 1n, 2n, 3n, 17n, 62n, 63n, 64n, 1000n, MAX, -1n, -2n, -3n, MIN];
    for (const x of [...xs.slice(0, 60), 0n, 1n, -1n, 2n, -2n]) for (const e of exps) {
      pow64(lo(x), hi(x), lo(e), hi(e));
      expect(fromR(), `${x} ** ${e}`).toBe(powRef(x, e));
    }
  });
  it('fromNumber truncates toward zero, and gives INT64_MIN for NaN, ±inf and out of range', () => {
    const cases: [number, bigint][] = [[3.9, 3n], [-3.9, -3n], [2 ** 60, 2n ** 60n], [-(2 ** 63), MIN], [2 ** 63, MIN], [NaN, MIN], [Infinity, MIN], [-Infinity, MIN], [-1e300, MIN], [2 ** 53 + 2, 2n ** 53n + 2n], [-0.5, 0n]];
    for (const [v, want] of cases) { fromNumber(v); expect(fromR(), String(v)).toBe(want); }
  });
  it('toFloat32 rounds once, to nearest even (no double rounding through a double)', () => {
    const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
    const nearest = (v: bigint): number => {
      if (v > -(2n ** 53n) && v < 2n ** 53n) return Math.fround(Number(v)); // Number(v) is exact: one rounding
      f32[0] = Number(v);
      const c = f32[0]!, bits = u32[0]!;
      const around = [c, ...[bits - 1, bits + 1].map((b) => { u32[0] = b >>> 0; return f32[0]!; })].filter(Number.isFinite);
      let best = c, bestD = -1n, bestBits = bits;
      for (const a of around) {
        f32[0] = a;
        const d = BigInt(a) - v, ad = d < 0n ? -d : d, b = u32[0]!;
        if (bestD < 0n || ad < bestD || (ad === bestD && (b & 1) === 0 && (bestBits & 1) === 1)) { best = a; bestD = ad; bestBits = b; }
      }
      return best;
    };
    for (const v of [...xs, 2n ** 60n + 2n ** 36n + 1n, 2n ** 60n + 2n ** 36n, -(2n ** 60n) - 2n ** 36n - 1n, 2n ** 53n + 2n ** 29n + 1n]) {
      expect(toFloat32(lo(v), hi(v)), String(v)).toBe(nearest(v));
    }
  });
});

// kernel-level: the generated loops in every layout
type Tn = KernelTensor<CpuArray>;
const k = (name: string): Kernel<CpuArray> => (backend.kernels as Readonly<Record<string, Kernel<CpuArray>>>)[name]!;
const tensor = (vals: bigint[], shape: number[], strides: number[], offset = 0): Tn =>
  ({ buffer: BigInt64Array.from(vals), dtype: 'int64', shape, strides, offset });
const out = (dtype: DType, n: number): Tn => ({ buffer: dtype === 'int64' ? new BigInt64Array(n) : new Uint8Array(n), dtype, shape: [n], strides: [1], offset: 0 });
const read = (t: Tn): bigint[] => Array.from(t.buffer as ArrayLike<number | bigint>, (v) => BigInt(v));

const BINARY: Record<string, (a: bigint, b: bigint) => bigint> = {
  add: (a, b) => wrap(a + b), sub: (a, b) => wrap(a - b), mul: (a, b) => wrap(a * b),
  maximum: (a, b) => (a > b ? a : b), minimum: (a, b) => (a < b ? a : b), remainder: pyMod,
  eq: (a, b) => BigInt(a === b), ne: (a, b) => BigInt(a !== b), lt: (a, b) => BigInt(a < b),
  le: (a, b) => BigInt(a <= b), gt: (a, b) => BigInt(a > b), ge: (a, b) => BigInt(a >= b),
};
const BOOL = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

describe('generated int64 loops', () => {
  const n = 64, a = xs.slice(0, n), b = ys.slice(0, n).map((v) => (v === 0n ? 3n : v));
  // [a, b] with b's elements at offset 1, stride 2 (STRIDED), b as a broadcast scalar (B_SCALAR), a as one (A_SCALAR)
  const layouts: [string, Tn, Tn, (i: number) => [bigint, bigint]][] = [
    ['dense', tensor(a, [n], [1]), tensor(b, [n], [1]), (i) => [a[i]!, b[i]!]],
    ['strided', tensor(a, [n], [1]), tensor(b.flatMap((v) => [0n, v]), [n], [2], 1), (i) => [a[i]!, b[i]!]],
    ['b scalar', tensor(a, [n], [1]), tensor([7n, b[5]!], [n], [0], 1), (i) => [a[i]!, b[5]!]],
    ['a scalar', tensor([a[9]!], [n], [0]), tensor(b, [n], [1]), (i) => [a[9]!, b[i]!]],
  ];
  for (const [op, ref] of Object.entries(BINARY)) {
    it(`${op} matches BigInt in every layout, and as ${op}Scalar both ways`, () => {
      for (const [name, ta, tb, at] of layouts) {
        const o = out(BOOL.has(op) ? 'bool' : 'int64', n);
        k(op)([ta, tb], [o], {});
        expect(read(o), `${op} ${name}`).toEqual(Array.from({ length: n }, (_, i) => ref(...at(i))));
      }
      for (const s of [5, -(2 ** 53 - 1), 2 ** 53 - 1, -1]) {
        for (const reverse of [false, true]) {
          if (reverse && !['sub', 'remainder'].includes(op)) continue;
          const o = out(BOOL.has(op) ? 'bool' : 'int64', n), x = reverse ? b : a;
          k(`${op}Scalar`)([tensor(x.flatMap((v) => [v, 0n]), [n], [2])], [o], { scalar: s, reverse });
          expect(read(o), `${op}Scalar ${s} reverse=${reverse}`).toEqual(x.map((v) => (reverse ? ref(BigInt(s), v) : ref(v, BigInt(s)))));
        }
      }
    });
  }
  it('neg, abs, sign and relu match BigInt, dense and strided', () => {
    const ref: Record<string, (v: bigint) => bigint> = {
      neg: (v) => wrap(-v), abs: (v) => wrap(v < 0n ? -v : v), sign: (v) => (v > 0n ? 1n : v < 0n ? -1n : 0n), relu: (v) => (v > 0n ? v : 0n),
    };
    for (const [op, f] of Object.entries(ref)) {
      for (const t of [tensor(a, [n], [1]), tensor(a.flatMap((v) => [v, 1n]), [n], [2])]) {
        const o = out('int64', n);
        k(op)([t], [o], {});
        expect(read(o), op).toEqual(a.map(f));
      }
    }
  });
  it('pow refuses a negative integer scalar exponent with a DTypeError, as torch does', () => {
    expect(() => k('powScalar')([tensor([2n], [1], [1])], [out('int64', 1)], { scalar: -2 })).toThrow(/negative integer powers/);
    const i32 = (v: number): Tn => ({ buffer: new Int32Array([v]), dtype: 'int32', shape: [1], strides: [1], offset: 0 });
    expect(() => k('powScalar')([i32(2)], [i32(0)], { scalar: -1 })).toThrow(/negative integer powers/);
    const o = i32(0);
    k('powScalar')([i32(-1)], [o], { scalar: 2, reverse: true }); // 2 ** -1 with a tensor exponent: 0, no error
    expect(Array.from(o.buffer as Int32Array)).toEqual([0]);
  });
});
