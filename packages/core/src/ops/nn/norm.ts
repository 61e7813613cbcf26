// Batch and layer normalization. batchNorm updates the running statistics in place in training mode
// (core owns that update; kernels only read them), with torch's unbiased variance for runningVar.
import { apply, hasKernel, recordingParts, runKernel } from '../../dispatch.js';
import { ShapeError, fmtShape } from '../../errors.js';
import { numel } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { add, div, mul, sub } from '../binary.js';
import { full } from '../creation.js';
import { cast } from '../device.js';
import { mean as meanOf, sum, variance } from '../reduce.js';
import { relu, reluBackward, rsqrt } from '../unary.js';
import { keep } from '../../memory.js';
import { requireSameFloat } from './util.js';
import { checkOptions, optionKeys } from '../../names.js';

/**
 * Options of {@link batchNorm}.
 * @property weight - per-channel scale (default none)
 * @property bias - per-channel shift (default none)
 * @property training - normalize with the batch's statistics and update the running ones (default false)
 * @property eps - added to the variance for numerical stability (default 1e-5)
 */
export interface BatchNormOptions {
  weight?: Tensor | null; bias?: Tensor | null; training?: boolean; eps?: number;
  /**
   * The running statistics' update factor (default 0.1). A 0-d tensor works too, for a factor that lives on
   * the device (PyTorch's momentum=None cumulative average, 1/numBatchesTracked, without reading it back).
   */
  momentum?: number | Tensor;
}
const BN_KEYS = optionKeys<BatchNormOptions>()('weight', 'bias', 'training', 'eps', 'momentum');

function checkPerChannel(op: string, what: string, t: Tensor | null | undefined, C: number, x: Tensor): void {
  if (t && (t.ndim !== 1 || t.shape[0] !== C)) {
    throw new ShapeError(`${op}: ${what} ${fmtShape(t.shape)} must have shape [${C}], one value per channel of input ${fmtShape(x.shape)}`);
  }
}

/** x [N, C, *] viewed as [N, C, S]. */
function channels(op: string, x: Tensor): [number, number, number] {
  if (x.ndim < 2) throw new ShapeError(`${op}: expected input of shape [N,C] or [N,C,*], got ${fmtShape(x.shape)}`);
  return [x.shape[0]!, x.shape[1]!, numel(x.shape.slice(2))];
}

const perChannel = (t: Tensor): Tensor => t.reshape([1, t.numel(), 1]);

/** torch.nn.functional.batch_norm over dim 1 of x [N, C, *]. */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormOptions = {}): Tensor {
  return normalize('batchNorm', x, runningMean, runningVar, opts);
}

/**
 * relu(batchNorm(x, ...)) as one op: the same values (and running-statistics update) in one pass over memory
 * where the backend has the fused kernel, as the BN-ReLU pairs of DenseNet and ResNet blocks use it.
 */
export function batchNormRelu(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormOptions = {}): Tensor {
  return normalize('batchNormRelu', x, runningMean, runningVar, opts);
}

/** The statistics of the training-mode call whose hooks are running: see {@link batchNormStatsOf}. */
let lastStats: { y: Tensor; mean: Tensor; invstd: Tensor } | null = null;

/**
 * For gradient rules: while the hooks of a training-mode {@link batchNorm} or {@link batchNormRelu} call run
 * (afterOp), the per-channel statistics it normalized with (what {@link batchNormStats} of its input gives,
 * bit for bit), given that call's output `y`; otherwise undefined. A rule saves them instead of recomputing
 * them, a pass over the input. They are freed after the hooks unless a hook keeps them.
 */
export function batchNormStatsOf(y: Tensor): { mean: Tensor; invstd: Tensor } | undefined {
  return lastStats?.y === y ? { mean: lastStats.mean, invstd: lastStats.invstd } : undefined;
}

