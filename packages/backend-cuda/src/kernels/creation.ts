// Storage kernels and creation: copy (any strided view to any), cast, fill, arange, and Philox random
// draws with the stream of @flint/core's uniformAt/normalAt.
import { BYTES, floatToBfloatBits, floatToHalfBits, type DType, type Kernel, type KernelName } from '@flint/core';
import { CAST_DTYPES } from './elementwise.gen.js';
import { launchGeo } from './elementwise.js';
import { COMPUTE, FLOATS, addr, numel, suffixIn, SUFFIX, type CudaBuffer, type DeviceContext } from './util.js';

/** The bits `fill_<bytes>` writes for `value` in `dtype` (little-endian, in a uint64). */
export function fillBits(dtype: DType, value: number | bigint | boolean): bigint {
  const v = typeof value === 'boolean' ? Number(value) : value;
  switch (dtype) {
    case 'float32': return BigInt(new Uint32Array(new Float32Array([Number(v)]).buffer)[0]!);
    case 'float64': return new BigUint64Array(new Float64Array([Number(v)]).buffer)[0]!;
    case 'float16': return BigInt(floatToHalfBits(Number(v)));
    case 'bfloat16': return BigInt(floatToBfloatBits(Number(v)));
    case 'int32': return BigInt.asUintN(32, typeof v === 'bigint' ? v : BigInt(Math.trunc(v)));
    case 'int64': return BigInt.asUintN(64, typeof v === 'bigint' ? v : BigInt(Math.trunc(v)));
    case 'uint8': return BigInt.asUintN(8, typeof v === 'bigint' ? v : BigInt(Math.trunc(v)));
    case 'bool': return v !== 0 && v !== 0n ? 1n : 0n;
  }
}

/** copy, cast, fill, arange and random. */
export function creationKernels(ctx: DeviceContext): Partial<Record<KernelName, Kernel<CudaBuffer>>> {
  const rt = ctx.rt;
  const copy: Kernel<CudaBuffer> = ([src], [dst]) => launchGeo(ctx, `copy_${BYTES[src!.dtype]}`, dst!, [src!], [], () => {});
  const cast: Kernel<CudaBuffer> = ([x], [out]) => {
    if (x!.dtype === out!.dtype) return copy([x!], [out!], {});
    launchGeo(ctx, `cast_${suffixIn('cast', x!.dtype, CAST_DTYPES)}_${suffixIn('cast', out!.dtype, CAST_DTYPES)}`, out!, [x!], [], () => {});
  };
  const fill: Kernel<CudaBuffer> = ([], [out], attrs) => {
    const n = numel(out!.shape);
    if (n === 0) return;
    const bits = fillBits(out!.dtype, (attrs as { value: number | bigint | boolean }).value);
    rt.launch({ file: 'elementwise.gen', name: `fill_${BYTES[out!.dtype]}` }, ['i64', 'i64', 'ptr'], (p) => p.i64(0, n).i64(1, BigInt.asIntN(64, bits)).ptr(2, addr(out!)), n);
  };
  const arange: Kernel<CudaBuffer> = ([], [out], attrs) => {
    const n = numel(out!.shape), a = attrs as { start: number; step: number };
    if (n === 0) return;
    rt.launch({ file: 'elementwise.gen', name: `arange_${suffixIn('arange', out!.dtype, COMPUTE)}` }, ['i64', 'f64', 'f64', 'ptr'],
      (p) => p.i64(0, n).f64(1, a.start).f64(2, a.step).ptr(3, addr(out!)), n);
  };
  const random: Kernel<CudaBuffer> = ([], [out], attrs) => {
    const n = numel(out!.shape);
    if (n === 0) return;
    const a = attrs as { dist: 'uniform' | 'normal'; key: readonly [number, number]; counter: number; low?: number; high?: number; mean?: number; std?: number };
    const s = suffixIn('random', out!.dtype, FLOATS);
    const [x, y] = a.dist === 'uniform' ? [a.low ?? 0, a.high ?? 1] : [a.mean ?? 0, a.std ?? 1];
    rt.launch({ file: 'random', name: `${a.dist}_${s}` }, ['ptr', 'i64', 'u32', 'u32', 'i64', 'f64', 'f64'],
      (p) => p.ptr(0, addr(out!)).i64(1, n).u32(2, a.key[0]).u32(3, a.key[1]).i64(4, a.counter).f64(5, x).f64(6, y), n);
  };
  return { copy, cast, fill, arange, random };
}

/** The storage dtypes kernels see, for messages. */
export const STORAGE_SUFFIXES = Object.values(SUFFIX);
