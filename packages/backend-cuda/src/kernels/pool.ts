// Max and average pooling and their backward passes (kernels/pool.cu), and layerNorm (kernels/layernorm.cu).
// The pooling geometry travels as one PoolGeo struct of 14 ints.
import { BYTES, type Kernel, type KernelName } from '@flint/core';
import type { ArgKind, ArgPack } from '../runtime/args.js';
import { FLOATS, addr, numel, suffixIn, type CT, type CudaBuffer, type DeviceContext } from './util.js';

/** The PoolGeo struct of kernels/pool.cu: N, C, H, W, Ho, Wo, kh, kw, sh, sw, ph, pw, dh, dw (int32 each). */
export const POOL_GEO = { bytes: 56, align: 4 } as const;

interface PoolAttrs { kernelSize: readonly [number, number]; stride: readonly [number, number]; padding: readonly [number, number]; dilation?: readonly [number, number] }

/** The 14 ints of a PoolGeo for input shape `x` and output shape `y`. */
export function poolGeo(x: readonly number[], y: readonly number[], a: PoolAttrs): number[] {
  const [N, C, H, W] = x as [number, number, number, number], [, , Ho, Wo] = y as [number, number, number, number];
  return [N, C, H, W, Ho, Wo, a.kernelSize[0], a.kernelSize[1], a.stride[0], a.stride[1], a.padding[0], a.padding[1], a.dilation?.[0] ?? 1, a.dilation?.[1] ?? 1];
}

const putGeo = (p: ArgPack, at: number, g: readonly number[]) => g.forEach((v, i) => p.view.setInt32(p.offset(at) + 4 * i, v, true));

/** maxPool2d, avgPool2d, their backward kernels, and layerNorm. */
export function poolKernels(ctx: DeviceContext): Partial<Record<KernelName, Kernel<CudaBuffer>>> {
  const rt = ctx.rt;
  const zero = (t: CT) => rt.driver.memsetD8(addr(t), 0, numel(t.shape) * BYTES[t.dtype], rt.compute);
  const isfx = (t: CT) => (t.dtype === 'int32' ? 'i32' : 'i64');
  const maxPool2d: Kernel<CudaBuffer> = ([x], [y, idx], attrs) => {
    const g = poolGeo(x!.shape, y!.shape, attrs as unknown as PoolAttrs), n = numel(y!.shape);
    if (n === 0) return;
    rt.launch({ file: 'pool', name: `maxpool2d_${suffixIn('maxPool2d', x!.dtype, FLOATS)}_${isfx(idx!)}` }, [POOL_GEO, 'ptr', 'ptr', 'ptr'],
      (p) => { putGeo(p, 0, g); p.ptr(1, addr(x!)).ptr(2, addr(y!)).ptr(3, addr(idx!)); }, n);
  };
  const maxPool2dBackward: Kernel<CudaBuffer> = ([gy, idx], [gx]) => {
    zero(gx!);
    const n = numel(gy!.shape), [, , Ho, Wo] = gy!.shape as number[], [, , H, W] = gx!.shape as number[];
    if (n === 0) return;
    rt.launch({ file: 'pool', name: `maxpool2d_backward_${suffixIn('maxPool2dBackward', gy!.dtype, FLOATS)}_${isfx(idx!)}` }, ['i64', 'i64', 'i64', 'ptr', 'ptr', 'ptr'],
      (p) => p.i64(0, Ho! * Wo!).i64(1, H! * W!).i64(2, n).ptr(3, addr(gy!)).ptr(4, addr(idx!)).ptr(5, addr(gx!)), n);
  };
  const avgKinds: ArgKind[] = [POOL_GEO, 'ptr', 'ptr', 'i32', 'i32'];
  const avg = (backward: boolean): Kernel<CudaBuffer> => ([a], [b], attrs) => {
    const at = attrs as unknown as PoolAttrs & { countIncludePad: boolean; divisorOverride: number | null };
    const [x, y] = backward ? [b!, a!] : [a!, b!];
    if (backward) zero(b!);
    const n = numel(y.shape);
    if (n === 0) return;
    const g = poolGeo(x.shape, y.shape, at);
    rt.launch({ file: 'pool', name: `avgpool2d${backward ? '_backward' : ''}_${suffixIn('avgPool2d', a!.dtype, FLOATS)}` }, avgKinds,
      (p) => { putGeo(p, 0, g); p.ptr(1, addr(a!)).ptr(2, addr(b!)).i32(3, at.countIncludePad ? 1 : 0).i32(4, at.divisorOverride ?? 0); }, n);
  };
  const layerNorm: Kernel<CudaBuffer> = ([x, w, b], [y, mean, rstd], attrs) => {
    const [M, D] = x!.shape as [number, number];
    if (M === 0) return;
    rt.launch({ file: 'layernorm', name: `layer_norm_${suffixIn('layerNorm', x!.dtype, FLOATS)}` }, ['ptr', 'ptr', 'ptr', 'ptr', 'ptr', 'ptr', 'i64', 'i64', 'f64'],
      (p) => p.ptr(0, addr(x!)).ptr(1, addr(w!)).ptr(2, addr(b!)).ptr(3, addr(y!)).ptr(4, addr(mean!)).ptr(5, addr(rstd!)).i64(6, M).i64(7, D).f64(8, (attrs as { eps: number }).eps),
      M, { grid: Math.min(M, 65535), block: 256 });
  };
  return { maxPool2d, maxPool2dBackward, avgPool2d: avg(false), avgPool2dBackward: avg(true), layerNorm };
}
