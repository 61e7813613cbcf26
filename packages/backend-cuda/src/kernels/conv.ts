// conv2d and its two backward kernels through cuDNN: descriptors and the algorithm are chosen once per
// shape (cudnnFind*, timing every algorithm, as torch.backends.cudnn.benchmark) and cached; TF32 follows
// torch.backends.cudnn.allow_tf32 (on by default). Workspaces come from the caching allocator.
import { BackendError, type Kernel, type KernelName } from '@flint/core';
import { DNN, type Dnn } from '../ffi/cudnn.js';
import type { Handle } from '../runtime/driver.js';
import { addr, denseStrides, type CudaBuffer, type DeviceContext } from './util.js';

/** One algorithm measurement decoded from cudnnConvolution*AlgoPerf_t (48 bytes each). */
export interface Perf { algo: number; status: number; time: number; memory: number; mathType: number }

/** Decodes `count` perf structs from the bytes cudnnFind* wrote. */
export function decodePerfs(bytes: Uint8Array, count: number): Perf[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: count }, (_, i) => ({
    algo: v.getInt32(i * 48, true), status: v.getInt32(i * 48 + 4, true), time: v.getFloat32(i * 48 + 8, true), memory: Number(v.getBigUint64(i * 48 + 16, true)), mathType: v.getInt32(i * 48 + 28, true),
  }));
}

/** The fastest algorithm that succeeded within the workspace limit; Find returns them sorted by time. */
export function pickAlgo(op: string, perfs: readonly Perf[], maxWorkspace: number): Perf {
  const ok = perfs.find((p) => p.status === 0 && p.memory <= maxWorkspace);
  if (!ok) throw new BackendError(`${op}: cuDNN found no algorithm for this shape within ${maxWorkspace} bytes of workspace (tried ${perfs.length})`);
  return ok;
}

interface ConvAttrs { stride: readonly [number, number]; padding: readonly [number, number]; dilation: readonly [number, number]; groups: number }
interface Plan { x: Handle; w: Handle; y: Handle; conv: Handle; bias?: Handle; algo: number; workspace: number }

const MAX_WORKSPACE = 1 << 30;
const REQUESTED = 8;

/** A tensor descriptor of a dense 4-d shape. */
export function tensorDesc(dnn: Dnn, op: string, dtype: number, shape: readonly number[]): Handle {
  const d = dnn.make(op, 'createTensor');
  dnn.ok(op, 'cudnnSetTensorNdDescriptor', dnn.f.setTensorNd(d, dtype, shape.length, new Int32Array(shape), new Int32Array(denseStrides(shape))));
  return d;
}

