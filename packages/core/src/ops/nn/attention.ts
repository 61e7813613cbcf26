// scaledDotProductAttention: PyTorch 2's F.scaled_dot_product_attention. A backend's fused
// scaledDotProductAttention kernel (optional tier) runs it when there is no dropout; otherwise the composite
// below: matmul, scale, mask, softmax, (dropout,) matmul. Rows that can attend to no key give zeros, as
// torch >= 2.5's safe softmax does, never NaN. Its gradient (without dropout) is a rule in @flint/autograd
// that recomputes the weights with attentionWeights().
import { apply, hasKernel, runKernel } from '../../dispatch.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../../errors.js';
import { broadcastShapes } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { add, eq, mul, where } from '../binary.js';
import { full, tensor } from '../creation.js';
import { matmul } from '../linalg.js';
import { all, softmax } from '../reduce.js';
import { requireFloat } from '../util.js';
import { dropout } from './dropout.js';
import { checkOptions, optionKeys } from '../../names.js';

/** Options of {@link scaledDotProductAttention}. */
export interface ScaledDotProductAttentionOptions {
  /** Bool: true where a query may attend to a key; float: added to the scores. Broadcasts to [..., L, S]. */
  attnMask?: Tensor | null;
  /** Dropout on the attention weights (default 0; always applied when > 0, as torch's functional form). */
  dropoutP?: number;
  /** Mask keys after each query's position (top-left aligned); not together with attnMask. */
  isCausal?: boolean;
  /** Multiplies q kᵀ (default 1 / sqrt(E)). */
  scale?: number | null;
}

/**
 * How attention weights are computed from the scores.
 * @property attnMask - bool (true attends) or float (added to the scores), broadcast to [..., L, S]
 * @property isCausal - mask keys after each query's position
 * @property scale - multiplies q kᵀ
 */
export interface AttentionWeightsOptions { attnMask?: Tensor | null; isCausal?: boolean; scale: number }

/** [L, S] bool, true where key j comes after query i. */
const causal = (L: number, S: number, device: string): Tensor =>
  tensor(Uint8Array.from({ length: L * S }, (_, n) => (n % S > Math.floor(n / S) ? 1 : 0)), { dtype: 'bool', device }).reshape([L, S]);

/**
 * softmax(q kᵀ · scale + mask) over the keys, with rows that see no key set to 0: the weights
 * scaledDotProductAttention multiplies v by (its gradient rule and MultiheadAttention use them too).
 */
export function attentionWeights(q: Tensor, k: Tensor, opts: AttentionWeightsOptions): Tensor {
  checkOptions('attentionWeights', opts, optionKeys<AttentionWeightsOptions>()('attnMask', 'isCausal', 'scale'));
  const L = q.shape[q.ndim - 2]!, S = k.shape[k.ndim - 2]!;
  let s = mul(matmul(q, k.transpose(-2, -1)), opts.scale);
  if (opts.isCausal) s = where(causal(L, S, q.device), -Infinity, s);
  const m = opts.attnMask;
  if (m) s = m.dtype === 'bool' ? where(m, s, -Infinity) : add(s, m);
  // a row of -inf would give 0/0: softmax a row of zeros instead, then zero it
  const dead = all(eq(s, -Infinity), -1, true);
  return where(dead, 0, softmax(where(dead, 0, s), -1));
}

