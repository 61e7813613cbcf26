// cuDNN's algorithm measurements: decoded from the bytes cudnnFind* writes, and the choice among them.
import { BackendError } from '@flint/core';
import { describe, expect, it } from 'vitest';
import { decodePerfs, pickAlgo } from './conv.js';

function perfBytes(rows: { algo: number; status: number; time: number; memory: number; mathType: number }[]): Uint8Array {
  const b = new Uint8Array(48 * rows.length), v = new DataView(b.buffer);
  rows.forEach((r, i) => {
    v.setInt32(i * 48, r.algo, true); v.setInt32(i * 48 + 4, r.status, true); v.setFloat32(i * 48 + 8, r.time, true);
    v.setBigUint64(i * 48 + 16, BigInt(r.memory), true); v.setInt32(i * 48 + 24, 1, true); v.setInt32(i * 48 + 28, r.mathType, true);
  });
  return b;
}

describe('cudnnFind results', () => {
  const rows = [
    { algo: 6, status: 3000, time: -1, memory: 0, mathType: 0 },
    { algo: 1, status: 0, time: 0.5, memory: 2 ** 31, mathType: 1 },
    { algo: 2, status: 0, time: 0.75, memory: 4096, mathType: 3 },
  ];
  it('decodes cudnnConvolution*AlgoPerf_t (48-byte structs)', () => {
    expect(decodePerfs(perfBytes(rows), 3)).toEqual(rows.map((r) => ({ ...r, time: Math.fround(r.time) })));
  });
  it('picks the fastest that succeeded within the workspace limit', () => {
    expect(pickAlgo('conv2d', decodePerfs(perfBytes(rows), 3), 1 << 30)).toMatchObject({ algo: 2, mathType: 3 });
    expect(pickAlgo('conv2d', decodePerfs(perfBytes(rows), 3), 2 ** 32)).toMatchObject({ algo: 1 });
  });
  it('none usable is a BackendError naming the op', () => {
    expect(() => pickAlgo('conv2dBackwardWeight', decodePerfs(perfBytes(rows.slice(0, 1)), 1), 1 << 30)).toThrow(BackendError);
    expect(() => pickAlgo('conv2dBackwardWeight', [], 1 << 30)).toThrow(/conv2dBackwardWeight: cuDNN found no algorithm/);
  });
});