function normalize(op: 'batchNorm' | 'batchNormRelu', x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormOptions): Tensor {
  checkOptions(op, opts, BN_KEYS);
  const [N, C, S] = channels(op, x);
  const { weight = null, bias = null } = opts;
  const training = opts.training ?? false, momentum = opts.momentum ?? 0.1, eps = opts.eps ?? 1e-5;
  checkPerChannel(op, 'runningMean', runningMean, C, x);
  checkPerChannel(op, 'runningVar', runningVar, C, x);
  checkPerChannel(op, 'weight', weight, C, x);
  checkPerChannel(op, 'bias', bias, C, x);
  // float16/bfloat16 input with float32 statistics and affine parameters (what a BatchNorm layer sees under
  // autocast): computed in float32 and rounded back, as torch's mixed-type CPU batch_norm does
  const params = [runningMean, runningVar, weight, bias].filter((t): t is Tensor => !!t);
  if ((x.dtype === 'float16' || x.dtype === 'bfloat16') && params.length > 0 && params.every((t) => t.dtype === 'float32')) {
    return cast(normalize(op, cast(x, 'float32'), runningMean, runningVar, opts), x.dtype);
  }
  requireSameFloat(op, x, runningMean, runningVar, weight, bias);
  if (!training && (!runningMean || !runningVar)) {
    throw new ShapeError(`${op}: runningMean and runningVar are required in eval mode (training: false); pass them, or use training: true`);
  }
  if (training && N * S === 1) {
    throw new ShapeError(`${op}: expected more than 1 value per channel when training, got input ${fmtShape(x.shape)}`);
  }
  const inputs = [x, runningMean, runningVar, weight, bias].filter((t): t is Tensor => !!t);
  const attrs = { training, momentum: typeof momentum === 'number' ? momentum : 'tensor', eps, stats: [!!runningMean, !!runningVar], affine: [!!weight, !!bias] };
  let stats: typeof lastStats = null;
  try {
    return apply(op, inputs, attrs, () => {
      // an empty batch normalizes to an empty result and leaves the running statistics alone, as in torch
      if (N * S === 0) return x.clone();
      // the fused op differentiated through its parts (a hook records them) is batchNorm, then relu
      if (op === 'batchNormRelu' && (!hasKernel(op, x.device) || recordingParts())) return relu(batchNorm(x, runningMean, runningVar, opts));
      const x3 = x.reshape([N, C, S]), like = { dtype: x.dtype, device: x.device };
      let y: Tensor, mean: Tensor | undefined, invstd: Tensor | undefined, biasedVar: Tensor | undefined;
      if (hasKernel(op, x.device)) {
        const ins = [x3, weight ?? full([C], 1, like), bias ?? full([C], 0, like), runningMean ?? full([C], 0, like), runningVar ?? full([C], 1, like)];
        const [out, saveMean, saveInvstd] = runKernel(op, x.device, ins, [{ shape: [N, C, S], dtype: x.dtype }, { shape: [C], dtype: x.dtype }, { shape: [C], dtype: x.dtype }], { training, eps });
        y = out!;
        if (training) { mean = saveMean!; invstd = saveInvstd!; biasedVar = sub(div(1, mul(invstd, invstd)), eps); }
      } else {
        if (training) {
          mean = meanOf(x3, [0, 2]);
          biasedVar = variance(x3, [0, 2], false, { correction: 0 });
          invstd = rsqrt(add(biasedVar, eps)); // as batchNormStats' composite computes it
        }
        const m = training ? mean! : runningMean!, rstd = training ? invstd! : rsqrt(add(runningVar!, eps));
        const scale = weight ? mul(rstd, weight) : rstd;
        y = mul(sub(x3, perChannel(m)), perChannel(scale));
        if (bias) y = add(y, perChannel(bias));
      }
      if (training && runningMean && runningVar) {
        const n = N * S;
        const keepOld = typeof momentum === 'number' ? 1 - momentum : sub(1, momentum);
        const unbiased = typeof momentum === 'number' ? (momentum * n) / (n - 1) : mul(momentum, n / (n - 1));
        runningMean.mul_(keepOld).add_(mul(mean!, momentum));
        runningVar.mul_(keepOld).add_(mul(biasedVar!, unbiased));
      }
      const result = y.reshape([...x.shape]);
      // the statistics, for batchNormStatsOf while the hooks run
      if (training) lastStats = stats = { y: result, mean: keep(mean!), invstd: keep(invstd!) };
      return result;
    });
  } finally {
    const st = stats as typeof lastStats; // set inside the callback
    if (st) { if (lastStats === st) lastStats = null; st.mean.dispose(); st.invstd.dispose(); }
  }
}

/**
 * Options of {@link batchNormStats}.
 * @property eps - added to the variance (default 1e-5)
 */
export interface BatchNormStatsOptions { eps?: number }

