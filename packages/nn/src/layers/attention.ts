// MultiheadAttention (torch.nn.MultiheadAttention): packed input projection, heads, attention, output
// projection, with PyTorch's parameter names (in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias).
// Without weights to return it runs core's scaledDotProductAttention (a backend's fused kernel where there is one).
import { attentionWeights, checkOptions, optionKeys, dropout, full, linear, matmul, scaledDotProductAttention, where, zeros, ShapeError, ValueError, DTypeError, type Tensor } from '@flint/core';
import { xavierUniform_, constant_ } from '../init.js';
import { Module, fmt } from '../module.js';
import { param, type Parameter } from '../parameter.js';
import { Linear, type LinearOptions } from './linear.js';

/** torch's name for MultiheadAttention's output projection (a Linear; the name keeps repr and checkpoints alike). */
export class NonDynamicallyQuantizableLinear extends Linear {
  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) { super(inFeatures, outFeatures, opts); }
}

/** Options of {@link MultiheadAttention}, torch's keyword arguments in camelCase. */
export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights in training (default 0). */
  dropout?: number;
  /** Biases in the input and output projections (default true). */
  bias?: boolean;
  /** Key features; only embedDim is supported (the packed in_proj_weight). */
  kdim?: number;
  /** Value features; only embedDim is supported. */
  vdim?: number;
  /** Inputs and outputs are [N, L, E] instead of [L, N, E] (default false). */
  batchFirst?: boolean;
  /** Device of the parameters (default: the default device). */
  device?: string;
  /** Dtype of the parameters (default float32). */
  dtype?: 'float32' | 'float64';
}

/** Options of {@link MultiheadAttention.forward}. */
export interface MultiheadAttentionForwardOptions {
  /** [N, S] (or [S] unbatched): true (bool) marks keys to ignore; a float mask is added to the scores. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights too (default true). */
  needWeights?: boolean;
  /** [L, S] or [N * numHeads, L, S]: true (bool) marks pairs that may not attend; a float mask is added. */
  attnMask?: Tensor | null;
  /** Average the returned weights over the heads (default true): [N, L, S], else [N, numHeads, L, S]. */
  averageAttnWeights?: boolean;
}

/** A bool "not allowed" mask as 0 / -inf in dtype; a float mask as it is. */
const additive = (m: Tensor, like: Tensor): Tensor =>
  (m.dtype === 'bool' ? where(m, full([], -Infinity, { dtype: like.dtype, device: like.device }), 0) : m);

/** Attention over numHeads heads of embedDim / numHeads features each. */
export class MultiheadAttention extends Module {
  /** The packed query, key and value projections, [3 * embedDim, embedDim] (torch's name). */
  declare in_proj_weight: Parameter;
  /** Their biases, [3 * embedDim], or null (torch's name). */
  declare in_proj_bias: Parameter | null;
  /** The output projection (torch's name). */
  declare out_proj: NonDynamicallyQuantizableLinear;
  /** Features per head: embedDim / numHeads. */
  readonly headDim: number;
  /** Dropout on the attention weights in training. */
  readonly dropout: number;
  /** Whether inputs and outputs are [N, L, E]. */
  readonly batchFirst: boolean;
  /**
   * @param embedDim - the model's features E
   * @param numHeads - the number of heads (must divide embedDim)
   */
  constructor(readonly embedDim: number, readonly numHeads: number, o: MultiheadAttentionOptions = {}) {
    checkOptions('MultiheadAttention', o, ['dropout', 'bias', 'kdim', 'vdim', 'batchFirst', 'device', 'dtype']);
    const { dropout = 0, bias = true, kdim, vdim, batchFirst = false, device, dtype } = o;
    super();
    if (!Number.isInteger(embedDim) || embedDim <= 0 || !Number.isInteger(numHeads) || numHeads <= 0) {
      throw new ValueError(`MultiheadAttention: embedDim and numHeads must be positive integers, got ${embedDim} and ${numHeads}`);
    }
    if (embedDim % numHeads !== 0) throw new ValueError(`MultiheadAttention: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`);
    if ((kdim ?? embedDim) !== embedDim || (vdim ?? embedDim) !== embedDim) {
      throw new ValueError(`MultiheadAttention: kdim and vdim other than embedDim (${embedDim}) are not supported (got ${kdim}, ${vdim}); project keys and values to embedDim first`);
    }
    if (!(dropout >= 0 && dropout <= 1)) throw new ValueError(`MultiheadAttention: dropout must be between 0 and 1, got ${dropout}`);
    this.headDim = embedDim / numHeads;
    this.dropout = dropout;
    this.batchFirst = batchFirst;
    this.registerParameter('in_proj_weight', param(zeros([3 * embedDim, embedDim], { device, dtype })));
    this.registerParameter('in_proj_bias', bias ? param(zeros([3 * embedDim], { device, dtype })) : null);
    this.addModule('out_proj', new NonDynamicallyQuantizableLinear(embedDim, embedDim, { bias, device, dtype }));
    this.resetParameters();
  }
  /** The packed input projections, `in_proj_weight`. */
  get inProjWeight(): Parameter { return this.in_proj_weight; }
  /** Their biases, `in_proj_bias`, or null. */
  get inProjBias(): Parameter | null { return this.in_proj_bias; }
  /** The output projection, `out_proj`. */
  get outProj(): NonDynamicallyQuantizableLinear { return this.out_proj; }

