// TransformerEncoderLayer and TransformerDecoderLayer (torch.nn's), with PyTorch's defaults and submodule
// names, so state-dict keys read self_attn.in_proj_weight, linear1.weight, norm1.weight, ... as in PyTorch.
import { checkOptions, gelu, optionKeys, relu, ValueError, type Tensor } from '@flint/core';
import { Module } from '../module.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';
import { LayerNorm } from './norm.js';
import { MultiheadAttention } from './attention.js';

/** The feed-forward activation of a transformer layer: `'relu'`, `'gelu'` or a function. */
export type TransformerActivation = 'relu' | 'gelu' | ((x: Tensor) => Tensor);

/**
 * Options of {@link TransformerEncoderLayer} and {@link TransformerDecoderLayer}, torch's keyword arguments in
 * camelCase.
 */
export interface TransformerLayerOptions {
  /** Width of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward block (default 0.1). */
  dropout?: number;
  /** The feed-forward activation: 'relu' (default), 'gelu', or a function. */
  activation?: TransformerActivation;
  /** LayerNorm's eps (default 1e-5). */
  layerNormEps?: number;
  /** Inputs are [N, L, E] instead of [L, N, E] (default false). */
  batchFirst?: boolean;
  /** Pre-norm: LayerNorm before attention and feed-forward instead of after the residual add (default false). */
  normFirst?: boolean;
  /** Biases in the linear layers, attention and LayerNorms (default true). */
  bias?: boolean;
  /** Device of the parameters (default: the default device). */
  device?: string;
  /** Dtype of the parameters (default float32). */
  dtype?: 'float32' | 'float64';
}
const LAYER_KEYS = optionKeys<TransformerLayerOptions>()('dimFeedforward', 'dropout', 'activation', 'layerNormEps', 'batchFirst', 'normFirst', 'bias', 'device', 'dtype');

/** Options of {@link TransformerEncoderLayer.forward}. */
export interface EncoderLayerForwardOptions {
  /** [L, L] or [N * nhead, L, L] attention mask (see MultiheadAttention). */
  srcMask?: Tensor | null;
  /** `[N, L]`: true marks padding positions. */
  srcKeyPaddingMask?: Tensor | null;
}

/** Options of {@link TransformerDecoderLayer.forward}. */
export interface DecoderLayerForwardOptions {
  /** The self-attention mask over the target ([T, T] or [N * nhead, T, T]). */
  tgtMask?: Tensor | null;
  /** The mask of attention from target to memory ([T, S] or [N * nhead, T, S]). */
  memoryMask?: Tensor | null;
  /** `[N, T]`: true marks padding positions of the target. */
  tgtKeyPaddingMask?: Tensor | null;
  /** `[N, S]`: true marks padding positions of the memory. */
  memoryKeyPaddingMask?: Tensor | null;
}
export const DECODER_FORWARD_KEYS = optionKeys<DecoderLayerForwardOptions>()('tgtMask', 'memoryMask', 'tgtKeyPaddingMask', 'memoryKeyPaddingMask');

function activationFn(a: TransformerActivation | undefined, who: string): (x: Tensor) => Tensor {
  if (a === undefined || a === 'relu') return relu;
  if (a === 'gelu') return (x) => gelu(x);
  if (typeof a === 'function') return a;
  throw new ValueError(`${who}: activation should be 'relu', 'gelu' or a function, not ${JSON.stringify(a)}`);
}

/** The parts both layers share: the feed-forward block and its dropouts, registered in torch's order. */
abstract class TransformerLayerBase extends Module {
  /** Self-attention (torch's name). */
  declare self_attn: MultiheadAttention;
  /** The feed-forward block's first linear layer, dModel to dimFeedforward. */
  declare linear1: Linear;
  /** The dropout inside the feed-forward block. */
  declare dropout: Dropout;
  /** The feed-forward block's second linear layer, dimFeedforward to dModel. */
  declare linear2: Linear;
  /** The LayerNorm of the self-attention block. */
  declare norm1: LayerNorm;
  /** The LayerNorm of the feed-forward block (the cross-attention block's in a decoder layer). */
  declare norm2: LayerNorm;
  /** The dropout after self-attention. */
  declare dropout1: Dropout;
  /** The dropout after the feed-forward block (after cross-attention in a decoder layer). */
  declare dropout2: Dropout;
  /** Whether LayerNorm comes before each block (pre-norm) instead of after the residual add. */
  readonly normFirst: boolean;
  /** The options the layer was made with (clones are made from them). */
  readonly options: TransformerLayerOptions;
  /** The feed-forward activation. */
  protected readonly act: (x: Tensor) => Tensor;