/** The batch statistics training-mode batchNorm normalizes with: mean and 1/sqrt(biasedVar + eps) per channel. */
export function batchNormStats(x: Tensor, opts: BatchNormStatsOptions = {}): { mean: Tensor; invstd: Tensor } {
  checkOptions('batchNormStats', opts, ['eps']);
  const op = 'batchNormStats';
  const [N, C, S] = channels(op, x);
  requireSameFloat(op, x);
  const eps = opts.eps ?? 1e-5;
  return apply(op, [x], { eps }, () => {
    const x3 = x.reshape([N, C, S]);
    // the kernel where nothing differentiates through the statistics (a double backward runs the composite)
    if (N * S > 0 && hasKernel(op, x.device) && !recordingParts()) {
      const [mean, invstd] = runKernel(op, x.device, [x3], [{ shape: [C], dtype: x.dtype }, { shape: [C], dtype: x.dtype }], { eps });
      return { mean: mean!, invstd: invstd! };
    }
    return { mean: meanOf(x3, [0, 2]), invstd: rsqrt(add(variance(x3, [0, 2], false, { correction: 0 }), eps)) };
  });
}

/** Options of {@link batchNormBackward}. */
export interface BatchNormBackwardOptions {
  /** false: gradients of eval mode, where saveMean/saveInvstd are the running statistics (constants). */
  training?: boolean;
}
/**
 * What {@link batchNormBackward} returns.
 * @property gradInput - the gradient of the input
 * @property gradWeight - the gradient of the per-channel scale
 * @property gradBias - the gradient of the per-channel shift
 */
export interface BatchNormGrads { gradInput: Tensor; gradWeight: Tensor; gradBias: Tensor }

/** Gradients of batchNorm given the statistics it normalized with (see batchNormStats). */
export function batchNormBackward(gradOut: Tensor, x: Tensor, weight: Tensor | null, saveMean: Tensor, saveInvstd: Tensor, opts: BatchNormBackwardOptions = {}): BatchNormGrads {
  return normGrads('batchNormBackward', gradOut, null, x, weight, saveMean, saveInvstd, opts);
}

/**
 * Gradients of {@link batchNormRelu} given its output `out` and the statistics it normalized with:
 * batchNormBackward of reluBackward(gradOut, out), as one kernel where the backend has it (training mode).
 */
export function batchNormReluBackward(gradOut: Tensor, out: Tensor, x: Tensor, weight: Tensor | null, saveMean: Tensor, saveInvstd: Tensor, opts: BatchNormBackwardOptions = {}): BatchNormGrads {
  return normGrads('batchNormReluBackward', gradOut, out, x, weight, saveMean, saveInvstd, opts);
}

/** batchNormBackward, or with relu's output `out` batchNormReluBackward. */
function normGrads(op: 'batchNormBackward' | 'batchNormReluBackward', gradOut: Tensor, out: Tensor | null, x: Tensor, weight: Tensor | null,
  saveMean: Tensor, saveInvstd: Tensor, opts: BatchNormBackwardOptions): BatchNormGrads {
  checkOptions(op, opts, ['training']);
  const [N, C, S] = channels(op, x);
  for (const [what, t] of [['gradOut', gradOut], ['out', out]] as const) {
    if (t && (t.ndim !== x.ndim || t.shape.some((d, i) => d !== x.shape[i]))) {
      throw new ShapeError(`${op}: ${what} ${fmtShape(t.shape)} must have the input's shape ${fmtShape(x.shape)}`);
    }
  }
  checkPerChannel(op, 'weight', weight, C, x);
  checkPerChannel(op, 'saveMean', saveMean, C, x);
  checkPerChannel(op, 'saveInvstd', saveInvstd, C, x);
  requireSameFloat(op, gradOut, out, x, weight, saveMean, saveInvstd);
  const training = opts.training ?? true;
  const inputs = [gradOut, out, x, weight, saveMean, saveInvstd].filter((t): t is Tensor => !!t);
  return apply(op, inputs, { training }, () => {
    const g3 = gradOut.reshape([N, C, S]), x3 = x.reshape([N, C, S]), shape = [...x.shape];
    const w = weight ?? full([C], 1, { dtype: x.dtype, device: x.device });
    // the kernel computes batch-statistics gradients only, and where nothing differentiates through it (a double
    // backward runs the composite)
    if (training && hasKernel(op, x.device) && !recordingParts()) {
      const [gi, gw, gb] = runKernel(op, x.device, [g3, ...(out ? [out.reshape([N, C, S])] : []), x3, w, saveMean, saveInvstd],
        [{ shape: [N, C, S], dtype: x.dtype }, { shape: [C], dtype: x.dtype }, { shape: [C], dtype: x.dtype }], { training });
      return { gradInput: gi!.reshape(shape), gradWeight: gw!, gradBias: gb! };
    }
    if (out) return batchNormBackward(reluBackward(gradOut, out), x, weight, saveMean, saveInvstd, { training });
    const xhat = mul(sub(x3, perChannel(saveMean)), perChannel(saveInvstd));
    const gradBias = sum(g3, [0, 2]), gradWeight = sum(mul(g3, xhat), [0, 2]);
    const k = perChannel(mul(w, saveInvstd));
    if (!training) return { gradInput: mul(g3, k).reshape(shape), gradWeight, gradBias };
    const M = N * S;
    // dx = w*invstd * (g - mean(g) - xhat * mean(g*xhat))
    const centered = sub(sub(g3, perChannel(div(gradBias, M))), mul(xhat, perChannel(div(gradWeight, M))));
    return { gradInput: mul(centered, k).reshape(shape), gradWeight, gradBias };
  });
}

