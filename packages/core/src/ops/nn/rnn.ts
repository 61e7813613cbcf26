// One time step of GRU and LSTM cells: the gate nonlinearities after the two matmuls, fused.
// The projections stay outside (x W_ihᵀ is one matmul for the whole sequence, h W_hhᵀ one per step).
// The kernels' inputs, outputs and workspace planes are the gruCell/lstmCell entries of the kernel schema
// (schema/optional.ts). The composites (no kernel) return no workspace; the gradient rules rebuild it.
import { apply, hasKernel, runKernel } from '../../dispatch.js';
import { ShapeError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { add, mul, sub } from '../binary.js';
import { zerosLike } from '../creation.js';
import { cat, split } from '../join.js';
import { select } from '../views.js';
import { sigmoid, tanh } from '../unary.js';
import { checkShape, requireSameFloat } from './util.js';

/** [B, H] from a [B, H] state tensor. */
function stateDims(op: string, what: string, t: Tensor): [number, number] {
  if (t.ndim !== 2) throw new ShapeError(`${op}: expected ${what} of shape [B,H], got ${fmtShape(t.shape)}`);
  return t.shape as [number, number];
}

const spec = (shape: number[], t: Tensor) => ({ shape, dtype: t.dtype });

/**
 * A GRU step (torch.nn.GRUCell after its two matmuls, gates r, z, n): with xGates = x W_ihᵀ + b_ih and
 * hGates = h W_hhᵀ (+ b_hh, or pass it as hBias [3H]), both [B, 3H], and h [B, H]:
 * r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r ∘ h_n), h' = (1 - z) ∘ n + z ∘ h.
 */
export function gruCell(xGates: Tensor, hGates: Tensor, h: Tensor, hBias: Tensor | null = null): Tensor {
  const op = 'gruCell';
  const [B, H] = stateDims(op, 'h', h);
  checkShape(op, 'xGates', xGates, [B, 3 * H]);
  checkShape(op, 'hGates', hGates, [B, 3 * H]);
  if (hBias) checkShape(op, 'hBias', hBias, [3 * H]);
  requireSameFloat(op, xGates, hGates, h, hBias);
  const inputs = hBias ? [xGates, hGates, h, hBias] : [xGates, hGates, h];
  const r = apply(op, inputs, {}, (): { h: Tensor; workspace?: Tensor } => {
    if (hasKernel(op, h.device)) {
      const [hNew, workspace] = runKernel(op, h.device, inputs, [spec([B, H], h), spec([4, B, H], h)], {});
      return { h: hNew!, workspace: workspace! };
    }
    const [xrz, xn] = split(xGates, [2 * H, H], 1) as [Tensor, Tensor];
    const [hrz, hn] = split(hBias ? add(hGates, hBias) : hGates, [2 * H, H], 1) as [Tensor, Tensor];
    // r and z are adjacent: one add and one sigmoid for both
    const [rg, z] = split(sigmoid(add(xrz, hrz)), H, 1) as [Tensor, Tensor];
    const n = tanh(add(xn, mul(rg, hn)));
    return { h: add(n, mul(z, sub(h, n))) };
  });
  // the tape keeps its own view of the workspace; the caller never sees it
  r.workspace?.dispose();
  return r.h;
}

/**
 * The gradients of one GRU cell step.
 * @property gradXGates - of the input projection's gates
 * @property gradHGates - of the hidden projection's gates
 * @property gradH - of the previous hidden state
 */
export interface GruCellGrads { gradXGates: Tensor; gradHGates: Tensor; gradH: Tensor }

/** Gradients of gruCell from gradH (of h'), the previous h and gruCell's workspace: planes r, z, n, h_n [4, B, H]. */
export function gruCellBackward(gradH: Tensor, h: Tensor, workspace: Tensor): GruCellGrads {
  const op = 'gruCellBackward';
  const [B, H] = stateDims(op, 'h', h);
  checkShape(op, 'gradH', gradH, [B, H]);
  checkShape(op, 'workspace', workspace, [4, B, H]);
  requireSameFloat(op, gradH, h, workspace);
  return apply(op, [gradH, h, workspace], {}, () => {
    if (hasKernel(op, h.device)) {
      const [gx, gh, gp] = runKernel(op, h.device, [gradH, h, workspace], [spec([B, 3 * H], h), spec([B, 3 * H], h), spec([B, H], h)], {});
      return { gradXGates: gx!, gradHGates: gh!, gradH: gp! };
    }
    const [rg, z, n, hn] = [0, 1, 2, 3].map((k) => select(workspace, 0, k)) as [Tensor, Tensor, Tensor, Tensor];
    const dn = mul(mul(gradH, sub(1, z)), sub(1, mul(n, n)));
    const dz = mul(mul(gradH, sub(h, n)), mul(z, sub(1, z)));
    const dr = mul(mul(dn, hn), mul(rg, sub(1, rg)));
    return { gradXGates: cat([dr, dz, dn], 1), gradHGates: cat([dr, dz, mul(dn, rg)], 1), gradH: mul(gradH, z) };
  });
}

/**
 * An LSTM step (torch.nn.LSTMCell after its matmuls, gates i, f, g, o): with gates = xGates + hGates
 * [B, 4H] (x W_ihᵀ + b_ih and h W_hhᵀ + b_hh, biases in either) and c [B, H]:
 * c' = σ(f) ∘ c + σ(i) ∘ tanh(g), h' = σ(o) ∘ tanh(c').
 */
export function lstmCell(xGates: Tensor, hGates: Tensor, c: Tensor): { h: Tensor; c: Tensor } {
  const op = 'lstmCell';
  const [B, H] = stateDims(op, 'c', c);
  checkShape(op, 'xGates', xGates, [B, 4 * H]);
  checkShape(op, 'hGates', hGates, [B, 4 * H]);
  requireSameFloat(op, xGates, hGates, c);
  const r = apply(op, [xGates, hGates, c], {}, (): { h: Tensor; c: Tensor; workspace?: Tensor } => {
    if (hasKernel(op, c.device)) {
      const [hNew, cNew, workspace] = runKernel(op, c.device, [xGates, hGates, c], [spec([B, H], c), spec([B, H], c), spec([5, B, H], c)], {});
      return { h: hNew!, c: cNew!, workspace: workspace! };
    }
    const [gif, gg, go] = split(add(xGates, hGates), [2 * H, H, H], 1) as [Tensor, Tensor, Tensor];
    const [i, f] = split(sigmoid(gif), H, 1) as [Tensor, Tensor];
    const cNew = add(mul(f, c), mul(i, tanh(gg)));
    return { h: mul(sigmoid(go), tanh(cNew)), c: cNew };
  });
  r.workspace?.dispose();
  return { h: r.h, c: r.c };
}

/**
 * The gradients of one LSTM cell step.
 * @property gradGates - of the gates' pre-activations
 * @property gradC - of the previous cell state
 */
export interface LstmCellGrads { gradGates: Tensor; gradC: Tensor }

/**
 * Gradients of lstmCell from the gradients of h' and c' (null: zero), the previous c and lstmCell's
 * workspace: planes σ(i), σ(f), tanh(g), σ(o), tanh(c') [5, B, H].
 */
export function lstmCellBackward(gradH: Tensor | null, gradC: Tensor | null, c: Tensor, workspace: Tensor): LstmCellGrads {
  const op = 'lstmCellBackward';
  const [B, H] = stateDims(op, 'c', c);
  checkShape(op, 'workspace', workspace, [5, B, H]);
  if (gradH) checkShape(op, 'gradH', gradH, [B, H]);
  if (gradC) checkShape(op, 'gradC', gradC, [B, H]);
  requireSameFloat(op, c, workspace, gradH, gradC);
  const inputs = [gradH, gradC, c, workspace].filter((t): t is Tensor => t !== null);
  return apply(op, inputs, { grads: [gradH !== null, gradC !== null] }, () => {
    // a missing gradient is zeros, made inside the op so its scope frees them
    const gh = gradH ?? zerosLike(c), gc = gradC ?? zerosLike(c);
    if (hasKernel(op, c.device)) {
      const [gg, gp] = runKernel(op, c.device, [gh, gc, c, workspace], [spec([B, 4 * H], c), spec([B, H], c)], {});
      return { gradGates: gg!, gradC: gp! };
    }
    const [i, f, g, o, tc] = [0, 1, 2, 3, 4].map((k) => select(workspace, 0, k)) as [Tensor, Tensor, Tensor, Tensor, Tensor];
    const dc = add(gc, mul(mul(gh, o), sub(1, mul(tc, tc))));
    const di = mul(mul(dc, g), mul(i, sub(1, i)));
    const df = mul(mul(dc, c), mul(f, sub(1, f)));
    const dg = mul(mul(dc, i), sub(1, mul(g, g)));
    const dO = mul(mul(gh, tc), mul(o, sub(1, o)));
    return { gradGates: cat([di, df, dg, dO], 1), gradC: mul(dc, f) };
  });
}