/** conv2d, conv2dBackwardInput, conv2dBackwardWeight. */
export function convKernels(ctx: DeviceContext): Partial<Record<KernelName, Kernel<CudaBuffer>>> {
  const plans = new Map<string, Plan>();
  const dnnOf = (op: string): Dnn => {
    if (!ctx.dnn) throw new BackendError(`${op}: cuDNN is not loaded (initCuda found no libcudnn.so.9); see the README on library discovery`);
    return ctx.dnn;
  };
  const scale = (dtype: string, v: number) => (dtype === 'float64' ? new Float64Array([v]) : new Float32Array([v]));

  function plan(kind: 'fwd' | 'data' | 'filter', op: string, x: readonly number[], w: readonly number[], y: readonly number[], dtype: string, a: ConvAttrs, bias: boolean): Plan {
    const dt = dtype === 'float64' ? DNN.DOUBLE : DNN.FLOAT, tf32 = ctx.tf32.cudnn && dt === DNN.FLOAT;
    const key = [kind, x, w, y, dtype, a.stride, a.padding, a.dilation, a.groups, tf32, bias].join('|');
    const cached = plans.get(key);
    if (cached) return cached;
    const dnn = dnnOf(op), f = dnn.f;
    const xd = tensorDesc(dnn, op, dt, x), yd = tensorDesc(dnn, op, dt, y);
    const wd = dnn.make(op, 'createFilter');
    dnn.ok(op, 'cudnnSetFilter4dDescriptor', f.setFilter4d(wd, dt, DNN.NCHW, w[0], w[1], w[2], w[3]));
    const cd = dnn.make(op, 'createConv');
    dnn.ok(op, 'cudnnSetConvolution2dDescriptor', f.setConv2d(cd, a.padding[0], a.padding[1], a.stride[0], a.stride[1], a.dilation[0], a.dilation[1], DNN.CROSS_CORRELATION, dt));
    dnn.ok(op, 'cudnnSetConvolutionGroupCount', f.setConvGroups(cd, a.groups));
    dnn.ok(op, 'cudnnSetConvolutionMathType', f.setConvMath(cd, tf32 ? DNN.DEFAULT_MATH : DNN.FMA_MATH));
    const returned = [0], perf = new Uint8Array(48 * REQUESTED);
    const [call, fn, args] = kind === 'fwd' ? ['cudnnFindConvolutionForwardAlgorithm', f.findFwd, [xd, wd, cd, yd]] as const
      : kind === 'data' ? ['cudnnFindConvolutionBackwardDataAlgorithm', f.findBwdData, [wd, yd, cd, xd]] as const
        : ['cudnnFindConvolutionBackwardFilterAlgorithm', f.findBwdFilter, [xd, yd, cd, wd]] as const;
    dnn.ok(op, call, fn(dnn.handle, ...args, REQUESTED, returned, perf));
    const best = pickAlgo(op, decodePerfs(perf, returned[0]!), MAX_WORKSPACE);
    // run the algorithm in the math mode it was measured in (cuDNN's advice; TF32 off gives FMA only)
    dnn.ok(op, 'cudnnSetConvolutionMathType', f.setConvMath(cd, best.mathType));
    const p: Plan = { x: xd, w: wd, y: yd, conv: cd, algo: best.algo, workspace: best.memory };
    if (bias) p.bias = tensorDesc(dnn, op, dt, [1, w[0]!, 1, 1]);
    plans.set(key, p);
    return p;
  }

  /** Runs `fn` with a workspace of `bytes` (null when none is needed), freed after enqueue (stream-ordered). */
  const withWorkspace = (bytes: number, fn: (ptr: bigint) => void) => {
    if (bytes === 0) return fn(0n);
    const b = ctx.rt.alloc(bytes);
    try { fn(b.ptr); } finally { ctx.rt.free(b); }
  };

  const conv2d: Kernel<CudaBuffer> = ([x, w, bias], [y], attrs) => {
    const a = attrs as unknown as ConvAttrs, p = plan('fwd', 'conv2d', x!.shape, w!.shape, y!.shape, x!.dtype, a, !!bias), dnn = dnnOf('conv2d');
    withWorkspace(p.workspace, (ws) => dnn.ok('conv2d', 'cudnnConvolutionForward', dnn.f.convFwd(dnn.handle, scale(x!.dtype, 1), p.x, addr(x!), p.w, addr(w!), p.conv, p.algo, ws, p.workspace, scale(x!.dtype, 0), p.y, addr(y!))));
    if (bias) dnn.ok('conv2d', 'cudnnAddTensor', dnn.f.addTensor(dnn.handle, scale(x!.dtype, 1), p.bias!, addr(bias), scale(x!.dtype, 1), p.y, addr(y!)));
  };
  const conv2dBackwardInput: Kernel<CudaBuffer> = ([dy, w], [dx], attrs) => {
    const a = attrs as unknown as ConvAttrs, p = plan('data', 'conv2dBackwardInput', dx!.shape, w!.shape, dy!.shape, dy!.dtype, a, false), dnn = dnnOf('conv2dBackwardInput');
    withWorkspace(p.workspace, (ws) => dnn.ok('conv2dBackwardInput', 'cudnnConvolutionBackwardData', dnn.f.convBwdData(dnn.handle, scale(dy!.dtype, 1), p.w, addr(w!), p.y, addr(dy!), p.conv, p.algo, ws, p.workspace, scale(dy!.dtype, 0), p.x, addr(dx!))));
  };
  const conv2dBackwardWeight: Kernel<CudaBuffer> = ([dy, x], [dw], attrs) => {
    const a = attrs as unknown as ConvAttrs, p = plan('filter', 'conv2dBackwardWeight', x!.shape, dw!.shape, dy!.shape, dy!.dtype, a, false), dnn = dnnOf('conv2dBackwardWeight');
    withWorkspace(p.workspace, (ws) => dnn.ok('conv2dBackwardWeight', 'cudnnConvolutionBackwardFilter', dnn.f.convBwdFilter(dnn.handle, scale(dy!.dtype, 1), p.x, addr(x!), p.y, addr(dy!), p.conv, p.algo, ws, p.workspace, scale(dy!.dtype, 0), p.w, addr(dw!))));
  };
  return { conv2d, conv2dBackwardInput, conv2dBackwardWeight };
}