  /** torch's _reset_parameters: xavier-uniform in_proj_weight, zero biases (out_proj.weight keeps Linear's init). */
  resetParameters(): void {
    xavierUniform_(this.in_proj_weight);
    if (this.in_proj_bias) constant_(this.in_proj_bias, 0);
    if (this.out_proj.bias) constant_(this.out_proj.bias, 0);
  }

  /**
   * query [L, N, E], key and value [S, N, E] ([N, L, E] with batchFirst; [L, E] unbatched). Returns
   * [output like query, weights or null]. A query that may attend to no key gives zeros (torch 1.13 gives NaN).
   */
  override forward(query: Tensor, key: Tensor, value: Tensor, opts: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    checkOptions('MultiheadAttention.forward', opts, optionKeys<MultiheadAttentionForwardOptions>()('keyPaddingMask', 'needWeights', 'attnMask', 'averageAttnWeights'));
    const { keyPaddingMask = null, needWeights = true, attnMask = null, averageAttnWeights = true } = opts;
    const E = this.embedDim, H = this.numHeads, hd = this.headDim;
    const batched = query.ndim === 3;
    for (const [n, t] of [['query', query], ['key', key], ['value', value]] as const) {
      if (t.ndim !== (batched ? 3 : 2) || t.shape[t.ndim - 1] !== E) {
        throw new ShapeError(`MultiheadAttention(embed_dim=${E}, num_heads=${H}): ${n} must be ${batched ? (this.batchFirst ? '[N, L, E]' : '[L, N, E]') : '[L, E]'} with E = ${E} like the query ${fmt(query.shape)}, got ${fmt(t.shape)}`);
      }
    }
    if (key.shape.some((d, i) => d !== value.shape[i])) throw new ShapeError(`MultiheadAttention: key ${fmt(key.shape)} and value ${fmt(value.shape)} must have the same shape`);
    if (!query.dtype.startsWith('float')) throw new DTypeError(`MultiheadAttention: expected a floating-point query, got ${query.dtype}`);
    // to [L, N, E]
    const seqFirst = (t: Tensor) => (!batched ? t.unsqueeze(1) : this.batchFirst ? t.transpose(0, 1) : t);
    const [q0, k0, v0] = [seqFirst(query), seqFirst(key), seqFirst(value)];
    const L = q0.shape[0]!, N = q0.shape[1]!, S = k0.shape[0]!;
    const w = this.in_proj_weight, b = this.in_proj_bias;
    const proj = (x: Tensor, i: number) => linear(x, w.narrow(0, i * E, E), b ? b.narrow(0, i * E, E) : null);
    // [T, N, E] -> [N, H, T, hd]
    const heads = (x: Tensor, T: number) => x.reshape([T, N * H, hd]).transpose(0, 1).reshape([N, H, T, hd]);
    const q = heads(proj(q0, 0), L), k = heads(proj(k0, 1), S), v = heads(proj(v0, 2), S);
    const mask = this.#mask(attnMask, keyPaddingMask, q, L, S, N, batched);
    const p = this.training ? this.dropout : 0;
    let out: Tensor, weights: Tensor | null = null;
    if (needWeights) {
      let a = attentionWeights(q, k, { attnMask: mask, scale: 1 / Math.sqrt(hd) });
      if (p > 0) a = dropout(a, p, true);
      out = matmul(a, v);
      weights = averageAttnWeights ? a.mean(1) : a;
      if (!batched) weights = weights.squeeze(0);
    } else {
      out = scaledDotProductAttention(q, k, v, { attnMask: mask, dropoutP: p });
    }
    // [N, H, L, hd] -> [L, N, E] -> output projection
    const merged = out.permute([2, 0, 1, 3]).reshape([L, N, E]);
    let y = this.out_proj.forward(merged);
    y = !batched ? y.squeeze(1) : this.batchFirst ? y.transpose(0, 1) : y;
    return [y, weights];
  }

  /** attnMask and keyPaddingMask as one additive mask broadcasting to [N, H, L, S] (null when neither is given). */
  #mask(attnMask: Tensor | null, kpm: Tensor | null, q: Tensor, L: number, S: number, N: number, batched: boolean): Tensor | null {
    const H = this.numHeads;
    let m: Tensor | null = null;
    if (attnMask) {
      const ok = (attnMask.ndim === 2 && attnMask.shape[0] === L && attnMask.shape[1] === S)
        || (attnMask.ndim === 3 && attnMask.shape[0] === N * H && attnMask.shape[1] === L && attnMask.shape[2] === S);
      if (!ok) throw new ShapeError(`MultiheadAttention: attnMask must be [${L}, ${S}] or [${N * H}, ${L}, ${S}] (batch * numHeads, L, S), got ${fmt(attnMask.shape)}`);
      m = additive(attnMask, q);
      if (m.ndim === 3) m = m.reshape([N, H, L, S]);
    }
    if (kpm) {
      const want = batched ? [N, S] : [S];
      if (kpm.ndim !== want.length || kpm.shape.some((d, i) => d !== want[i])) throw new ShapeError(`MultiheadAttention: keyPaddingMask must be ${fmt(want)}, got ${fmt(kpm.shape)}`);
      const k = additive(kpm, q).reshape([N, 1, 1, S]);
      m = m ? m.add(k) : k;
    }
    if (m && m.dtype !== q.dtype) throw new DTypeError(`MultiheadAttention: a float mask must be ${q.dtype} like the query, got ${m.dtype}`);
    return m;
  }
}
