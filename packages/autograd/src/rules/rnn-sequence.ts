// The gradient of a whole GRU layer (core's gruSequence) as one rule, as cuDNN and PyTorch differentiate
// RNN layers: backward through time is one gruSequenceBackward call (a backend's fused kernel where it has
// one), and the weight, bias and input gradients are then one matmul or sum each over every step.
import { add, cat, gruSequenceBackward, matmul, mul, sigmoid, split, stack, tanh, zeros, zerosLike, type Tensor } from '@flint/core';
import { defineRule } from './registry.js';
import { toInput } from './util.js';

/** The state each step started from [T, B, H]: h0 for the first step processed, else the neighbour's output. */
function previousStates(h0: Tensor, output: Tensor, reverse: boolean): Tensor {
  const T = output.shape[0]!, first = h0.unsqueeze(0);
  if (T === 1) return first;
  return reverse ? cat([output.narrow(0, 1, T - 1), first], 0) : cat([first, output.narrow(0, 0, T - 1)], 0);
}

/** The gruCell planes r, z, n, h_n of every step [T, 4, B, H], rebuilt from the inputs and the states. */
function rebuildWorkspace(x: Tensor, hPrev: Tensor, wIh: Tensor, wHh: Tensor, bIh: Tensor | null, bHh: Tensor | null): Tensor {
  const H = wHh.shape[1]!;
  let xp = matmul(x, wIh.t()), hg = matmul(hPrev, wHh.t());
  if (bIh) xp = add(xp, bIh);
  if (bHh) hg = add(hg, bHh);
  const [xrz, xn] = split(xp, [2 * H, H], 2) as [Tensor, Tensor], [hrz, hn] = split(hg, [2 * H, H], 2) as [Tensor, Tensor];
  const [r, z] = split(sigmoid(add(xrz, hrz)), H, 2) as [Tensor, Tensor];
  return stack([r, z, tanh(add(xn, mul(r, hn))), hn], 1);
}

// gruSequence inputs [x [T,B,I], h0 [B,H], wIh [3H,I], wHh [3H,H], bIh?, bHh?] → [output [T,B,H], hN [B,H],
// workspace [T,4,B,H] when gruSequenceTrain ran]
defineRule('gruSequence', {
  save: (c) => [...c.inputs, c.outputs[0]!, ...(c.outputs.length > 2 ? [c.outputs[2]!] : [])],
  backward: (ctx, [gOut, gH]) => {
    const n = ctx.inputs.length;
    if (!gOut && !gH) return ctx.inputs.map(() => null);
    const x = ctx.saved(0), h0 = ctx.saved(1), wIh = ctx.saved(2), wHh = ctx.saved(3);
    const bIh = n > 4 ? ctx.saved(4) : null, bHh = n > 4 ? ctx.saved(5) : null, output = ctx.saved(n);
    const [T, B, I] = x.shape as [number, number, number], H = h0.shape[1]!, reverse = ctx.attrs.reverse === true;
    if (T === 0) {
      const none = [zerosLike(x), gH ?? zerosLike(h0), zerosLike(wIh), zerosLike(wHh), ...(bIh ? [zerosLike(bIh), zerosLike(bHh!)] : [])];
      return ctx.inputs.map((info, i) => (ctx.needsGrad(i) ? toInput(none[i]!, info) : null));
    }
    // the gradient of every step's h, with hN's (the last step processed) added in
    let g = gOut ?? zeros([T, B, H], { dtype: x.dtype, device: x.device });
    if (gH) {
      const hN = gH.unsqueeze(0);
      if (T === 1) g = add(g, hN);
      else g = reverse ? cat([add(g.narrow(0, 0, 1), hN), g.narrow(0, 1, T - 1)], 0) : cat([g.narrow(0, 0, T - 1), add(g.narrow(0, T - 1, 1), hN)], 0);
    }
    const hPrev = previousStates(h0, output, reverse);
    const ws = ctx.outputs.length > 2 ? ctx.saved(n + 1) : rebuildWorkspace(x, hPrev, wIh, wHh, bIh, bHh);
    const r = gruSequenceBackward(g, hPrev, wHh, ws, { reverse });
    const gx = r.gradXGates.reshape([T * B, 3 * H]), gh = r.gradHGates.reshape([T * B, 3 * H]);
    const grads: (() => Tensor)[] = [
      () => matmul(r.gradXGates, wIh),
      () => r.gradH0,
      () => matmul(gx.t(), x.reshape([T * B, I])),
      () => matmul(gh.t(), hPrev.reshape([T * B, H])),
      () => gx.sum(0),
      () => gh.sum(0),
    ];
    return ctx.inputs.map((info, i) => (ctx.needsGrad(i) ? toInput(grads[i]!(), info) : null));
  },
});
