// matmul (cuBLAS strided-batched GEMM for float32/float64; a CUDA kernel for integers), the GRU/LSTM
// cell steps (kernels/rnn.cu) and the fused SGD/Adam steps (kernels/optim.cu).
import { BackendError, type Kernel, type KernelName } from '@flint/core';
import type { ArgKind } from '../runtime/args.js';
import { FLOATS, addr, numel, suffixIn, type CudaBuffer, type DeviceContext } from './util.js';

/** The scalar argument kind of a float kernel. */
const fk = (s: string): ArgKind => (s === 'f32' ? 'f32' : 'f64');
/** Rounds a host scalar to the kernel's dtype, as each op of the composite would store it. */
const roundTo = (s: string) => (s === 'f32' ? Math.fround : (x: number) => x);

/** matmul, the recurrent cells and the optimizer steps. */
export function linalgKernels(ctx: DeviceContext): Partial<Record<KernelName, Kernel<CudaBuffer>>> {
  const rt = ctx.rt;
  const matmul: Kernel<CudaBuffer> = ([a, b], [out]) => {
    const r = a!.shape.length, M = a!.shape[r - 2]!, K = a!.shape[r - 1]!, N = b!.shape[b!.shape.length - 1]!;
    const batch = numel(out!.shape) / Math.max(1, M * N);
    if (numel(out!.shape) === 0) return;
    if (K === 0) {
      rt.driver.memsetD8(addr(out!), 0, numel(out!.shape) * (out!.dtype === 'float64' || out!.dtype === 'int64' ? 8 : 4), rt.compute);
      return;
    }
    if (a!.dtype === 'float32' || a!.dtype === 'float64') {
      if (!ctx.blas) throw new BackendError('matmul: cuBLAS is not loaded (initCuda found no libcublas); see the README on library discovery');
      ctx.blas.gemm({ a: addr(a!), b: addr(b!), out: addr(out!), batch, M, K, N, double: a!.dtype === 'float64' });
      return;
    }
    const s = suffixIn('matmul', a!.dtype, ['i32', 'i64']);
    rt.launch({ file: 'matmul', name: `imatmul_${s}` }, ['ptr', 'ptr', 'ptr', 'i64', 'i64', 'i64', 'i64'],
      (p) => p.ptr(0, addr(a!)).ptr(1, addr(b!)).ptr(2, addr(out!)).i64(3, batch).i64(4, M).i64(5, K).i64(6, N), numel(out!.shape));
  };

  const cell = (name: string, op: string, inputs: number, outputs: number): Kernel<CudaBuffer> => (ins, outs) => {
    const state = ins[name.startsWith('lstm_cell_backward') ? 2 : name.startsWith('gru_cell_backward') ? 1 : 2]!;
    const [B, H] = state.shape as [number, number];
    const s = suffixIn(op, state.dtype, FLOATS);
    const ptrs = [...Array.from({ length: inputs }, (_, i) => (ins[i] ? addr(ins[i]!) : 0n)), ...outs.slice(0, outputs).map((t) => addr(t))];
    const kinds: ArgKind[] = [...ptrs.map((): ArgKind => 'ptr'), 'i64', 'i64'];
    rt.launch({ file: 'rnn', name: `${name}_${s}` }, kinds, (p) => { ptrs.forEach((v, i) => p.ptr(i, v)); p.i64(ptrs.length, B).i64(ptrs.length + 1, H); }, B * H);
  };

  const sgdStep: Kernel<CudaBuffer> = ([param, grad, buf], _o, attrs) => {
    const a = attrs as { lr: number; momentum: number; dampening: number; nesterov: boolean; weightDecay: number; maximize: boolean; firstStep: boolean };
    const s = suffixIn('sgdStep', param!.dtype, FLOATS), q = roundTo(s), n = numel(param!.shape);
    if (a.momentum !== 0 && !buf) throw new BackendError('sgdStep: momentum != 0 needs a momentumBuffer input');
    const flags = (a.nesterov ? 1 : 0) | (a.maximize ? 2 : 0) | (a.firstStep ? 4 : 0) | (buf ? 8 : 0) | (a.weightDecay !== 0 ? 16 : 0);
    const k = fk(s);
    rt.launch({ file: 'optim', name: `sgd_step_${s}` }, ['ptr', 'ptr', 'ptr', 'i64', k, k, k, k, 'i32'], (p) => {
      p.ptr(0, addr(param!)).ptr(1, addr(grad!)).ptr(2, buf ? addr(buf) : 0n).i64(3, n);
      const set = (i: number, v: number) => (k === 'f32' ? p.f32(i, v) : p.f64(i, v));
      set(4, q(a.momentum)); set(5, q(1 - a.dampening)); set(6, q(a.weightDecay)); set(7, q(-a.lr));
      p.i32(8, flags);
    }, n);
  };

  const adamStep: Kernel<CudaBuffer> = ([param, grad, m, v, maxSq], _o, attrs) => {
    const a = attrs as { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; step: number; amsgrad: boolean; maximize: boolean; decoupled: boolean };
    const s = suffixIn('adamStep', param!.dtype, FLOATS), q = roundTo(s), n = numel(param!.shape);
    if (a.amsgrad && !maxSq) throw new BackendError('adamStep: amsgrad needs a maxExpAvgSq input');
    // scalars as torch computes them in double, then rounded as the composite's float operands
    const stepSize = a.lr / (1 - a.beta1 ** a.step), bc2Sqrt = Math.sqrt(1 - a.beta2 ** a.step);
    const scalars = [a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, bc2Sqrt, a.eps, -stepSize, a.weightDecay, 1 - a.lr * a.weightDecay].map(q);
    const flags = (a.amsgrad ? 1 : 0) | (a.maximize ? 2 : 0) | (a.decoupled ? 4 : 0) | (a.weightDecay !== 0 ? 16 : 0);
    const k = fk(s);
    rt.launch({ file: 'optim', name: `adam_step_${s}` }, ['ptr', 'ptr', 'ptr', 'ptr', 'ptr', 'i64', ...scalars.map(() => k), 'i32'], (p) => {
      p.ptr(0, addr(param!)).ptr(1, addr(grad!)).ptr(2, addr(m!)).ptr(3, addr(v!)).ptr(4, maxSq ? addr(maxSq) : 0n).i64(5, n);
      scalars.forEach((x, i) => (k === 'f32' ? p.f32(6 + i, x) : p.f64(6 + i, x)));
      p.i32(6 + scalars.length, flags);
    }, n);
  };

  return {
    matmul,
    gruCell: cell('gru_cell', 'gruCell', 4, 2),
    gruCellBackward: cell('gru_cell_backward', 'gruCellBackward', 3, 3),
    lstmCell: cell('lstm_cell', 'lstmCell', 3, 3),
    lstmCellBackward: cell('lstm_cell_backward', 'lstmCellBackward', 4, 2),
    sgdStep, adamStep,
  };
}
