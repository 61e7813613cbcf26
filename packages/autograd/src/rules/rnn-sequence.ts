// The gradient of a whole GRU or LSTM layer (core's gruSequence/lstmSequence) as one rule, as cuDNN and
// PyTorch differentiate RNN layers: backward through time is one gruSequenceBackward/lstmSequenceBackward call
// (a backend's fused kernel where it has one), and the weight, bias and input gradients are then one matmul
// or sum each over every step.
import { add, cat, gruSequenceBackward, lstmSequenceBackward, matmul, mul, sigmoid, split, stack, tanh, zeros, zerosLike, type Tensor } from '@flint/core';
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
    const g = withLastState(gOut ?? zeros([T, B, H], { dtype: x.dtype, device: x.device }), gH ?? null, reverse);
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

/** g [T,B,H] with hN's gradient added to the last step processed. */
function withLastState(g: Tensor, gH: Tensor | null, reverse: boolean): Tensor {
  if (!gH) return g;
  const T = g.shape[0]!, hN = gH.unsqueeze(0);
  if (T === 1) return add(g, hN);
  return reverse ? cat([add(g.narrow(0, 0, 1), hN), g.narrow(0, 1, T - 1)], 0) : cat([g.narrow(0, 0, T - 1), add(g.narrow(0, T - 1, 1), hN)], 0);
}

// lstmSequence inputs [x, h0, c0, wIh [4H,I], wHh [4H,H], bIh?, bHh?] → [output, hN, cN, workspace [T,6,B,H]].
// Only calls that ran lstmSequenceTrain (attr train) come here; the others are differentiated through the
// cell loop.
defineRule('lstmSequence', {
  when: (attrs) => attrs.train === true,
  save: (c) => [...c.inputs, c.outputs[0]!, c.outputs[3]!],
  backward: (ctx, [gOut, gH, gC]) => {
    const n = ctx.inputs.length;
    if (!gOut && !gH && !gC) return ctx.inputs.map(() => null);
    const x = ctx.saved(0), h0 = ctx.saved(1), c0 = ctx.saved(2), wIh = ctx.saved(3), wHh = ctx.saved(4);
    const output = ctx.saved(n), ws = ctx.saved(n + 1);
    const [T, B, I] = x.shape as [number, number, number], H = h0.shape[1]!, reverse = ctx.attrs.reverse === true;
    const like = { dtype: x.dtype, device: x.device };
    if (T === 0) {
      const none = [zerosLike(x), gH ?? zerosLike(h0), gC ?? zerosLike(c0), zerosLike(wIh), zerosLike(wHh), ...(n > 5 ? [zeros([4 * H], like), zeros([4 * H], like)] : [])];
      return ctx.inputs.map((info, i) => (ctx.needsGrad(i) ? toInput(none[i]!, info) : null));
    }
    const g = withLastState(gOut ?? zeros([T, B, H], like), gH ?? null, reverse);
    const r = lstmSequenceBackward(g, gC ?? zeros([B, H], like), c0, wHh, ws, { reverse });
    const gg = r.gradGates.reshape([T * B, 4 * H]);
    const grads: (() => Tensor)[] = [
      () => matmul(r.gradGates, wIh),
      () => r.gradH0,
      () => r.gradC0,
      () => matmul(gg.t(), x.reshape([T * B, I])),
      () => matmul(gg.t(), previousStates(h0, output, reverse).reshape([T * B, H])),
      () => gg.sum(0),
      () => gg.sum(0),
    ];
    return ctx.inputs.map((info, i) => (ctx.needsGrad(i) ? toInput(grads[i]!(), info) : null));
  },
});
