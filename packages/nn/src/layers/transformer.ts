// TransformerEncoder, TransformerDecoder and Transformer (torch.nn's): stacks of copies of one layer, an
// optional final LayerNorm, and the encoder-decoder model with PyTorch's defaults and state-dict keys
// (encoder.layers.0.self_attn.in_proj_weight, decoder.norm.weight, ...).
import { checkOptions, optionKeys, ShapeError, ValueError, tensor, type Tensor } from '@flint/core';
import { ModuleList } from '../containers.js';
import { xavierUniform_ } from '../init.js';
import { Module, fmt } from '../module.js';
import { LayerNorm } from './norm.js';
import type { DecoderLayerForwardOptions, TransformerActivation } from './transformer-layers.js';
import { DECODER_FORWARD_KEYS, TransformerDecoderLayer, TransformerEncoderLayer } from './transformer-layers.js';

/** Options of {@link TransformerEncoder.forward}. */
export interface TransformerEncoderForwardOptions {
  /** The attention mask of every layer ([L, L] or [N * nhead, L, L]). */
  mask?: Tensor | null;
  /** `[N, L]`: true marks padding positions. */
  srcKeyPaddingMask?: Tensor | null;
}

/** numLayers copies of one layer (same starting weights, as torch's deepcopy), then an optional norm. */
abstract class LayerStack extends Module {
  /** The stacked layers. */
  declare layers: ModuleList;
  /** The final norm, or null. */
  declare norm: Module | null;
  /** The number of layers. */
  readonly numLayers: number;
  /**
   * @param who - the class name, for messages
   * @param layer - the layer to copy numLayers times
   * @param numLayers - how many copies
   * @param norm - the final norm, or null
   */
  protected constructor(who: string, layer: TransformerEncoderLayer | TransformerDecoderLayer, numLayers: number, norm: Module | null) {
    super();
    if (!Number.isInteger(numLayers) || numLayers < 0) throw new ValueError(`${who}: numLayers must be a non-negative integer, got ${numLayers}`);
    this.numLayers = numLayers;
    this.addModule('layers', new ModuleList(Array.from({ length: numLayers }, () => layer.clone())));
    this.addModule('norm', norm);
  }
  /** Applies the final norm, if any. */
  protected finish(x: Tensor): Tensor { return this.norm ? (this.norm.forward(x) as Tensor) : x; }
}

/** numLayers copies of encoderLayer, then an optional norm (torch.nn.TransformerEncoder). */
export class TransformerEncoder extends LayerStack {
  constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, o: { norm?: Module | null } = {}) {
    checkOptions('TransformerEncoder', o, ['norm']);
    const { norm = null } = o;
    super('TransformerEncoder', encoderLayer, numLayers, norm);
  }
  override forward(src: Tensor, o: TransformerEncoderForwardOptions = {}): Tensor {
    checkOptions('TransformerEncoder.forward', o, ['mask', 'srcKeyPaddingMask']);
    const { mask, srcKeyPaddingMask } = o;
    let x = src;
    for (const layer of this.layers) x = (layer as TransformerEncoderLayer).forward(x, { srcMask: mask, srcKeyPaddingMask });
    return this.finish(x);
  }
}

/** numLayers copies of decoderLayer, then an optional norm (torch.nn.TransformerDecoder). */
export class TransformerDecoder extends LayerStack {
  constructor(decoderLayer: TransformerDecoderLayer, numLayers: number, o: { norm?: Module | null } = {}) {
    checkOptions('TransformerDecoder', o, ['norm']);
    const { norm = null } = o;
    super('TransformerDecoder', decoderLayer, numLayers, norm);
  }
  override forward(tgt: Tensor, memory: Tensor, opts: DecoderLayerForwardOptions = {}): Tensor {
    checkOptions('TransformerDecoder.forward', opts, DECODER_FORWARD_KEYS);
    let x = tgt;
    for (const layer of this.layers) x = (layer as TransformerDecoderLayer).forward(x, memory, opts);
    return this.finish(x);
  }
}

/**
 * Options of {@link Transformer}, torch's keyword arguments in camelCase.
 * @property dModel - the model's features (default 512)
 * @property nhead - attention heads (default 8)
 * @property numEncoderLayers - encoder layers (default 6)
 * @property numDecoderLayers - decoder layers (default 6)
 * @property dimFeedforward - width of the feed-forward blocks (default 2048)
 * @property dropout - dropout in every layer (default 0.1)
 * @property activation - the feed-forward activation (default `'relu'`)
 * @property customEncoder - an encoder to use instead of the default stack
 * @property customDecoder - a decoder to use instead of the default stack
 * @property layerNormEps - LayerNorm's eps (default 1e-5)
 * @property batchFirst - inputs and outputs are [N, L, E] (default false)
 * @property normFirst - LayerNorm before attention and feed-forward (default false)
 * @property bias - biases in the linear layers, attention and LayerNorms (default true)
 * @property device - device of the parameters (default: the default device)
 * @property dtype - dtype of the parameters (default float32)
 */
