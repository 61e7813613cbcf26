// Embedding: a lookup table of numEmbeddings rows of size embeddingDim.
import { checkOptions, embedding, isFloating, optionKeys, scope, where, zeros, type Tensor } from '@flint/core';
import { noGrad } from '@flint/autograd';
import { normal_ } from '../init.js';
import { Module, inputError } from '../module.js';
import { Parameter, param } from '../parameter.js';

/** Options of {@link Embedding}. */
export interface EmbeddingOptions {
  /** This row is zeroed at init and gets no gradient (negative counts from the end). */
  paddingIdx?: number | null;
  /** A weight to use instead of a fresh N(0, 1) one (see Embedding.fromPretrained). */
  weight?: Tensor;
  /** Device of the weight (default: the default device). */
  device?: string;
  /** Dtype of the weight (default float32). */
  dtype?: 'float32' | 'float64';
}

/** A lookup table: row `i` of `weight` for each index `i` of the input. */
export class Embedding extends Module {
  /** The table, [numEmbeddings, embeddingDim]. */
  weight: Parameter;
  /** The row that is zero and gets no gradient (non-negative), or null. */
  readonly paddingIdx: number | null;
  /**
   * @param numEmbeddings - the number of rows
   * @param embeddingDim - the size of each row
   */
  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, opts: EmbeddingOptions = {}) {
    super();
    checkOptions('Embedding', opts, optionKeys<EmbeddingOptions>()('paddingIdx', 'weight', 'device', 'dtype'));
    let p = opts.paddingIdx ?? null;
    if (p !== null) {
      if (!Number.isInteger(p) || p >= numEmbeddings || p < -numEmbeddings) throw new Error(`Embedding: padding_idx ${p} must be within num_embeddings (${numEmbeddings})`);
      if (p < 0) p += numEmbeddings;
    }
    this.paddingIdx = p;
    if (opts.weight) {
      const w = opts.weight;
      if (w.ndim !== 2 || w.shape[0] !== numEmbeddings || w.shape[1] !== embeddingDim) throw new Error(`Embedding: weight shape [${w.shape.join(', ')}] must be [${numEmbeddings}, ${embeddingDim}]`);
      this.weight = new Parameter(w);
    } else {
      this.weight = param(zeros([numEmbeddings, embeddingDim], { device: opts.device, dtype: opts.dtype }));
      this.resetParameters();
    }
  }
  /**
   * An embedding whose table is `weight` [numEmbeddings, embeddingDim]; frozen (no gradient) unless `freeze: false`.
   */
  static fromPretrained(weight: Tensor, { freeze = true, paddingIdx = null }: { freeze?: boolean; paddingIdx?: number | null } = {}): Embedding {
    const e = new Embedding(weight.shape[0]!, weight.shape[1]!, { weight, paddingIdx });
    e.weight.requiresGrad_(!freeze);
    return e;
  }
  /** Refills the table from N(0, 1), zeroing the padding row. */
  resetParameters(): void {
    normal_(this.weight);
    const p = this.paddingIdx;
    if (p !== null) noGrad(() => this.weight.narrow(0, p, 1).zero_());
  }
  override forward(indices: Tensor): Tensor {
    if (isFloating(indices.dtype) || indices.dtype === 'bool') throw inputError(this, 'of integer indices (int32 or int64)', indices.shape);
    if (this.paddingIdx === null) return embedding(indices, this.weight);
    const p = this.paddingIdx;
    return scope(() => {
      // rows looked up at paddingIdx come from a detached copy, so that row gets no gradient
      const out = embedding(indices, this.weight);
      return where(indices.eq(p).unsqueeze(-1), out.detach(), out);
    });
  }
  override extraRepr(): string { return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, padding_idx=${this.paddingIdx}` : ''}`; }
}
