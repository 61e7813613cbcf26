// The public ops: the names dispatch records (hooks, gradient rules and ONNX export key off them).
// Kernels are the backend's vocabulary (./required.ts, ./optional.ts); ops are the user's.

/** The public ops' names: what dispatch records, and what hooks and gradient rules key off. */
export const OP_NAMES = [
  // creation and devices
  'full', 'arange', 'eye', 'rand', 'randn', 'randint', 'fromBlob', 'cast', 'to',
  // elementwise
  'neg', 'abs', 'sign', 'floor', 'ceil', 'round', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'reciprocal',
  'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'reluBackward', 'leakyRelu', 'erf', 'gelu', 'softplus',
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'remainder', 'clamp', 'where',
  'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalNot', 'logicalAnd', 'logicalOr', 'logicalXor',
  // reductions
  'sum', 'mean', 'prod', 'amax', 'amin', 'max', 'min', 'argmax', 'argmin', 'var', 'std', 'logsumexp', 'any', 'all',
  'softmax', 'logSoftmax', 'cumsum',
  // views and copies
  'contiguous', 'clone', 'view', 'reshape', 'permute', 'transpose', 't', 'unsqueeze', 'squeeze', 'expand', 'narrow', 'select',
  // joining, indexing, linear algebra
  'cat', 'stack', 'split', 'pad', 'flip', 'repeat', 'gather', 'scatterAdd', 'indexSelect', 'embedding', 'matmul', 'linear',
  // neural networks
  'conv1d', 'conv2d', 'conv2dBackwardInput', 'conv2dBackwardWeight',
  'maxPool2d', 'maxPool2dBackward', 'avgPool2d', 'avgPool2dBackward', 'adaptiveAvgPool2d', 'adaptiveAvgPool2dBackward',
  'batchNorm', 'batchNormRelu', 'batchNormStats', 'batchNormBackward', 'batchNormReluBackward', 'layerNorm', 'dropout',
  'nllLoss', 'crossEntropy', 'mseLoss', 'l1Loss', 'smoothL1Loss', 'huberLoss', 'binaryCrossEntropy', 'binaryCrossEntropyWithLogits',
  'gruCell', 'gruCellBackward', 'lstmCell', 'lstmCellBackward', 'gruSequence', 'lstmSequence', 'gruSequenceBackward', 'lstmSequenceBackward',
  // optimizer steps (in place)
  'sgdStep', 'adamStep',
  // tensor indexing, sorting, einsum, norms, resampling, attention (ops of the 2026 first-day issue)
  'index', 'maskedFill', 'sort', 'argsort', 'topk', 'einsum', 'norm', 'interpolate',
  'silu', 'mish', 'hardswish', 'hardsigmoid', 'scaledDotProductAttention',
] as const;

/** The name of a public op. */
export type OpName = (typeof OP_NAMES)[number];
