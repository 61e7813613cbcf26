// gruSequence and lstmSequence: one GRU/LSTM layer over the whole sequence as one cudnnRNNForward call
// (inference mode: core runs the cell-loop composite whenever autograd records the op). cuDNN's gate
// orders equal torch's (GRU r, z, n; LSTM i, f, g, o), so torch's weights are copied into cuDNN's weight
// space matrix by matrix. A reverse direction runs on a time-reversed copy of x.
import { BYTES, BackendError, type Kernel, type KernelName } from '@flint/core';
import { DNN, type Dnn } from '../ffi/cudnn.js';
import { outParam } from '../ffi/koffi.js';
import type { Block } from '../runtime/allocator.js';
import type { Handle } from '../runtime/driver.js';
import { launchGeo } from './elementwise.js';
import { addr, type CT, type CudaBuffer, type DeviceContext } from './util.js';

interface Plan {
  rnn: Handle; x: Handle; y: Handle; h: Handle;
  weights: Block; weightBytes: number; work: number; seqLengths: Block;
  /** Per linear layer id: where cuDNN keeps its matrix and bias in the weight space. */
  matrices: bigint[]; biases: bigint[];
}

/** gruSequence and lstmSequence through cuDNN's RNN API. */
export function rnnSequenceKernels(ctx: DeviceContext): Partial<Record<KernelName, Kernel<CudaBuffer>>> {
  const plans = new Map<string, Plan>();
  const rt = ctx.rt;
  const dnnOf = (op: string): Dnn => {
    if (!ctx.dnn) throw new BackendError(`${op}: cuDNN is not loaded (initCuda found no libcudnn.so.9); see the README on library discovery`);
    return ctx.dnn;
  };

  function plan(op: string, lstm: boolean, T: number, B: number, I: number, H: number, dtype: string, bias: boolean): Plan {
    const tf32 = ctx.tf32.cudnn && dtype === 'float32';
    const key = [op, T, B, I, H, dtype, bias, tf32].join('|');
    const hit = plans.get(key);
    if (hit) return hit;
    const dnn = dnnOf(op), f = dnn.f, dt = dtype === 'float64' ? DNN.DOUBLE : DNN.FLOAT;
    const rnn = dnn.make(op, 'createRnn');
    // one layer: no dropout between layers, but cuDNN wants a descriptor (probability 0 needs no RNG states)
    const dropout = dnn.make(op, 'createDropout');
    dnn.ok(op, 'cudnnSetDropoutDescriptor', f.setDropout(dropout, dnn.handle, 0, 0n, 0, 0));
    dnn.ok(op, 'cudnnSetRNNDescriptor_v8', f.setRnn(rnn, DNN.RNN_ALGO_STANDARD, lstm ? DNN.LSTM : DNN.GRU, bias ? DNN.RNN_DOUBLE_BIAS : DNN.RNN_NO_BIAS,
      DNN.UNIDIRECTIONAL, DNN.LINEAR_INPUT, dt, dt, tf32 ? DNN.DEFAULT_MATH : DNN.FMA_MATH, I, H, H, 1, dropout, 0));
    const lengths = new Int32Array(B).fill(T);
    const data = (size: number) => {
      const d = dnn.make(op, 'createRnnData');
      dnn.ok(op, 'cudnnSetRNNDataDescriptor', f.setRnnData(d, dt, DNN.SEQ_MAJOR_PACKED, T, B, size, lengths, null));
      return d;
    };
    const x = data(I), y = data(H);
    const h = dnn.make(op, 'createTensor');
    dnn.ok(op, 'cudnnSetTensorNdDescriptor', f.setTensorNd(h, dt, 3, new Int32Array([1, B, H]), new Int32Array([B * H, H, 1])));
    const wb = outParam<number>();
    dnn.ok(op, 'cudnnGetRNNWeightSpaceSize', f.rnnWeightSpaceSize(dnn.handle, rnn, wb));
    const work = outParam<number>(), reserve = outParam<number>();
    dnn.ok(op, 'cudnnGetRNNTempSpaceSizes', f.rnnTempSizes(dnn.handle, rnn, DNN.FWD_INFERENCE, x, work, reserve));
    const weightBytes = Number(wb[0]), weights = rt.alloc(weightBytes), seqLengths = rt.alloc(4 * B);
    rt.write(seqLengths, 0, lengths);
    const mDesc = dnn.make(op, 'createTensor'), bDesc = dnn.make(op, 'createTensor');
    const matrices: bigint[] = [], biases: bigint[] = [];
    for (let id = 0; id < (lstm ? 8 : 6); id++) {
      const m = outParam<bigint | number>(), b = outParam<bigint | number>();
      dnn.ok(op, 'cudnnGetRNNWeightParams', f.rnnWeightParams(dnn.handle, rnn, 0, weightBytes, weights.ptr, id, mDesc, m, bDesc, b));
      matrices.push(BigInt(m[0] ?? 0));
      biases.push(BigInt(b[0] ?? 0));
    }
    const p: Plan = { rnn, x, y, h, weights, weightBytes, work: Number(work[0]), seqLengths, matrices, biases };
    plans.set(key, p);
    return p;
  }

  /** A time-reversed dense copy of a [T, B, F] view into the block `into` (from its start). */
  const reverseTime = (src: CT, into: Block): void => {
    const [T, B, F] = src.shape as [number, number, number], el = BYTES[src.dtype];
    const dst: CT = { buffer: { block: into, bytes: T * B * F * el }, dtype: src.dtype, shape: src.shape, strides: [B * F, F, 1], offset: 0 };
    const rev: CT = { ...src, strides: [-B * F, F, 1], offset: src.offset + (T - 1) * B * F };
    launchGeo(ctx, `copy_${el}`, dst, [rev], [], () => {});
  };

  const run = (lstm: boolean): Kernel<CudaBuffer> => (ins, outs, attrs) => {
    const op = lstm ? 'lstmSequence' : 'gruSequence';
    const [x, h0] = ins as [CT, CT];
    const c0 = lstm ? ins[2]! : null;
    const [wIh, wHh, bIh, bHh] = ins.slice(lstm ? 3 : 2) as [CT, CT, CT | undefined, CT | undefined];
    const [T, B, I] = x.shape as [number, number, number], H = h0.shape[1]!, G = lstm ? 4 : 3, el = BYTES[x.dtype];
    if (T === 0) throw new BackendError(`${op}: the CUDA kernel needs at least one time step`);
    const p = plan(op, lstm, T, B, I, H, x.dtype, !!bIh), dnn = dnnOf(op), d = rt.driver;
    // torch's [G*H, I] and [G*H, H] weights, gate by gate, into cuDNN's per-gate matrices
    for (let g = 0; g < G; g++) {
      d.memcpyDtoD(p.matrices[g]!, addr(wIh) + BigInt(g * H * I * el), H * I * el, rt.compute);
      d.memcpyDtoD(p.matrices[G + g]!, addr(wHh) + BigInt(g * H * H * el), H * H * el, rt.compute);
      if (bIh && bHh) {
        d.memcpyDtoD(p.biases[g]!, addr(bIh) + BigInt(g * H * el), H * el, rt.compute);
        d.memcpyDtoD(p.biases[G + g]!, addr(bHh) + BigInt(g * H * el), H * el, rt.compute);
      }
    }
    const [out, hN, cN] = outs as [CT, CT, CT | undefined];
    const reverse = (attrs as { reverse: boolean }).reverse;
    const xr = reverse ? rt.alloc(T * B * I * el) : null, yr = reverse ? rt.alloc(T * B * H * el) : null;
    if (xr) reverseTime(x, xr);
    const work = p.work ? rt.alloc(p.work) : null;
    try {
      dnn.ok(op, 'cudnnRNNForward', dnn.f.rnnForward(dnn.handle, p.rnn, DNN.FWD_INFERENCE, p.seqLengths.ptr, p.x, xr ? xr.ptr : addr(x), p.y, yr ? yr.ptr : addr(out),
        p.h, addr(h0), addr(hN), p.h, c0 ? addr(c0) : 0n, cN ? addr(cN) : 0n, p.weightBytes, p.weights.ptr, p.work, work ? work.ptr : 0n, 0, 0n));
      if (yr) {
        const y: CT = { buffer: { block: yr, bytes: T * B * H * el }, dtype: x.dtype, shape: [T, B, H], strides: [B * H, H, 1], offset: 0 };
        reverseTime(y, out.buffer.block);
      }
    } finally {
      // stream-ordered frees: reused only by work queued after this call
      for (const b of [xr, yr, work]) if (b) rt.free(b);
    }
  };
  return { gruSequence: run(false), lstmSequence: run(true) };
}
