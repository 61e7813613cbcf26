import { afterEach, describe, expect, it } from 'vitest';
import { uniformFill } from '@flint/core';
import { run } from '../testing.js';
import { PHILOX_CHUNK, philoxUniform, setPhiloxDisabled } from './wasm-philox.js';

describe('uniform random fill in WebAssembly SIMD', () => {
  afterEach(() => setPhiloxDisabled(false));

  it("gives core's uniformFill bit for bit: every counter alignment, short and chunk-crossing lengths, wraps of the low counter word", () => {
    const key: [number, number] = [0x853c49e6, 0x748fea9b];
    const wrap = 4 * 2 ** 32; // element of the first block whose low counter word is 0 again
    const cases: [counter: number, n: number, low: number, high: number][] = [
      [0, 64, 0, 1], [1, 65, 0, 1], [2, 1000, -3.7, 11.1], [3, 4 * PHILOX_CHUNK + 7, 0, 1], [5, 131, 0.25, 0.5],
      [wrap - 4 * 6 + 1, 200, -1, 1], [wrap - 2, 70, 0, 1], [2 ** 50 + 3, 333, 0, 1],
    ];
    for (const [counter, n, low, high] of cases) {
      const attrs = { dist: 'uniform', key, counter, low, high };
      const want = new Float32Array(n);
      uniformFill(key[0], key[1], counter, n, want, 0, low, high);
      const got = run('random', [], [['float32', [n]]], attrs)[0]!;
      expect(got, `counter ${counter}, n ${n}`).toEqual([...want]);
    }
  });

  it('writes only the blocks it is asked for, at the offset given, and steps aside when turned off', () => {
    const out = new Float32Array(40).fill(-1);
    expect(philoxUniform(out, 3, 10, 5, 1, 2, 0, 2 ** -24)).toBe(true);
    const want = new Float32Array(20);
    uniformFill(1, 2, 40, 20, want, 0, 0, 1);
    expect([...out.subarray(3, 23)]).toEqual([...want]);
    expect([...out.subarray(0, 3), ...out.subarray(23)].every((v) => v === -1)).toBe(true);
    setPhiloxDisabled(true);
    expect(philoxUniform(out, 0, 0, 4, 1, 2, 0, 1)).toBe(false);
  });
});