/**
 * Options of {@link layerNorm}.
 * @property weight - elementwise scale, shaped like the normalized dims (default none)
 * @property bias - elementwise shift, shaped like the normalized dims (default none)
 * @property eps - added to the variance (default 1e-5)
 */
export interface LayerNormOptions { weight?: Tensor | null; bias?: Tensor | null; eps?: number }
const LN_KEYS = optionKeys<LayerNormOptions>()('weight', 'bias', 'eps');

/** torch.nn.functional.layer_norm over the trailing `normalizedShape` dims. */
export function layerNorm(x0: Tensor, normalizedShape: number | readonly number[], opts: LayerNormOptions = {}): Tensor {
  checkOptions('layerNorm', opts, LN_KEYS);
  const op = 'layerNorm';
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  const tail = x0.shape.slice(x0.ndim - ns.length);
  if (ns.length === 0 || ns.length > x0.ndim || tail.some((d, i) => d !== ns[i])) {
    throw new ShapeError(`${op}: normalizedShape ${fmtShape(ns)} must match the trailing dims of input ${fmtShape(x0.shape)}`);
  }
  const { weight: weight0 = null, bias: bias0 = null } = opts, eps = opts.eps ?? 1e-5;
  for (const [what, t] of [['weight', weight0], ['bias', bias0]] as const) {
    if (t && (t.ndim !== ns.length || t.shape.some((d, i) => d !== ns[i]))) {
      throw new ShapeError(`${op}: ${what} ${fmtShape(t.shape)} must have normalizedShape ${fmtShape(ns)}`);
    }
  }
  const D = numel(ns), M = numel(x0.shape) / Math.max(D, 1);
  const inputs = [x0, weight0, bias0].filter((t): t is Tensor => !!t);
  return apply(op, inputs, { normalizedShape: ns, eps, affine: [!!weight0, !!bias0] }, (ins) => {
    // autocast may have cast the inputs: the dtype check is on what the op computes with
    let k = 1;
    const x = ins[0]!, weight = weight0 ? ins[k++]! : null, bias = bias0 ? ins[k++]! : null;
    requireSameFloat(op, x, weight, bias);
    const x2 = x.reshape([M, D]), like = { dtype: x.dtype, device: x.device };
    let y: Tensor;
    if (hasKernel(op, x.device)) {
      const ins = [x2, weight ? weight.reshape([D]) : full([D], 1, like), bias ? bias.reshape([D]) : full([D], 0, like)];
      y = runKernel(op, x.device, ins, [{ shape: [M, D], dtype: x.dtype }, { shape: [M], dtype: x.dtype }, { shape: [M], dtype: x.dtype }], { eps })[0]!;
    } else {
      const mu = meanOf(x2, 1, true), rstd = rsqrt(add(variance(x2, 1, true, { correction: 0 }), eps));
      y = mul(sub(x2, mu), rstd);
      if (weight) y = mul(y, weight.reshape([1, D]));
      if (bias) y = add(y, bias.reshape([1, D]));
    }
    return y.reshape([...x.shape]);
  });
}
