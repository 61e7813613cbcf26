// The three benchmark workloads: model, optimizer, loss and a synthetic batch of the right shapes.
import { CifarVgg } from '@flint/app-cifar10-vgg/model';
import { densenet121 } from '@flint/app-chestxray-densenet/model';
import { IMDB_SEQ_LEN, IMDB_VOCAB, ImdbGru } from '@flint/app-imdb-gru/model';
import { rand, randint, randn, type Tensor } from '@flint/core';
import { BCEWithLogitsLoss, CrossEntropyLoss, type Module } from '@flint/nn';
import { Adam, SGD, type Optimizer } from '@flint/optim';

export type ModelName = 'vgg' | 'densenet' | 'gru';

export interface Workload {
  name: ModelName;
  title: string;
  model: Module;
  optimizer: Optimizer<object>;
  loss: (logits: Tensor, target: Tensor) => Tensor;
  /** A synthetic batch: inputs and targets. */
  batch: (n: number) => [Tensor, Tensor];
  /** Training samples in the real data set (one epoch). */
  epochSize: number;
}

export function workload(name: ModelName, opts: { imageSize?: number } = {}): Workload {
  if (name === 'vgg') {
    const model = new CifarVgg(), ce = new CrossEntropyLoss();
    return {
      name, title: 'VGG-style CNN, CIFAR-10 32x32', model, epochSize: 50_000,
      optimizer: new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 }),
      loss: (l, t) => ce.forward(l, t),
      batch: (n) => [randn([n, 3, 32, 32]), randint(0, 10, [n])],
    };
  }
  if (name === 'gru') {
    const model = new ImdbGru(), ce = new CrossEntropyLoss();
    return {
      name, title: `GRU(100), vocab ${IMDB_VOCAB}, len ${IMDB_SEQ_LEN}`, model, epochSize: 25_000,
      optimizer: new Adam(model.parameters(), { lr: 1e-3 }),
      loss: (l, t) => ce.forward(l, t),
      batch: (n) => [randint(0, IMDB_VOCAB, [n, IMDB_SEQ_LEN]), randint(0, 2, [n])],
    };
  }
  const size = opts.imageSize ?? 224;
  const model = densenet121({ numClasses: 14 }), bce = new BCEWithLogitsLoss();
  return {
    name, title: `DenseNet-121, ${size}x${size}, 14 sigmoid outputs`, model, epochSize: 86_524,
    optimizer: new Adam(model.parameters(), { lr: 1e-4 }),
    loss: (l, t) => bce.forward(l, t),
    batch: (n) => [randn([n, 3, size, size]), rand([n, 14]).lt(0.2).float()],
  };
}
