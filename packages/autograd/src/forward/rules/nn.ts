// Forward-mode rules for neural-network ops: convolutions and pooling (linear or bilinear, so they apply
// themselves to the tangents), normalization, dropout and the fused losses.
import {
  avgPool2d, avgPool2dBackward, conv2d, conv2dBackwardInput, conv2dBackwardWeight, div, gather, log, maximum, maxPool2d,
  gt, maxPool2dBackward, mul, neg, rsqrt, softmax, sub, sum, where, type Tensor,
} from '@flint/core';
import { defineForwardRule, sumTerms, type ForwardContext } from '../registry.js';

type Attrs = Readonly<Record<string, unknown>>;
const convOpts = (a: Attrs) => ({ stride: a.stride as [number, number], padding: a.padding as [number, number], dilation: a.dilation as [number, number], groups: a.groups as number });

const poolOpts = (a: Attrs) => ({ stride: a.stride as [number, number], padding: a.padding as [number, number], dilation: a.dilation as [number, number], ceilMode: a.ceilMode as boolean });
const avgOpts = (a: Attrs) => ({
  kernelSize: a.kernelSize as [number, number], stride: a.stride as [number, number], padding: a.padding as [number, number],
  ceilMode: a.ceilMode as boolean, countIncludePad: a.countIncludePad as boolean, divisorOverride: (a.divisorOverride as number | null) ?? undefined,
});

/** d of (x - μ)·rstd over `dims` given dx, with training statistics: rstd·(dx - mean(dx) - x̂·mean(dx·x̂)). */
function normalizedTangent(x: Tensor, dx: Tensor, dims: number[], eps: number): { xhat: Tensor; dxhat: Tensor } {
  const mu = x.mean(dims, true), rstd = rsqrt(x.var(dims, true, { correction: 0 }).add(eps));
  const xhat = mul(sub(x, mu), rstd);
  const dxhat = mul(rstd, sub(sub(dx, dx.mean(dims, true)), mul(xhat, mul(dx, xhat).mean(dims, true))));
  return { xhat, dxhat };
}

