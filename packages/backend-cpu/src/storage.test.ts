import { describe, expect, it } from 'vitest';
import { floatToHalfBits, halfBitsToFloat, floatToBfloatBits, bfloatBitsToFloat } from '@flint/core';
import { createCpuBackend } from './backend.js';
import { roundBfloatInPlace, roundHalfInPlace } from './storage.js';

describe('cpu storage', () => {
  it('round-trips every dtype through write and read', () => {
    const b = createCpuBackend();
    const cases: [Parameters<typeof b.allocate>[0], ArrayLike<number> | BigInt64Array][] = [
      ['float32', new Float32Array([1.5, -2, 3e-8])], ['float64', new Float64Array([1 / 3, -1e300])],
      ['int32', new Int32Array([-5, 2 ** 31 - 1])], ['uint8', new Uint8Array([0, 255])], ['bool', new Uint8Array([1, 0])],
      ['int64', new BigInt64Array([-(2n ** 52n), 7n, 2n ** 60n + 1n, -(2n ** 63n), 2n ** 63n - 1n])], ['float16', new Uint16Array([0x3c00, 0xc000])], ['bfloat16', new Uint16Array([0x3f80, 0x4049])],
    ];
    for (const [dtype, data] of cases) {
      const buf = b.allocate(dtype, data.length);
      b.write(buf, dtype, data as never);
      expect(Array.from(b.readSync!(buf, dtype, 0, data.length) as never)).toEqual(Array.from(data as never));
    }
  });

  it('counts bytes and buffers, and releases them', () => {
    const b = createCpuBackend();
    const x = b.allocate('float32', 10), y = b.allocate('int64', 3);
    expect(b.memory()).toEqual({ bytes: 40 + 24, buffers: 2 });
    b.release(x); b.release(y);
    expect(b.memory()).toEqual({ bytes: 0, buffers: 0 });
  });

  it('wraps float32/int32/uint8/int64 host arrays without copying, but not half', () => {
    const b = createCpuBackend();
    const data = new Float32Array([1, 2]), longs = new BigInt64Array([2n ** 60n + 1n]);
    expect(b.wrap!('float32', data)).toBe(data);
    expect(b.wrap!('int64', longs)).toBe(longs);
    expect(b.wrap!('int64', new Float64Array(2))).toBeUndefined();
    expect(b.wrap!('float16', new Uint16Array(2))).toBeUndefined();
  });

  it('rounds to half and bfloat exactly like the bit conversions', () => {
    const vals = new Float32Array([1.0009765625, 1.00048828125, 1.00146484375, 65519, 65520, 1e-7, -3e-6, 5.96e-8, 2.98e-8, NaN, -Infinity, 0.1, 123.456]);
    const h = vals.slice(); roundHalfInPlace(h, 0, h.length);
    const bf = vals.slice(); roundBfloatInPlace(bf, 0, bf.length);
    vals.forEach((v, i) => {
      expect(h[i]).toEqual(halfBitsToFloat(floatToHalfBits(v)));
      expect(bf[i]).toEqual(bfloatBitsToFloat(floatToBfloatBits(v)));
    });
  });
});