function check(q: Tensor, k: Tensor, v: Tensor, o: ScaledDotProductAttentionOptions): number[] {
  const op = 'scaledDotProductAttention';
  requireFloat(op, q);
  for (const [n, t] of [['key', k], ['value', v]] as const) {
    if (t.dtype !== q.dtype) throw new DTypeError(`${op}: ${n} is ${t.dtype} but query is ${q.dtype}; q, k and v must share a dtype`);
  }
  for (const [n, t] of [['query', q], ['key', k], ['value', v]] as const) {
    if (t.ndim < 2) throw new ShapeError(`${op}: ${n} must have at least 2 dims [..., seq, features], got shape ${fmtShape(t.shape)}`);
  }
  const E = q.shape[q.ndim - 1]!, S = k.shape[k.ndim - 2]!;
  if (k.shape[k.ndim - 1] !== E) throw new ShapeError(`${op}: query ${fmtShape(q.shape)} and key ${fmtShape(k.shape)} must have the same last dim (${E} != ${k.shape[k.ndim - 1]})`);
  if (v.shape[v.ndim - 2] !== S) throw new ShapeError(`${op}: key ${fmtShape(k.shape)} and value ${fmtShape(v.shape)} must have the same sequence length (dim -2: ${S} != ${v.shape[v.ndim - 2]})`);
  const p = o.dropoutP ?? 0;
  if (!(p >= 0 && p <= 1)) throw new ValueError(`${op}: dropoutP must be between 0 and 1, got ${p}`);
  if (o.isCausal && o.attnMask) throw new ValueError(`${op}: give either attnMask or isCausal, not both (torch refuses an explicit mask with isCausal)`);
  const batch = broadcastShapes(op, q.shape.slice(0, -2), k.shape.slice(0, -2), v.shape.slice(0, -2));
  const m = o.attnMask;
  if (!m) return batch;
  if (m.dtype !== 'bool' && m.dtype !== q.dtype) throw new DTypeError(`${op}: attnMask must be bool or ${q.dtype} like the query, got ${m.dtype}`);
  const L = q.shape[q.ndim - 2]!;
  return broadcastShapes(`${op} (attnMask)`, m.shape, [...batch, L, S]).slice(0, -2);
}

/**
 * torch.nn.functional.scaled_dot_product_attention: softmax(q kᵀ · scale + mask) v over q [..., L, E],
 * k [..., S, E], v [..., S, Ev] (batch dims broadcast), giving [..., L, Ev].
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: ScaledDotProductAttentionOptions = {}): Tensor {
  checkOptions('scaledDotProductAttention', opts, optionKeys<ScaledDotProductAttentionOptions>()('attnMask', 'dropoutP', 'isCausal', 'scale'));
  const batch = check(q, k, v, opts);
  const E = q.shape[q.ndim - 1]!, L = q.shape[q.ndim - 2]!, S = k.shape[k.ndim - 2]!, Ev = v.shape[v.ndim - 1]!;
  const scale = opts.scale ?? 1 / Math.sqrt(E), isCausal = opts.isCausal ?? false, dropoutP = opts.dropoutP ?? 0;
  const mask = opts.attnMask ?? null;
  const inputs = mask ? [q, k, v, mask] : [q, k, v];
  // autocast may hand casts of q, k, v (and a float mask): compute from what apply gives
  return apply('scaledDotProductAttention', inputs, { isCausal, scale, dropoutP }, ([q0, k0, v0, m0]) => {
    const q = q0!, k = k0!, v = v0!, mask = m0 ?? null;
    if (dropoutP === 0 && hasKernel('scaledDotProductAttention', q.device)) {
      const B = batch.reduce((a, b) => a * b, 1);
      const flat = (t: Tensor, rows: number, cols: number) => t.expand([...batch, rows, cols]).reshape([B, rows, cols]);
      const ins = [flat(q, L, E), flat(k, S, E), flat(v, S, Ev)];
      if (mask) ins.push(flat(mask.dtype === 'bool' ? where(mask, 0, full([], -Infinity, { dtype: q.dtype, device: q.device })) : mask, L, S));
      return runKernel('scaledDotProductAttention', q.device, ins, [{ shape: [B, L, Ev], dtype: q.dtype }], { isCausal, scale })[0]!.reshape([...batch, L, Ev]);
    }
    const w = attentionWeights(q, k, { attnMask: mask, isCausal, scale });
    return matmul(dropoutP > 0 ? dropout(w, dropoutP, true) : w, v);
  });
}
