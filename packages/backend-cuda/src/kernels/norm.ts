// batchNorm and batchNormBackward through cuDNN's spatial batch normalization on x [N, C, S] viewed as
// [N, C, S, 1]. Core owns the running statistics: training passes no running buffers to cuDNN (it only
// returns the batch mean and 1/sqrt(biased var + eps)); eval reads them.
import { BackendError, type Kernel, type KernelName } from '@flint/core';
import { DNN, type Dnn } from '../ffi/cudnn.js';
import type { Handle } from '../runtime/driver.js';
import { tensorDesc } from './conv.js';
import { addr, type CudaBuffer, type DeviceContext } from './util.js';

/** cuDNN's smallest accepted epsilon is far below any torch default; backward gets the saved statistics, so its epsilon is unused. */
const BACKWARD_EPS = 1e-5;

/** batchNorm and batchNormBackward. */
export function normKernels(ctx: DeviceContext): Partial<Record<KernelName, Kernel<CudaBuffer>>> {
  const descs = new Map<string, { x: Handle; bn: Handle }>();
  const dnnOf = (op: string): Dnn => {
    if (!ctx.dnn) throw new BackendError(`${op}: cuDNN is not loaded (initCuda found no libcudnn.so.9); see the README on library discovery`);
    return ctx.dnn;
  };
  const descOf = (op: string, shape: readonly number[], dtype: string) => {
    const [N, C, S] = shape as [number, number, number];
    const key = `${N},${C},${S},${dtype}`;
    let d = descs.get(key);
    if (!d) {
      const dnn = dnnOf(op), dt = dtype === 'float64' ? DNN.DOUBLE : DNN.FLOAT;
      const x = tensorDesc(dnn, op, dt, [N, C, S, 1]), bn = dnn.make(op, 'createTensor');
      dnn.ok(op, 'cudnnDeriveBNTensorDescriptor', dnn.f.deriveBn(bn, x, DNN.BN_SPATIAL));
      descs.set(key, (d = { x, bn }));
    }
    return d;
  };
  const one = (dtype: string) => (dtype === 'float64' ? new Float64Array([1]) : new Float32Array([1]));
  const zero = (dtype: string) => (dtype === 'float64' ? new Float64Array([0]) : new Float32Array([0]));

  const batchNorm: Kernel<CudaBuffer> = ([x, w, b, rm, rv], [y, mean, invstd], attrs) => {
    const a = attrs as { training: boolean; eps: number }, dnn = dnnOf('batchNorm'), d = descOf('batchNorm', x!.shape, x!.dtype), t = x!.dtype;
    if (a.training) {
      dnn.ok('batchNorm', 'cudnnBatchNormalizationForwardTraining', dnn.f.bnTrain(dnn.handle, DNN.BN_SPATIAL, one(t), zero(t), d.x, addr(x!), d.x, addr(y!), d.bn,
        addr(w!), addr(b!), 0, 0n, 0n, a.eps, addr(mean!), addr(invstd!)));
    } else {
      dnn.ok('batchNorm', 'cudnnBatchNormalizationForwardInference', dnn.f.bnInfer(dnn.handle, DNN.BN_SPATIAL, one(t), zero(t), d.x, addr(x!), d.x, addr(y!), d.bn,
        addr(w!), addr(b!), addr(rm!), addr(rv!), a.eps));
    }
  };
  const batchNormBackward: Kernel<CudaBuffer> = ([dy, x, w, mean, invstd], [dx, dw, db]) => {
    const dnn = dnnOf('batchNormBackward'), d = descOf('batchNormBackward', x!.shape, x!.dtype), t = x!.dtype;
    dnn.ok('batchNormBackward', 'cudnnBatchNormalizationBackward', dnn.f.bnBackward(dnn.handle, DNN.BN_SPATIAL, one(t), zero(t), one(t), zero(t),
      d.x, addr(x!), d.x, addr(dy!), d.x, addr(dx!), d.bn, addr(w!), addr(dw!), addr(db!), BACKWARD_EPS, addr(mean!), addr(invstd!)));
  };
  return { batchNorm, batchNormBackward };
}