export interface TransformerOptions {
  dModel?: number; nhead?: number; numEncoderLayers?: number; numDecoderLayers?: number;
  dimFeedforward?: number; dropout?: number; activation?: TransformerActivation;
  customEncoder?: Module | null; customDecoder?: Module | null;
  layerNormEps?: number; batchFirst?: boolean; normFirst?: boolean; bias?: boolean;
  device?: string; dtype?: 'float32' | 'float64';
}

/**
 * Options of {@link Transformer.forward}.
 * @property srcMask - the encoder's self-attention mask
 * @property tgtMask - the decoder's self-attention mask (see {@link Transformer.generateSquareSubsequentMask})
 * @property memoryMask - the mask of attention from target to memory
 * @property srcKeyPaddingMask - `[N, S]`: true marks padding in the source
 * @property tgtKeyPaddingMask - `[N, T]`: true marks padding in the target
 * @property memoryKeyPaddingMask - `[N, S]`: true marks padding in the memory
 */
export interface TransformerForwardOptions {
  srcMask?: Tensor | null; tgtMask?: Tensor | null; memoryMask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null; tgtKeyPaddingMask?: Tensor | null; memoryKeyPaddingMask?: Tensor | null;
}

/**
 * The encoder-decoder model of "Attention Is All You Need", as torch.nn.Transformer: dModel 512, nhead 8,
 * 6 + 6 layers, dimFeedforward 2048, dropout 0.1 by default; every weight matrix xavier-uniform initialized.
 */
export class Transformer extends Module {
  /** The encoder (a TransformerEncoder, or the custom one). */
  declare encoder: Module;
  /** The decoder (a TransformerDecoder, or the custom one). */
  declare decoder: Module;
  /** The model's features. */
  readonly dModel: number;
  /** Attention heads. */
  readonly nhead: number;
  /** Whether inputs and outputs are [N, L, E]. */
  readonly batchFirst: boolean;
  constructor(opts: TransformerOptions = {}) {
    checkOptions('Transformer', opts, optionKeys<TransformerOptions>()('dModel', 'nhead', 'numEncoderLayers', 'numDecoderLayers', 'dimFeedforward', 'dropout', 'activation', 'customEncoder', 'customDecoder', 'layerNormEps', 'batchFirst', 'normFirst', 'bias', 'device', 'dtype'));
    super();
    const { dModel = 512, nhead = 8, numEncoderLayers = 6, numDecoderLayers = 6, customEncoder = null, customDecoder = null, batchFirst = false, layerNormEps = 1e-5, bias = true, device, dtype } = opts;
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = batchFirst;
    const { dimFeedforward, dropout, activation, normFirst } = opts;
    const layerOpts = { dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, bias, device, dtype };
    const norm = () => new LayerNorm(dModel, { eps: layerNormEps, bias, device, dtype });
    this.addModule('encoder', customEncoder ?? new TransformerEncoder(new TransformerEncoderLayer(dModel, nhead, layerOpts), numEncoderLayers, { norm: norm() }));
    this.addModule('decoder', customDecoder ?? new TransformerDecoder(new TransformerDecoderLayer(dModel, nhead, layerOpts), numDecoderLayers, { norm: norm() }));
    for (const p of this.parameters()) if (p.ndim > 1) xavierUniform_(p);
  }

  /** src [S, N, E] and tgt [T, N, E] ([N, S, E], [N, T, E] with batchFirst; unbatched [S, E], [T, E]): the decoder's output. */
  override forward(src: Tensor, tgt: Tensor, o: TransformerForwardOptions = {}): Tensor {
    checkOptions('Transformer.forward', o, optionKeys<TransformerForwardOptions>()('srcMask', 'tgtMask', 'memoryMask', 'srcKeyPaddingMask', 'tgtKeyPaddingMask', 'memoryKeyPaddingMask'));
    const batched = src.ndim === 3, b = this.batchFirst ? 0 : 1;
    if (batched && src.shape[b] !== tgt.shape[b]) throw new ShapeError(`Transformer: the batch number of src ${fmt(src.shape)} and tgt ${fmt(tgt.shape)} must be equal`);
    if (src.shape[src.ndim - 1] !== this.dModel || tgt.shape[tgt.ndim - 1] !== this.dModel) {
      throw new ShapeError(`Transformer: the feature number of src ${fmt(src.shape)} and tgt ${fmt(tgt.shape)} must be equal to dModel (${this.dModel})`);
    }
    const memory = this.encoder.forward(src, { mask: o.srcMask, srcKeyPaddingMask: o.srcKeyPaddingMask }) as Tensor;
    return this.decoder.forward(tgt, memory, {
      tgtMask: o.tgtMask, memoryMask: o.memoryMask, tgtKeyPaddingMask: o.tgtKeyPaddingMask, memoryKeyPaddingMask: o.memoryKeyPaddingMask,
    }) as Tensor;
  }

  /** [sz, sz] float mask: 0 on and below the diagonal, -inf above (position i may not attend to j > i). */
  static generateSquareSubsequentMask(sz: number, opts: { device?: string; dtype?: 'float32' | 'float64' } = {}): Tensor {
    return tensor(Array.from({ length: sz }, (_, i) => Array.from({ length: sz }, (_, j) => (j > i ? -Infinity : 0))), { dtype: 'float32', ...opts }).reshape([sz, sz]);
  }
}
