// Flint twins of the PyTorch models in tooling/parity/gen_training.py: same layers, same state-dict keys
// and the same parameter order (fields are declared in torch's registration order), so an optimizer's
// state index i names the same parameter in both frameworks.
import { adaptiveAvgPool2d, cat, type Tensor } from '@flint/core';
import {
  AvgPool2d, BatchNorm2d, Conv2d, CrossEntropyLoss, Dropout, Embedding, Flatten, GRU, LSTM, Linear, MaxPool2d, MSELoss,
  Module, ReLU, Sequential, Tanh,
} from '@flint/nn';
import { Adagrad, Adam, AdamW, CosineAnnealingLR, RMSprop, SGD, StepLR, type Optimizer, type Scheduler } from '@flint/optim';

export function mlp(): Sequential {
  return new Sequential(new Linear(10, 32), new ReLU(), new Linear(32, 32), new Tanh(), new Linear(32, 4));
}

/** The CIFAR net at 10x10 input; its Dropout(0.25) is built with p = 0 so both frameworks compute the same thing. */
export function vgg(): Sequential {
  return new Sequential(
    new Conv2d(3, 50, 3, { padding: 1 }), new ReLU(), new Conv2d(50, 50, 3), new MaxPool2d(2), new ReLU(), new Dropout(0),
    new Conv2d(50, 100, 3, { padding: 1 }), new ReLU(), new Conv2d(100, 100, 3), new MaxPool2d(2), new ReLU(),
    new Flatten(), new Linear(100, 512), new ReLU(), new Linear(512, 10),
  );
}

/** BatchNorm-ReLU-Conv1x1-BatchNorm-ReLU-Conv3x3, its output concatenated to its input. */
export class DenseLayer extends Module {
  norm1: BatchNorm2d;
  relu1 = new ReLU();
  conv1: Conv2d;
  norm2: BatchNorm2d;
  relu2 = new ReLU();
  conv2: Conv2d;
  constructor(cin: number, growth: number, bnSize: number) {
    super();
    this.norm1 = new BatchNorm2d(cin);
    this.conv1 = new Conv2d(cin, bnSize * growth, 1, { bias: false });
    this.norm2 = new BatchNorm2d(bnSize * growth);
    this.conv2 = new Conv2d(bnSize * growth, growth, 3, { padding: 1, bias: false });
  }
  override forward(x: Tensor): Tensor {
    const h = this.conv1.call(this.relu1.call(this.norm1.call(x)));
    return cat([x, this.conv2.call(this.relu2.call(this.norm2.call(h)))], 1);
  }
}

export class Transition extends Module {
  norm: BatchNorm2d;
  relu = new ReLU();
  conv: Conv2d;
  pool = new AvgPool2d(2);
  constructor(cin: number, cout: number) {
    super();
    this.norm = new BatchNorm2d(cin);
    this.conv = new Conv2d(cin, cout, 1, { bias: false });
  }
  override forward(x: Tensor): Tensor { return this.pool.call(this.conv.call(this.relu.call(this.norm.call(x)))); }
}

export class DenseNet extends Module {
  conv0 = new Conv2d(3, 8, 3, { padding: 1, bias: false });
  block1 = new Sequential(new DenseLayer(8, 4, 4), new DenseLayer(12, 4, 4));
  trans1 = new Transition(16, 8);
  block2 = new Sequential(new DenseLayer(8, 4, 4), new DenseLayer(12, 4, 4));
  norm5 = new BatchNorm2d(16);
  classifier = new Linear(16, 10);
  override forward(x: Tensor): Tensor {
    const f = this.norm5.call(this.block2.call(this.trans1.call(this.block1.call(this.conv0.call(x))))).relu();
    return this.classifier.call(adaptiveAvgPool2d(f, 1).flatten(1));
  }
}

export class GRUTagger extends Module {
  embed = new Embedding(20, 8);
  rnn = new GRU(8, 16, { batchFirst: true });
  head = new Linear(16, 5);
  override forward(tokens: Tensor): Tensor {
    const [out] = this.rnn.call(this.embed.call(tokens));
    return this.head.call(out.select(1, -1));
  }
}

export class LSTMRegressor extends Module {
  rnn = new LSTM(6, 12, { numLayers: 2, batchFirst: true });
  head = new Linear(12, 3);
  override forward(x: Tensor): Tensor {
    const [out] = this.rnn.call(x);
    return this.head.call(out);
  }
}

export type CaseName = 'mlp_sgd_nesterov' | 'vgg_adam' | 'densenet_adamw' | 'gru_rmsprop' | 'lstm_adagrad';
export const CASE_NAMES: CaseName[] = ['mlp_sgd_nesterov', 'vgg_adam', 'densenet_adamw', 'gru_rmsprop', 'lstm_adagrad'];

// losses are called through forward: Module.call's `this`-typed signature doesn't fit a structural type
type LossModule = { forward(input: Tensor, target: Tensor): Tensor };
export const MODELS: Record<CaseName, { make: () => Module; loss: () => LossModule }> = {
  mlp_sgd_nesterov: { make: mlp, loss: () => new CrossEntropyLoss() },
  vgg_adam: { make: vgg, loss: () => new CrossEntropyLoss() },
  densenet_adamw: { make: () => new DenseNet(), loss: () => new CrossEntropyLoss() },
  gru_rmsprop: { make: () => new GRUTagger(), loss: () => new CrossEntropyLoss() },
  lstm_adagrad: { make: () => new LSTMRegressor(), loss: () => new MSELoss() },
};

export type AnyOptimizer = Optimizer<{ lr?: number }>;
export interface Spec { type: string; options: Record<string, unknown> }

const OPTIMIZERS: Record<string, new (params: Iterable<Tensor>, options: never) => AnyOptimizer> = {
  SGD, Adam, AdamW, RMSprop, Adagrad,
} as unknown as Record<string, new (params: Iterable<Tensor>, options: never) => AnyOptimizer>;

/** The optimizer a fixture names, with the fixture's (camelCase) options. */
export function makeOptimizer(spec: Spec, params: Iterable<Tensor>): AnyOptimizer {
  const Cls = OPTIMIZERS[spec.type];
  if (!Cls) throw new Error(`no optimizer ${spec.type}`);
  return new Cls(params, spec.options as never);
}

export function makeScheduler(spec: Spec | null, opt: AnyOptimizer): Scheduler | null {
  if (!spec) return null;
  const o = spec.options as Record<string, number>;
  switch (spec.type) {
    case 'StepLR': return new StepLR(opt, o.stepSize!, { gamma: o.gamma });
    case 'CosineAnnealingLR': return new CosineAnnealingLR(opt, o.TMax!, { etaMin: o.etaMin });
    default: throw new Error(`no scheduler ${spec.type}`);
  }
}
