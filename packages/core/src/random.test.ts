// Philox against a BigInt reference (its multiply-high is exact by a float argument), and the block fills
// (two blocks at a time in the bulk) against the per-element uniformAt/normalAt at every alignment.
import { describe, expect, it } from 'vitest';
import { normalAt, normalFill, philox, uniformAt, uniformFill } from './random.js';

/** Philox4x32-10 with BigInt products: the definition, slow and plainly exact. */
function philoxRef(k0: number, k1: number, c0: number, c1: number): number[] {
  let x = [BigInt(c0), BigInt(c1), 0n, 0n], key = [BigInt(k0), BigInt(k1)];
  const M = 0xffffffffn;
  for (let r = 0; r < 10; r++) {
    const p0 = 0xd2511f53n * x[0]!, p1 = 0xcd9e8d57n * x[2]!;
    x = [(p1 >> 32n) ^ x[1]! ^ key[0]!, p1 & M, (p0 >> 32n) ^ x[3]! ^ key[1]!, p0 & M];
    key = [(key[0]! + 0x9e3779b9n) & M, (key[1]! + 0xbb67ae85n) & M];
  }
  return x.map(Number);
}

describe('Philox4x32-10', () => {
  it('equals the BigInt definition on edge and pseudo-random words', () => {
    const edge = [0, 1, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0xd2511f53];
    let s = 7;
    const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
    for (const a of edge) for (const b of edge) expect(philox(a, b, b, a)).toEqual(philoxRef(a, b, b, a));
    for (let i = 0; i < 300; i++) { const w = [next(), next(), next(), next()] as const; expect(philox(...w)).toEqual(philoxRef(...w)); }
  });
  it('fills equal uniformAt / normalAt element by element at every start alignment and length, across a 2^32 counter carry', () => {
    for (const counter of [0, 1, 2, 3, 5, 4 * 2 ** 32 - 9, 2 * 2 ** 32 - 5]) {
      for (const n of [1, 3, 7, 8, 9, 17]) {
        const u = new Float64Array(n), g = new Float64Array(n);
        uniformFill(11, 22, counter, n, u, 0, -1, 3);
        normalFill(11, 22, counter, n, g, 0, 2, 0.5);
        for (let i = 0; i < n; i++) {
          expect(u[i]).toBe(-1 + 4 * uniformAt(11, 22, counter + i));
          expect(g[i]).toBe(2 + 0.5 * normalAt(11, 22, counter + i));
        }
      }
    }
  });
});