  /**
   * @param dModel - the model's features
   * @param nhead - attention heads
   * @param opts - the layer's options
   * @param decoder - also make the cross-attention block
   */
  protected constructor(readonly dModel: number, readonly nhead: number, opts: TransformerLayerOptions, decoder: boolean) {
    super();
    const { dimFeedforward = 2048, dropout = 0.1, layerNormEps = 1e-5, batchFirst = false, normFirst = false, bias = true, device, dtype } = opts;
    const who = decoder ? 'TransformerDecoderLayer' : 'TransformerEncoderLayer';
    this.options = { ...opts };
    this.act = activationFn(opts.activation, who);
    this.normFirst = normFirst;
    const like = { device, dtype };
    this.addModule('self_attn', new MultiheadAttention(dModel, nhead, { dropout, bias, batchFirst, ...like }));
    if (decoder) this.addModule('multihead_attn', new MultiheadAttention(dModel, nhead, { dropout, bias, batchFirst, ...like }));
    this.addModule('linear1', new Linear(dModel, dimFeedforward, { bias, ...like }));
    this.addModule('dropout', new Dropout(dropout));
    this.addModule('linear2', new Linear(dimFeedforward, dModel, { bias, ...like }));
    const norm = () => new LayerNorm(dModel, { eps: layerNormEps, bias, ...like });
    this.addModule('norm1', norm());
    this.addModule('norm2', norm());
    if (decoder) this.addModule('norm3', norm());
    this.addModule('dropout1', new Dropout(dropout));
    this.addModule('dropout2', new Dropout(dropout));
    if (decoder) this.addModule('dropout3', new Dropout(dropout));
  }
  /** Self-attention, `self_attn`. */
  get selfAttn(): MultiheadAttention { return this.self_attn; }

  /** The self-attention block's output for `x`, after its dropout. */
  protected selfAttention(x: Tensor, mask: Tensor | null | undefined, padding: Tensor | null | undefined): Tensor {
    return this.dropout1.forward(this.self_attn.forward(x, x, x, { attnMask: mask, keyPaddingMask: padding, needWeights: false })[0]);
  }
  /** The feed-forward block's output for `x`, after the dropout `out`. */
  protected feedForward(x: Tensor, out: Dropout): Tensor {
    return out.forward(this.linear2.forward(this.dropout.forward(this.act(this.linear1.forward(x)))));
  }
  /** A fresh layer with the same options and a copy of this one's parameters (torch's copy.deepcopy). */
  abstract clone(): TransformerLayerBase;
  /** Loads this layer's parameters and training mode into `fresh`; returns it. */
  protected copyInto<T extends TransformerLayerBase>(fresh: T): T {
    fresh.loadStateDict(this.stateDict());
    return fresh.train(this.training);
  }
}

/** Self-attention then a feed-forward block, each with a residual connection and LayerNorm. */
export class TransformerEncoderLayer extends TransformerLayerBase {
  constructor(dModel: number, nhead: number, opts: TransformerLayerOptions = {}) { checkOptions('TransformerEncoderLayer', opts, LAYER_KEYS); super(dModel, nhead, opts, false); }
  /** src [L, N, E] ([N, L, E] with batchFirst). */
  override forward(src: Tensor, o: EncoderLayerForwardOptions = {}): Tensor {
    checkOptions('TransformerEncoderLayer.forward', o, ['srcMask', 'srcKeyPaddingMask']);
    const { srcMask, srcKeyPaddingMask } = o;
    let x = src;
    if (this.normFirst) {
      x = x.add(this.selfAttention(this.norm1.forward(x), srcMask, srcKeyPaddingMask));
      return x.add(this.feedForward(this.norm2.forward(x), this.dropout2));
    }
    x = this.norm1.forward(x.add(this.selfAttention(x, srcMask, srcKeyPaddingMask)));
    return this.norm2.forward(x.add(this.feedForward(x, this.dropout2)));
  }
  override clone(): TransformerEncoderLayer { return this.copyInto(new TransformerEncoderLayer(this.dModel, this.nhead, this.options)); }
}

/** Self-attention, attention over the encoder's memory, then a feed-forward block. */
export class TransformerDecoderLayer extends TransformerLayerBase {
  /** Attention over the encoder's memory (torch's name). */
  declare multihead_attn: MultiheadAttention;
  /** The LayerNorm of the feed-forward block. */
  declare norm3: LayerNorm;
  /** The dropout after the feed-forward block. */
  declare dropout3: Dropout;
  constructor(dModel: number, nhead: number, opts: TransformerLayerOptions = {}) { checkOptions('TransformerDecoderLayer', opts, LAYER_KEYS); super(dModel, nhead, opts, true); }
  /** Attention over the encoder's memory, `multihead_attn`. */
  get multiheadAttn(): MultiheadAttention { return this.multihead_attn; }
  /** tgt [T, N, E] and memory [S, N, E] ([N, T, E] and [N, S, E] with batchFirst). */
  override forward(tgt: Tensor, memory: Tensor, o: DecoderLayerForwardOptions = {}): Tensor {
    checkOptions('TransformerDecoderLayer.forward', o, DECODER_FORWARD_KEYS);
    const cross = (x: Tensor) => this.dropout2.forward(this.multihead_attn.forward(x, memory, memory, { attnMask: o.memoryMask, keyPaddingMask: o.memoryKeyPaddingMask, needWeights: false })[0]);
    let x = tgt;
    if (this.normFirst) {
      x = x.add(this.selfAttention(this.norm1.forward(x), o.tgtMask, o.tgtKeyPaddingMask));
      x = x.add(cross(this.norm2.forward(x)));
      return x.add(this.feedForward(this.norm3.forward(x), this.dropout3));
    }
    x = this.norm1.forward(x.add(this.selfAttention(x, o.tgtMask, o.tgtKeyPaddingMask)));
    x = this.norm2.forward(x.add(cross(x)));
    return this.norm3.forward(x.add(this.feedForward(x, this.dropout3)));
  }
  override clone(): TransformerDecoderLayer { return this.copyInto(new TransformerDecoderLayer(this.dModel, this.nhead, this.options)); }
}
