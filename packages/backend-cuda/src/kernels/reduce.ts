// Reductions over trailing dims (sum, prod, max, min, argmax, argmin), cumsum, and the softmax family
// (softmax, logSoftmax, fused cross-entropy) over dense inputs: kernels/reduce.cu and kernels/softmax.cu.
import { BackendError, type Kernel, type KernelName } from '@flint/core';
import { FLOATS, addr, numel, suffixIn, type CT, type CudaBuffer, type DeviceContext } from './util.js';

const REDUCE_DTYPES = ['f32', 'f64', 'i32', 'i64', 'u8'] as const;
/** bool reduces as uint8 (same bytes, 0/1 stay 0/1 under max/min/arg). */
const reduceSuffix = (op: string, t: CT) => (t.dtype === 'bool' ? 'u8' : suffixIn(op, t.dtype, REDUCE_DTYPES));
const rowsKinds = ['ptr', 'ptr', 'i64', 'i64'] as const;
/** One block per row, up to the grid limit (the kernels loop over the rest). */
const rowGrid = (rows: number) => ({ grid: Math.max(1, Math.min(rows, 65535)), block: 256 });

/** The reduction, cumsum and softmax kernels. */
export function reduceKernels(ctx: DeviceContext): Partial<Record<KernelName, Kernel<CudaBuffer>>> {
  const rt = ctx.rt;
  const rowsOf = (x: CT, out: CT) => { const rows = numel(out.shape); return { rows, cols: rows === 0 ? 0 : numel(x.shape) / rows }; };
  const reduce = (op: 'sum' | 'prod' | 'max' | 'min' | 'argmax' | 'argmin'): Kernel<CudaBuffer> => ([x], [out]) => {
    const { rows, cols } = rowsOf(x!, out!);
    if (rows === 0) return;
    if (op.startsWith('arg') && out!.dtype !== 'int64') throw new BackendError(`${op}: the CUDA backend writes int64 indices, got an output of ${out!.dtype}`);
    rt.launch({ file: 'reduce', name: `${op}_${reduceSuffix(op, x!)}` }, rowsKinds, (p) => p.ptr(0, addr(x!)).ptr(1, addr(out!)).i64(2, rows).i64(3, cols), rows, rowGrid(rows));
  };
  const cumsum: Kernel<CudaBuffer> = ([x], [out]) => {
    const n = numel(x!.shape);
    if (n === 0) return;
    const cols = x!.shape.length ? x!.shape[x!.shape.length - 1]! : 1, rows = n / cols;
    rt.launch({ file: 'reduce', name: `cumsum_${reduceSuffix('cumsum', x!)}` }, rowsKinds, (p) => p.ptr(0, addr(x!)).ptr(1, addr(out!)).i64(2, rows).i64(3, cols), rows);
  };
  const softmax = (name: 'softmax' | 'log_softmax', op: string): Kernel<CudaBuffer> => ([x], [out]) => {
    const n = numel(x!.shape);
    if (n === 0) return;
    const cols = x!.shape[x!.shape.length - 1] ?? 1, rows = n / cols;
    rt.launch({ file: 'softmax', name: `${name}_${suffixIn(op, x!.dtype, FLOATS)}` }, rowsKinds, (p) => p.ptr(0, addr(x!)).ptr(1, addr(out!)).i64(2, rows).i64(3, cols), rows, rowGrid(rows));
  };
  const crossEntropy: Kernel<CudaBuffer> = ([logits, target], [loss], attrs) => {
    const a = attrs as { ignoreIndex: number; reduction: 'mean' | 'sum' | 'none' };
    const [N, C] = logits!.shape as [number, number];
    const s = suffixIn('crossEntropy', logits!.dtype, FLOATS), bytes = s === 'f32' ? 4 : 8;
    const perRow = a.reduction === 'none' ? null : rt.alloc(N * bytes), valid = rt.alloc(Math.max(N, 1) * bytes);
    const lossPtr = perRow ? perRow.ptr : addr(loss!);
    if (N > 0) {
      rt.launch({ file: 'softmax', name: `xent_rows_${s}_${target!.dtype === 'int32' ? 'i32' : 'i64'}` },
        ['ptr', 'ptr', 'ptr', 'ptr', 'i64', 'i64', 'i64', 'ptr', 'i32'],
        (p) => p.ptr(0, addr(logits!)).ptr(1, addr(target!)).ptr(2, lossPtr).ptr(3, valid.ptr).i64(4, N).i64(5, C).i64(6, a.ignoreIndex).ptr(7, rt.errFlag.ptr).i32(8, rt.site('crossEntropy')),
        N, rowGrid(N));
    }
    if (perRow) {
      rt.launch({ file: 'softmax', name: `xent_reduce_${s}` }, ['ptr', 'ptr', 'ptr', 'i64', 'i32'],
        (p) => p.ptr(0, perRow.ptr).ptr(1, valid.ptr).ptr(2, addr(loss!)).i64(3, N).i32(4, a.reduction === 'mean' ? 1 : 0), 1, { grid: 1, block: 256 });
      rt.free(perRow);
    }
    // stream-ordered: the temporaries are reused only by work queued after these kernels
    rt.free(valid);
  };
  return {
    sum: reduce('sum'), prod: reduce('prod'), max: reduce('max'), min: reduce('min'), argmax: reduce('argmax'), argmin: reduce('argmin'),
    cumsum, softmax: softmax('softmax', 'softmax'), logSoftmax: softmax('log_softmax', 'logSoftmax'), crossEntropy,
  };
}
