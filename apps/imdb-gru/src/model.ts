// The benchmark's GRU sentiment classifier: Embedding(30000, 125) → GRU(125 → 100) → the last step's
// hidden state → Linear(100, 2). Parameter names follow PyTorch's (embedding.weight, rnn.weight_ih_l0, ...).
import type { Tensor } from '@flint/core';
import { Embedding, GRU, Linear, Module } from '@flint/nn';

export const IMDB_VOCAB = 30000;
export const IMDB_SEQ_LEN = 150;

export interface GruOptions { vocabSize?: number; embeddingDim?: number; hiddenSize?: number; numClasses?: number }

export class ImdbGru extends Module {
  readonly embedding: Embedding;
  readonly rnn: GRU;
  readonly fc: Linear;
  constructor({ vocabSize = IMDB_VOCAB, embeddingDim = 125, hiddenSize = 100, numClasses = 2 }: GruOptions = {}) {
    super();
    this.embedding = new Embedding(vocabSize, embeddingDim);
    this.rnn = new GRU(embeddingDim, hiddenSize, { batchFirst: true });
    this.fc = new Linear(hiddenSize, numClasses);
  }
  /** tokens: int32/int64 [N, L] word indices; returns logits [N, numClasses] from the last step. */
  override forward(tokens: Tensor): Tensor {
    const [, h] = this.rnn.call(this.embedding.call(tokens));
    return this.fc.call(h.select(0, 0)); // h: [1, N, H], the hidden state after the last step
  }
}