/** Registers the forward rules of the neural-network ops. */
export function registerNn(): void {
  defineForwardRule('conv2d', { jvp: (c) => {
    const [x, w] = c.inputs as [Tensor, Tensor], o = convOpts(c.attrs), tx = c.tangent(0), tw = c.tangent(1), tb = c.inputs.length > 2 ? c.tangent(2) : null;
    const bias = tb ? tb.reshape(c.outputs[0]!.ndim === 4 ? [1, -1, 1, 1] : [-1, 1, 1]) : null;
    return [sumTerms(tx ? conv2d(tx, w, null, o) : null, tw ? conv2d(x, tw, null, o) : null, bias)];
  } });
  defineForwardRule('conv2dBackwardInput', { jvp: (c) => {
    const [gy, w] = c.inputs as [Tensor, Tensor], o = convOpts(c.attrs), shape = c.attrs.inputShape as number[];
    return [sumTerms(c.tangent(0) ? conv2dBackwardInput(c.tangent(0)!, w, shape, o) : null, c.tangent(1) ? conv2dBackwardInput(gy, c.tangent(1)!, shape, o) : null)];
  } });
  defineForwardRule('conv2dBackwardWeight', { jvp: (c) => {
    const [gy, x] = c.inputs as [Tensor, Tensor], o = convOpts(c.attrs), shape = c.attrs.weightShape as number[];
    return [sumTerms(c.tangent(0) ? conv2dBackwardWeight(c.tangent(0)!, x, shape, o) : null, c.tangent(1) ? conv2dBackwardWeight(gy, c.tangent(1)!, shape, o) : null)];
  } });
  // max pooling: the tangent at the picked positions (the indices are per H·W plane)
  defineForwardRule('maxPool2d', { jvp: (c) => {
    const out = c.outputs[0]!;
    const idx = c.outputs.length > 1 ? c.outputs[1]! : maxPool2d(c.inputs[0]!, c.attrs.kernelSize as [number, number], { ...poolOpts(c.attrs), returnIndices: true }).indices;
    const picked = gather(c.tangent(0)!.flatten(-2), -1, idx.flatten(-2)).reshape([...out.shape]);
    return c.outputs.length > 1 ? [picked, null] : [picked];
  } });
  defineForwardRule('maxPool2dBackward', { jvp: (c) => [maxPool2dBackward(c.tangent(0)!, c.inputs[1]!, c.attrs.inputShape as number[])] });
  defineForwardRule('avgPool2d', { jvp: (c) => { const { kernelSize, ...o } = avgOpts(c.attrs); return [avgPool2d(c.tangent(0)!, kernelSize, o)]; } });
  defineForwardRule('avgPool2dBackward', { jvp: (c) => [avgPool2dBackward(c.tangent(0)!, c.attrs.inputShape as number[], avgOpts(c.attrs))] });
  // inputs: x, then runningMean/runningVar/weight/bias where given
  const batchNormTangent = (c: ForwardContext): Tensor | null => {
    const [hasMean, hasVar] = c.attrs.stats as [boolean, boolean], [hasW, hasB] = c.attrs.affine as [boolean, boolean];
    let k = 1;
    const rmI = hasMean ? k++ : -1, rvI = hasVar ? k++ : -1, wI = hasW ? k++ : -1, bI = hasB ? k++ : -1;
    const x = c.inputs[0]!, eps = c.attrs.eps as number, C = x.shape[1]!;
    const along = (t: Tensor) => t.reshape([C, ...x.shape.slice(2).map(() => 1)]);
    const dims = [0, ...x.shape.slice(2).map((_, i) => i + 2)];
    const dx = c.tangent(0);
    let xhat: Tensor, dxhat: Tensor | null;
    if (c.attrs.training) {
      const r = normalizedTangent(x, dx ?? x.mul(0), dims, eps);
      xhat = r.xhat; dxhat = dx ? r.dxhat : null;
    } else {
      const rm = along(c.inputs[rmI]!), rv = along(c.inputs[rvI]!), rstd = rsqrt(rv.add(eps));
      xhat = mul(sub(x, rm), rstd);
      const trm = c.tangent(rmI), trv = c.tangent(rvI);
      dxhat = sumTerms(dx ? mul(dx, rstd) : null, trm ? neg(mul(along(trm), rstd)) : null,
        trv ? mul(mul(xhat, mul(rstd, rstd)), along(trv)).mul(-0.5) : null);
    }
    const w = wI > 0 ? along(c.inputs[wI]!) : null, tw = wI > 0 ? c.tangent(wI) : null, tb = bI > 0 ? c.tangent(bI) : null;
    return sumTerms(dxhat ? (w ? mul(dxhat, w) : dxhat) : null, tw ? mul(xhat, along(tw)) : null, tb ? along(tb) : null);
  };
  defineForwardRule('batchNorm', { jvp: (c) => [batchNormTangent(c)] });
  // relu's tangent mask on batchNorm's: zero where the output is not positive
  defineForwardRule('batchNormRelu', { jvp: (c) => { const t = batchNormTangent(c), y = c.outputs[0]!; return [t ? mul(t, gt(y, 0).to(y.dtype)) : null]; } });
  // inputs: x, then weight/bias where given; normalized over the trailing normalizedShape dims
  defineForwardRule('layerNorm', { jvp: (c) => {
    const [hasW, hasB] = c.attrs.affine as [boolean, boolean];
    const ns = c.attrs.normalizedShape as number[], eps = c.attrs.eps as number, x = c.inputs[0]!;
    const dims = ns.map((_, i) => x.ndim - ns.length + i);
    const dx = c.tangent(0);
    const { xhat, dxhat } = normalizedTangent(x, dx ?? x.mul(0), dims, eps);
    const w = hasW ? c.inputs[1]! : null, tw = hasW ? c.tangent(1) : null, tb = hasB ? c.tangent(hasW ? 2 : 1) : null;
    return [sumTerms(dx ? (w ? mul(dxhat, w) : dxhat) : null, tw ? mul(xhat, tw) : null, tb)];
  } });
  // the fused class-index case: d loss_n = -(dx[n, t_n] - Σ_c softmax(x)_nc dx_nc), reduced as the loss is
  defineForwardRule('crossEntropy', { when: (a) => a.fused === true, jvp: (c) => {
    const [logits, target] = c.inputs as [Tensor, Tensor], dx = c.tangent(0)!.to(logits.dtype);
    const ignore = c.attrs.ignoreIndex as number, reduction = c.attrs.reduction as string;
    const valid = target.ne(ignore), safe = where(valid, target, 0).long().unsqueeze(1);
    const per = sub(mul(softmax(logits, 1), dx).sum(1), gather(dx, 1, safe).squeeze(1));
    const masked = where(valid, per, 0);
    if (reduction === 'none') return [masked];
    const total = sum(masked);
    return [reduction === 'sum' ? total : div(total, valid.sum().to(logits.dtype))];
  } });
  defineForwardRule('dropout', { jvp: (c) => {
    const t = c.tangent(0)!;
    if (c.inputs.length > 1) return [mul(t, c.inputs[1]!)];
    return [c.attrs.training ? mul(t, 0) : t];
  } });
  // torch's derivatives: d/dp = w (p - y) / max(p (1 - p), 1e-12), d/dy = w (log(1 - p) - log p)
  defineForwardRule('binaryCrossEntropy', { jvp: (c) => {
    const [p, y] = c.inputs as [Tensor, Tensor], weight = c.inputs.length > 2 ? c.inputs[2]! : null;
    const tp = c.tangent(0), ty = c.tangent(1);
    let d = sumTerms(
      tp ? mul(div(sub(p, y), maximum(mul(p, sub(1, p)), 1e-12)), tp) : null,
      ty ? mul(sub(p.neg().log1p(), log(p)), ty) : null,
    )!;
    if (weight) d = mul(d, weight);
    const reduction = c.attrs.reduction as string;
    return [reduction === 'none' ? d : reduction === 'sum' ? sum(d) : d.mean()];
  } });
}
