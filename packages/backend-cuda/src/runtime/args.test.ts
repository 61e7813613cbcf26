// Argument packing, byte for byte: the layout cuLaunchKernel reads (one pointer per argument into one
// reused buffer) and the Geo struct of kernels/common.cuh; and dim merging for strided kernels.
import { describe, expect, it } from 'vitest';
import { ArgPack, GEO, argLayout, packGeometry } from './args.js';
import { geometry } from './geometry.js';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

describe('argLayout', () => {
  it('aligns each argument naturally and rounds the total to 8 bytes', () => {
    expect(argLayout(['i32', 'ptr', 'f32', 'f64', 'u32'])).toEqual({ offsets: [0, 8, 16, 24, 32], bytes: 40 });
    expect(argLayout(['i32', 'i32', 'i64'])).toEqual({ offsets: [0, 4, 8], bytes: 16 });
    expect(argLayout([GEO, 'ptr', 'i32']).offsets).toEqual([0, GEO.bytes, GEO.bytes + 8]);
  });
});

describe('ArgPack', () => {
  it('points params[i] at argument i inside the one values buffer', () => {
    const p = new ArgPack(['ptr', 'i32', 'f64'], () => 0x1000n);
    expect(Array.from(p.params)).toEqual([0x1000n, 0x1008n, 0x1010n]);
  });
  it('writes little-endian values in place; rewriting reuses the same buffer', () => {
    const p = new ArgPack(['ptr', 'i32', 'u32', 'f32', 'f64', 'i64'], () => 0n);
    const buf = p.values;
    p.ptr(0, 0x0102030405060708n).i32(1, -2).u32(2, 0xfffffffe).f32(3, 1.5).f64(4, -0.25).i64(5, 2 ** 40 + 3);
    expect(hex(p.values)).toBe(
      '0807060504030201' + 'feffffff' + 'feffffff' + '0000c03f' + '00000000' + '000000000000d0bf' + '0300000000010000',
    );
    p.i32(1, 7);
    expect(p.values).toBe(buf);
    expect(hex(p.values.subarray(8, 12))).toBe('07000000');
  });
});

describe('Geo struct', () => {
  it('packs n, ndim, dense, shape[8], stride[4][8], offset[4] as kernels/common.cuh declares', () => {
    expect(GEO).toEqual({ bytes: 368, align: 8 });
    const view = new DataView(new ArrayBuffer(GEO.bytes + 8));
    view.setUint32(4, 0xdeadbeef, true); // stale bytes are cleared
    packGeometry(view, 0, { n: 6, shape: [2, 3], strides: [[3, 1], [0, 1], [1, 2]], offsets: [0, 5, 7], dense: false });
    const i64 = (at: number) => Number(view.getBigInt64(at, true));
    expect(i64(0)).toBe(6);
    expect(view.getInt32(8, true)).toBe(2);
    expect(view.getInt32(12, true)).toBe(0);
    expect([i64(16), i64(24), i64(32)]).toEqual([2, 3, 0]);
    const stride = (o: number, k: number) => i64(16 + 64 + 8 * (o * 8 + k));
    expect([stride(0, 0), stride(0, 1), stride(1, 0), stride(1, 1), stride(2, 0), stride(2, 1), stride(3, 0)]).toEqual([3, 1, 0, 1, 1, 2, 0]);
    const off = (o: number) => i64(16 + 64 + 256 + 8 * o);
    expect([off(0), off(1), off(2), off(3)]).toEqual([0, 5, 7, 0]);
  });
  it('refuses more dims than a kernel indexes', () => {
    const view = new DataView(new ArrayBuffer(GEO.bytes));
    expect(() => packGeometry(view, 0, { n: 1, shape: new Array(9).fill(1), strides: [], offsets: [], dense: false })).toThrow(/at most 8 dims/);
  });
});

describe('geometry (dim merging)', () => {
  it('merges a contiguous tensor into one dense run', () => {
    const g = geometry([2, 3, 4], [{ strides: [12, 4, 1], offset: 0 }, { strides: [12, 4, 1], offset: 3 }]);
    expect(g).toEqual({ n: 24, shape: [24], strides: [[1], [1]], offsets: [0, 3], dense: true });
  });
  it('keeps a broadcast dim apart and drops size-1 dims', () => {
    const g = geometry([2, 1, 3], [{ strides: [3, 3, 1], offset: 0 }, { strides: [0, 0, 1], offset: 0 }]);
    expect(g).toEqual({ n: 6, shape: [2, 3], strides: [[3, 1], [0, 1]], offsets: [0, 0], dense: false });
  });
  it('a transposed operand stays two dims', () => {
    const g = geometry([3, 2], [{ strides: [2, 1], offset: 0 }, { strides: [1, 3], offset: 0 }]);
    expect(g.shape).toEqual([3, 2]);
    expect(g.dense).toBe(false);
  });
  it('a 0-d tensor is one dense element', () => {
    expect(geometry([], [{ strides: [], offset: 2 }])).toEqual({ n: 1, shape: [], strides: [[]], offsets: [2], dense: true });
  });
});
