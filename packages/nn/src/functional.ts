// torch.nn.functional: core's functional ops under one namespace (`import { F } from '@flint/nn'`).
export {
  linear, conv1d, conv2d, conv2dBackwardInput, conv2dBackwardWeight, maxPool2d, avgPool2d, adaptiveAvgPool2d,
  batchNorm, layerNorm, dropout, embedding, pad,
  crossEntropy, nllLoss, mseLoss, l1Loss, smoothL1Loss, huberLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits,
  relu, gelu, sigmoid, tanh, softmax, logSoftmax, leakyRelu, softplus,
  silu, mish, hardswish, hardsigmoid, interpolate, scaledDotProductAttention,
} from '@flint/core';
