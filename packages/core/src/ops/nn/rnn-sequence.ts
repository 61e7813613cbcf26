// One GRU or LSTM layer in one direction over a whole sequence: what nn.GRU/nn.LSTM call per layer, so a
// backend with a whole-sequence kernel (cuDNN's RNN API) runs a layer as one call. The composite is the
// cell loop: one matmul projects every step's input, then each step is one matmul and one gruCell/lstmCell.
import { gradWillRecord } from '../../autograd-ext.js';
import { apply, hasKernel, recordingParts, runKernel } from '../../dispatch.js';
import { ShapeError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { add } from '../binary.js';
import { stack } from '../join.js';
import { zeros } from '../creation.js';
import { matmul } from '../linalg.js';
import { gruCell, gruCellBackward, lstmCell, lstmCellBackward } from './rnn.js';
import { checkShape, requireSameFloat } from './util.js';

/**
 * The weights of one recurrent layer in one direction, in torch's layout (G = 3H for GRU, 4H for LSTM).
 * @property wIh - weight_ih [G, I]
 * @property wHh - weight_hh [G, H]
 * @property bIh - bias_ih [G], or null (then bHh is null too)
 * @property bHh - bias_hh [G], or null
 * @property reverse - run from the last step to the first (the reverse direction of a bidirectional layer)
 */
export interface RnnLayerWeights { wIh: Tensor; wHh: Tensor; bIh?: Tensor | null; bHh?: Tensor | null; reverse?: boolean }

/**
 * The result of one layer over a sequence.
 * @property output - h at every step [T, B, H], in time order (also for reverse)
 * @property h - the last step's hidden state [B, H]
 */
export interface GruSequenceResult { output: Tensor; h: Tensor }
/** {@link GruSequenceResult} and the last cell state. */
export interface LstmSequenceResult extends GruSequenceResult {
  /** The last step's cell state [B, H]. */
  c: Tensor;
}

function checkLayer(op: string, gates: number, x: Tensor, h0: Tensor, w: RnnLayerWeights): [number, number, number, number] {
  if (x.ndim !== 3) throw new ShapeError(`${op}: expected x of shape [T, B, I], got ${fmtShape(x.shape)}`);
  const [T, B, I] = x.shape as [number, number, number];
  if (h0.ndim !== 2 || h0.shape[0] !== B) throw new ShapeError(`${op}: expected h0 of shape [${B}, H] for x ${fmtShape(x.shape)}, got ${fmtShape(h0.shape)}`);
  const H = h0.shape[1]!, G = gates * H;
  const want = (what: string, t: Tensor | null | undefined, shape: number[]) => {
    if (t && (t.ndim !== shape.length || t.shape.some((d, i) => d !== shape[i]))) {
      throw new ShapeError(`${op}: ${what} ${fmtShape(t.shape)} must have shape ${fmtShape(shape)} (hidden size ${H}, input size ${I})`);
    }
  };
  want('wIh', w.wIh, [G, I]);
  want('wHh', w.wHh, [G, H]);
  want('bIh', w.bIh, [G]);
  want('bHh', w.bHh, [G]);
  if (!w.bIh !== !w.bHh) throw new ShapeError(`${op}: give both biases (bIh and bHh) or neither`);
  return [T, B, H, G];
}

/** The layer's tensors as the op computes with them (autocast may have cast them): x, the states, the weights. */
function layerInputs(op: string, ins: readonly Tensor[], states: number, w: RnnLayerWeights): [Tensor, Tensor[], RnnLayerWeights] {
  const [x, ...rest] = ins as Tensor[];
  const st = rest.slice(0, states), [wIh, wHh, bIh, bHh] = rest.slice(states);
  requireSameFloat(op, x!, ...st, wIh, wHh, bIh, bHh);
  return [x!, st, { wIh: wIh!, wHh: wHh!, bIh: bIh ?? null, bHh: bHh ?? null, reverse: w.reverse }];
}

/** The cell loop both ops fall back to; `cell` advances the state by one step from its gates. */
function cellLoop(x: Tensor, w: RnnLayerWeights, foldHBias: boolean, cell: (xt: Tensor, hh: Tensor) => Tensor): Tensor {
  // transposed weights: the per-step matmul is a plain [B, H] x [H, G] on a contiguous copy made once
  const T = x.shape[0]!, wihT = w.wIh.t(), whhT = w.wHh.t().contiguous();
  let xp = matmul(x, wihT);
  if (w.bIh) xp = add(xp, w.bIh);
  if (w.bHh && foldHBias) xp = add(xp, w.bHh);
  // split (one op, whose gradient is one cat) rather than a select per step
  const steps = xp.split(1, 0);
  const outs: Tensor[] = new Array(T);
  let h: Tensor | undefined;
  for (let s = 0; s < T; s++) {
    const t = w.reverse ? T - 1 - s : s;
    h = cell(steps[t]!.squeeze(0), whhT);
    outs[t] = h;
  }
  return stack(outs, 0);
}

/**
 * One GRU layer over x [T, B, I] from h0 [B, H] (torch.nn.GRU's per-layer loop, gates r, z, n). Autograd
 * differentiates it as one op (its rule calls {@link gruSequenceBackward}), so a backend's fused kernels run
 * in training too: `gruSequenceTrain` (which keeps each step's gate workspace) where the backend also has
 * `gruSequenceBackward`, else its `gruSequence` kernel, else the cell loop of gruCell steps.
 */
export function gruSequence(x0: Tensor, h00: Tensor, w0: RnnLayerWeights): GruSequenceResult {
  const op = 'gruSequence';
  const [T, B, H] = checkLayer(op, 3, x0, h00, w0);
  const biases = w0.bIh && w0.bHh ? [w0.bIh, w0.bHh] : [];
  const r = apply(op, [x0, h00, w0.wIh, w0.wHh, ...biases], { reverse: !!w0.reverse }, (ins): GruSequenceResult & { workspace?: Tensor } => {
    const [x, [h0], w] = layerInputs(op, ins, 1, w0);
    const attrs = { reverse: !!w.reverse }, spec = (shape: number[]) => ({ shape, dtype: x.dtype });
    // not recording the op's parts: inside the recorded op (its rule differentiates it) or with no grad
    if (!recordingParts()) {
      if (hasKernel('gruSequenceTrain', x.device) && hasKernel('gruSequenceBackward', x.device) && gradWillRecord(ins)) {
        const [output, h, workspace] = runKernel('gruSequenceTrain', x.device, ins, [spec([T, B, H]), spec([B, H]), spec([T, 4, B, H])], attrs);
        return { output: output!, h: h!, workspace: workspace! };
      }
      if (hasKernel(op, x.device)) {
        const [output, h] = runKernel(op, x.device, ins, [spec([T, B, H]), spec([B, H])], attrs);
        return { output: output!, h: h! };
      }
    }
    let h = h0!;
    // b_hh stays out of the projection: the GRU cell needs it inside r ∘ (h W_hhᵀ + b_hh)
    const output = cellLoop(x, w, false, (xt, whhT) => (h = gruCell(xt, matmul(h, whhT), h, w.bHh ?? null)));
    return { output, h };
  });
  // the tape keeps its own view of the workspace; the caller never sees it
  r.workspace?.dispose();
  return { output: r.output, h: r.h };
}

/**
 * The recurrent part of a GRU layer's gradient: each step's gruCell gradients, from the last step processed
 * to the first.
 * @property gradXGates - of each step's input projection x W_ihᵀ + b_ih [T, B, 3H]
 * @property gradHGates - of each step's h W_hhᵀ + b_hh [T, B, 3H]
 * @property gradH0 - of the initial state [B, H]
 */
export interface GruSequenceGrads { gradXGates: Tensor; gradHGates: Tensor; gradH0: Tensor }

/**
 * gruSequence's backward through time (what its gradient rule calls): from gradOutput [T, B, H] (the
 * gradient of each step's h, the last state's gradient already added to the last step processed), hPrev
 * [T, B, H] (the state each step started from), wHh [3H, H] and the gate workspace [T, 4, B, H] (planes r,
 * z, n, h_n per step, as gruSequenceTrain or gruCell write them). The weight, bias and input gradients are
 * then one matmul or sum each over all steps.
 */
export function gruSequenceBackward(gradOutput: Tensor, hPrev: Tensor, wHh: Tensor, workspace: Tensor, options: { reverse?: boolean } = {}): GruSequenceGrads {
  const op = 'gruSequenceBackward';
  if (gradOutput.ndim !== 3) throw new ShapeError(`${op}: expected gradOutput of shape [T, B, H], got ${fmtShape(gradOutput.shape)}`);
  const [T, B, H] = gradOutput.shape as [number, number, number];
  checkShape(op, 'hPrev', hPrev, [T, B, H]);
  checkShape(op, 'wHh', wHh, [3 * H, H]);
  checkShape(op, 'workspace', workspace, [T, 4, B, H]);
  requireSameFloat(op, gradOutput, hPrev, wHh, workspace);
  const reverse = !!options.reverse;
  return apply(op, [gradOutput, hPrev, wHh, workspace], { reverse }, (ins) => {
    const [g, hp, w, ws] = ins as [Tensor, Tensor, Tensor, Tensor];
    if (hasKernel(op, g.device)) {
      const spec = (shape: number[]) => ({ shape, dtype: g.dtype });
      const [gx, gh, g0] = runKernel(op, g.device, ins, [spec([T, B, 3 * H]), spec([T, B, 3 * H]), spec([B, H])], { reverse });
      return { gradXGates: gx!, gradHGates: gh!, gradH0: g0! };
    }
    const gxs: Tensor[] = new Array(T), ghs: Tensor[] = new Array(T);
    let carry: Tensor | null = null;
    for (let s = 0; s < T; s++) {
      const t = reverse ? s : T - 1 - s, dh = carry ? add(g.select(0, t), carry) : g.select(0, t);
      const c = gruCellBackward(dh, hp.select(0, t), ws.select(0, t));
      gxs[t] = c.gradXGates; ghs[t] = c.gradHGates;
      carry = add(c.gradH, matmul(c.gradHGates, w));
    }
    const empty = () => zeros([0, B, 3 * H], { dtype: g.dtype, device: g.device });
    return {
      gradXGates: T ? stack(gxs, 0) : empty(), gradHGates: T ? stack(ghs, 0) : empty(),
      gradH0: carry ?? zeros([B, H], { dtype: g.dtype, device: g.device }),
    };
  });
}

/**
 * One LSTM layer over x [T, B, I] from h0 and c0 [B, H] (torch.nn.LSTM's per-layer loop, gates i, f, g, o).
 * Recorded for autograd, it runs a backend's `lstmSequenceTrain` and its gradient `lstmSequenceBackward`
 * where the backend has both (autograd then differentiates the layer as one op); otherwise the gradient goes
 * through the cell loop of lstmCell steps. Without grad, the backend's `lstmSequence` kernel, else the loop.
 */
export function lstmSequence(x0: Tensor, h00: Tensor, c00: Tensor, w0: RnnLayerWeights): LstmSequenceResult {
  const op = 'lstmSequence';
  const [T, B, H] = checkLayer(op, 4, x0, h00, w0);
  if (c00.ndim !== 2 || c00.shape[0] !== B || c00.shape[1] !== H) throw new ShapeError(`${op}: expected c0 of shape [${B}, ${H}], got ${fmtShape(c00.shape)}`);
  const biases = w0.bIh && w0.bHh ? [w0.bIh, w0.bHh] : [];
  const inputs = [x0, h00, c00, w0.wIh, w0.wHh, ...biases];
  // `train` selects autograd's whole-layer rule: only where the backend can run its backward as one kernel
  const train = hasKernel('lstmSequenceTrain', x0.device) && hasKernel('lstmSequenceBackward', x0.device) && gradWillRecord(inputs);
  const r = apply(op, inputs, { reverse: !!w0.reverse, train }, (ins): LstmSequenceResult & { workspace?: Tensor } => {
    const [x, [h0, c0], w] = layerInputs(op, ins, 2, w0);
    const attrs = { reverse: !!w.reverse }, spec = (shape: number[]) => ({ shape, dtype: x.dtype });
    if (!recordingParts()) {
      if (train) {
        const [output, h, c, workspace] = runKernel('lstmSequenceTrain', x.device, ins, [spec([T, B, H]), spec([B, H]), spec([B, H]), spec([T, 6, B, H])], attrs);
        return { output: output!, h: h!, c: c!, workspace: workspace! };
      }
      if (hasKernel(op, x.device)) {
        const [output, h, c] = runKernel(op, x.device, ins, [spec([T, B, H]), spec([B, H]), spec([B, H])], attrs);
        return { output: output!, h: h!, c: c! };
      }
    }
    let h = h0!, c = c0!;
    const output = cellLoop(x, w, true, (xt, whhT) => ({ h, c } = lstmCell(xt, matmul(h, whhT), c)).h);
    return { output, h, c };
  });
  r.workspace?.dispose();
  return { output: r.output, h: r.h, c: r.c };
}

/**
 * The recurrent part of an LSTM layer's gradient.
 * @property gradGates - each step's gate gradients [T, B, 4H] (of x W_ihᵀ + b_ih and of h W_hhᵀ + b_hh alike)
 * @property gradH0 - of the initial hidden state [B, H]
 * @property gradC0 - of the initial cell state [B, H]
 */
export interface LstmSequenceGrads { gradGates: Tensor; gradH0: Tensor; gradC0: Tensor }

/**
 * lstmSequence's backward through time (what its gradient rule calls): from gradOutput [T, B, H] (hN's
 * gradient already added to the last step processed), gradCN [B, H], c0, wHh [4H, H] and the workspace
 * [T, 6, B, H] that lstmSequenceTrain wrote.
 */
export function lstmSequenceBackward(gradOutput: Tensor, gradCN: Tensor, c0: Tensor, wHh: Tensor, workspace: Tensor, options: { reverse?: boolean } = {}): LstmSequenceGrads {
  const op = 'lstmSequenceBackward';
  if (gradOutput.ndim !== 3) throw new ShapeError(`${op}: expected gradOutput of shape [T, B, H], got ${fmtShape(gradOutput.shape)}`);
  const [T, B, H] = gradOutput.shape as [number, number, number];
  checkShape(op, 'gradCN', gradCN, [B, H]);
  checkShape(op, 'c0', c0, [B, H]);
  checkShape(op, 'wHh', wHh, [4 * H, H]);
  checkShape(op, 'workspace', workspace, [T, 6, B, H]);
  requireSameFloat(op, gradOutput, gradCN, c0, wHh, workspace);
  const reverse = !!options.reverse;
  return apply(op, [gradOutput, gradCN, c0, wHh, workspace], { reverse }, (ins) => {
    const [g, gc, c00, w, ws] = ins as [Tensor, Tensor, Tensor, Tensor, Tensor];
    if (hasKernel(op, g.device)) {
      const spec = (shape: number[]) => ({ shape, dtype: g.dtype });
      const [gg, gh, gc0] = runKernel(op, g.device, ins, [spec([T, B, 4 * H]), spec([B, H]), spec([B, H])], { reverse });
      return { gradGates: gg!, gradH0: gh!, gradC0: gc0! };
    }
    const gates: Tensor[] = new Array(T);
    let carryH: Tensor | null = null, carryC = gc;
    for (let s = 0; s < T; s++) {
      const t = reverse ? s : T - 1 - s, planes = ws.select(0, t);
      const cPrev = s === T - 1 ? c00 : ws.select(0, reverse ? t + 1 : t - 1).select(0, 5);
      const dh = carryH ? add(g.select(0, t), carryH) : g.select(0, t);
      const r = lstmCellBackward(dh, carryC, cPrev, planes.narrow(0, 0, 5));
      gates[t] = r.gradGates;
      carryC = r.gradC;
      carryH = matmul(r.gradGates, w);
    }
    return {
      gradGates: T ? stack(gates, 0) : zeros([0, B, 4 * H], { dtype: g.dtype, device: g.device }),
      gradH0: carryH ?? zeros([B, H], { dtype: g.dtype, device: g.device }), gradC0: carryC,
    };
  });
}
