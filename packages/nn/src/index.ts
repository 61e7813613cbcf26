/**
 * `@flint/nn`: Module and Parameter, layers, losses, init, functional ops, gradient utilities and
 * safetensors checkpoints — PyTorch's torch.nn with camelCase names.
 * @module @flint/nn
 */
export { Module, StateDictError } from './module.js';
export type { LoadResult, StateDict, ToTarget } from './module.js';
export { Parameter } from './parameter.js';
export { Sequential, ModuleList, ModuleDict } from './containers.js';
export { Linear, Identity, Flatten } from './layers/linear.js';
export type { LinearOptions } from './layers/linear.js';
export { Conv1d, Conv2d, ConvTranspose2d } from './layers/conv.js';
export type { ConvOptions, ConvTransposeOptions, PaddingMode } from './layers/conv.js';
export { BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm } from './layers/norm.js';
export type { BatchNormOptions, LayerNormOptions, GroupNormOptions } from './layers/norm.js';
export { Dropout, Dropout2d } from './layers/dropout.js';
export { ReLU, LeakyReLU, GELU, Sigmoid, Tanh, Softmax, LogSoftmax } from './layers/activation.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './layers/pooling.js';
export type { MaxPool2dOptions, AvgPool2dOptions } from './layers/pooling.js';
export { Embedding } from './layers/embedding.js';
export type { EmbeddingOptions } from './layers/embedding.js';
export { RNN, GRU, LSTM } from './layers/rnn.js';
export type { RNNOptions, ElmanOptions } from './layers/rnn.js';
export { SiLU, Mish, Hardswish, Hardsigmoid } from './layers/activation-extra.js';
export { Upsample } from './layers/upsample.js';
export type { UpsampleOptions } from './layers/upsample.js';
export { MultiheadAttention, NonDynamicallyQuantizableLinear } from './layers/attention.js';
export type { MultiheadAttentionOptions, MultiheadAttentionForwardOptions } from './layers/attention.js';
export { TransformerEncoderLayer, TransformerDecoderLayer } from './layers/transformer-layers.js';
export type { TransformerLayerOptions, TransformerActivation, EncoderLayerForwardOptions, DecoderLayerForwardOptions } from './layers/transformer-layers.js';
export { TransformerEncoder, TransformerDecoder, Transformer } from './layers/transformer.js';
export type { TransformerOptions, TransformerForwardOptions, TransformerEncoderForwardOptions } from './layers/transformer.js';
export { CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, MSELoss, L1Loss, SmoothL1Loss, HuberLoss } from './layers/loss.js';
export type { CrossEntropyLossOptions, NLLLossOptions } from './layers/loss.js';
export * as init from './init.js';
export * as functional from './functional.js';
export * as F from './functional.js';
export * as utils from './utils.js';
export { clipGradNorm_, clipGradValue_, parametersToVector, vectorToParameters } from './utils.js';
export { save, load, saveToBytes, loadFromBytes, loadMetadata } from './checkpoint.js';
export { saveCheckpoint, loadCheckpoint, checkpointToBytes, checkpointFromBytes } from './checkpoint-state.js';
export type { CheckpointValue } from './checkpoint-state.js';
export type { SaveOptions, LoadOptions } from './checkpoint.js';
export { SafetensorsError, encodeSafetensors, decodeSafetensors, MAX_HEADER_BYTES } from './safetensors.js';
export type { RawTensor, DecodedSafetensors } from './safetensors.js';
