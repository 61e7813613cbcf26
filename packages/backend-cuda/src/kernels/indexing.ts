// gather and scatterAdd along one dim (kernels/index.cu): the index's shape and the other operands'
// row-major strides go in a Geo; out-of-range indices are reported at the next read.
import { BYTES, type Kernel, type KernelName } from '@flint/core';
import { GEO, MAX_DIMS, packGeometry, type ArgKind, type Geometry } from '../runtime/args.js';
import { addr, denseStrides, numel, suffixIn, type CT, type CudaBuffer, type DeviceContext } from './util.js';

const DTYPES = ['f32', 'f64', 'i32', 'i64', 'u8'] as const;
const KINDS: ArgKind[] = [GEO, 'ptr', 'ptr', 'ptr', 'i32', 'i64', 'ptr', 'i32'];

function indexGeo(op: string, index: CT, others: readonly CT[]): Geometry {
  if (index.shape.length > MAX_DIMS) throw new RangeError(`${op}: the CUDA backend indexes at most ${MAX_DIMS} dims, got ${index.shape.length}`);
  return { n: numel(index.shape), shape: index.shape, strides: [denseStrides(index.shape), ...others.map((t) => denseStrides(t.shape))], offsets: [0, 0, 0, 0], dense: false };
}

/** gather and scatterAdd. */
export function indexingKernels(ctx: DeviceContext): Partial<Record<KernelName, Kernel<CudaBuffer>>> {
  const rt = ctx.rt;
  const sfx = (op: string, t: CT) => (t.dtype === 'bool' ? 'u8' : suffixIn(op, t.dtype, DTYPES));
  const isfx = (t: CT) => (t.dtype === 'int32' ? 'i32' : 'i64');
  const gather: Kernel<CudaBuffer> = ([src, index], [out], attrs) => {
    const dim = (attrs as { dim: number }).dim, g = indexGeo('gather', index!, [src!]);
    if (g.n === 0) return;
    rt.launch({ file: 'index', name: `gather_${sfx('gather', src!)}_${isfx(index!)}` }, KINDS, (p) => {
      packGeometry(p.view, p.offset(0), g);
      p.ptr(1, addr(src!)).ptr(2, addr(index!)).ptr(3, addr(out!)).i32(4, dim).i64(5, src!.shape[dim] ?? 1).ptr(6, rt.errFlag.ptr).i32(7, rt.site('gather'));
    }, g.n);
  };
  const scatterAdd: Kernel<CudaBuffer> = ([self, index, src], [out], attrs) => {
    const dim = (attrs as { dim: number }).dim, bytes = numel(out!.shape) * BYTES[out!.dtype];
    if (bytes > 0) rt.driver.memcpyDtoD(addr(out!), addr(self!), bytes, rt.compute);
    const g = indexGeo('scatterAdd', index!, [src!, out!]);
    if (g.n === 0) return;
    rt.launch({ file: 'index', name: `scatter_add_${sfx('scatterAdd', self!)}_${isfx(index!)}` }, KINDS, (p) => {
      packGeometry(p.view, p.offset(0), g);
      p.ptr(1, addr(index!)).ptr(2, addr(src!)).ptr(3, addr(out!)).i32(4, dim).i64(5, out!.shape[dim] ?? 1).ptr(6, rt.errFlag.ptr).i32(7, rt.site('scatterAdd'));
    }, g.n);
  };
  return { gather, scatterAdd };
}
