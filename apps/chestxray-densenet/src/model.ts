// DenseNet-121 (Huang et al. 2017) in torchvision's layout: the same module tree, so state-dict keys
// (features.denseblock1.denselayer1.norm1.weight, ..., classifier.bias) and shapes match
// torchvision.models.densenet121 and its weights load with loadStateDict. The benchmark puts a
// 14-way multi-label head on it (Linear(1024, 14)) for ChestX-ray14.
import { adaptiveAvgPool2d, cat, relu, type Tensor } from '@flint/core';
import { AvgPool2d, BatchNorm2d, Conv2d, Linear, MaxPool2d, Module, ReLU, init } from '@flint/nn';

export interface DenseNetOptions {
  growthRate?: number;
  blockConfig?: readonly number[];
  numInitFeatures?: number;
  /** Bottleneck width as a multiple of growthRate. */
  bnSize?: number;
  numClasses?: number;
}

/**
 * Runs x through `modules` in turn, freeing each intermediate result as soon as the next module has made
 * its own: autograd holds (by reference to the storage) only what its rules saved, as PyTorch's reference
 * counts do, so a training step's forward keeps the saved activations and not every intermediate. A batch
 * norm followed by a ReLU runs as one op (BatchNorm2d.forwardRelu): the same values, one pass fewer.
 */
function chain(x: Tensor, modules: Iterable<Module>): Tensor {
  const list = [...modules];
  let cur = x;
  for (let i = 0; i < list.length; i++) {
    const m = list[i]!, fused = m instanceof BatchNorm2d && list[i + 1] instanceof ReLU;
    const next = fused ? m.forwardRelu(cur) : (m.call(cur) as Tensor);
    if (fused) i++;
    if (cur !== x && next !== cur) cur.dispose();
    cur = next;
  }
  return cur;
}

/** Children run in the order they were added; their names are the state-dict keys (torch's OrderedDict Sequential). */
class NamedSequential extends Module {
  constructor(entries: [string, Module][]) {
    super();
    for (const [k, m] of entries) this.addModule(k, m);
  }
  override forward(x: Tensor): Tensor {
    return chain(x, this.children());
  }
}

/** BN-ReLU-Conv1x1 (bottleneck to bnSize * growth) then BN-ReLU-Conv3x3 (growth new features). */
export class DenseLayer extends Module {
  readonly norm1: BatchNorm2d;
  readonly relu1 = new ReLU();
  readonly conv1: Conv2d;
  readonly norm2: BatchNorm2d;
  readonly relu2 = new ReLU();
  readonly conv2: Conv2d;
  constructor(inFeatures: number, growthRate: number, bnSize: number) {
    super();
    this.norm1 = new BatchNorm2d(inFeatures);
    this.conv1 = new Conv2d(inFeatures, bnSize * growthRate, 1, { bias: false });
    this.norm2 = new BatchNorm2d(bnSize * growthRate);
    this.conv2 = new Conv2d(bnSize * growthRate, growthRate, 3, { padding: 1, bias: false });
  }
  /** x: every earlier feature map of the block, already concatenated along channels. */
  override forward(x: Tensor): Tensor {
    return chain(x, [this.norm1, this.relu1, this.conv1, this.norm2, this.relu2, this.conv2]);
  }
}

/** numLayers dense layers; each sees the concatenation of the block input and every earlier layer's output. */
export class DenseBlock extends Module {
  constructor(numLayers: number, inFeatures: number, growthRate: number, bnSize: number) {
    super();
    for (let i = 0; i < numLayers; i++) this.addModule(`denselayer${i + 1}`, new DenseLayer(inFeatures + i * growthRate, growthRate, bnSize));
  }
  override forward(x: Tensor): Tensor {
    // each concatenation and new feature map is freed as soon as the next concatenation holds it: without a
    // graph, peak memory grows with the block's width, not with its square; with one, what remains is what
    // the layers' batch norms saved (their inputs), as in PyTorch
    let features = x;
    for (const layer of this.children()) {
      const out = layer.call(features) as Tensor, next = cat([features, out], 1);
      out.dispose();
      if (features !== x) features.dispose();
      features = next;
    }
    return features;
  }
}

/** BN-ReLU-Conv1x1 halving the channels (compression 0.5), then 2x2 average pooling. */
export class Transition extends Module {
  readonly norm: BatchNorm2d;
  readonly relu = new ReLU();
  readonly conv: Conv2d;
  readonly pool = new AvgPool2d(2, { stride: 2 });
  constructor(inFeatures: number, outFeatures: number) {
    super();
    this.norm = new BatchNorm2d(inFeatures);
    this.conv = new Conv2d(inFeatures, outFeatures, 1, { bias: false });
  }
  override forward(x: Tensor): Tensor {
    return chain(x, [this.norm, this.relu, this.conv, this.pool]);
  }
}

export class DenseNet extends Module {
  readonly features: NamedSequential;
  readonly classifier: Linear;
  readonly numFeatures: number;
  constructor({ growthRate = 32, blockConfig = [6, 12, 24, 16], numInitFeatures = 64, bnSize = 4, numClasses = 1000 }: DenseNetOptions = {}) {
    super();
    const stem: [string, Module][] = [
      ['conv0', new Conv2d(3, numInitFeatures, 7, { stride: 2, padding: 3, bias: false })],
      ['norm0', new BatchNorm2d(numInitFeatures)],
      ['relu0', new ReLU()],
      ['pool0', new MaxPool2d(3, { stride: 2, padding: 1 })],
    ];
    let n = numInitFeatures;
    blockConfig.forEach((layers, i) => {
      stem.push([`denseblock${i + 1}`, new DenseBlock(layers, n, growthRate, bnSize)]);
      n += layers * growthRate;
      if (i !== blockConfig.length - 1) {
        stem.push([`transition${i + 1}`, new Transition(n, Math.floor(n / 2))]);
        n = Math.floor(n / 2);
      }
    });
    stem.push(['norm5', new BatchNorm2d(n)]);
    this.features = new NamedSequential(stem);
    this.numFeatures = n;
    this.classifier = new Linear(n, numClasses);
    // torchvision's init: He normal convolutions, BN weight 1 / bias 0 (their defaults), zero Linear bias
    for (const m of this.modules()) {
      if (m instanceof Conv2d) init.kaimingNormal_(m.weight);
      else if (m instanceof Linear && m.bias) init.zeros_(m.bias);
    }
  }
  /** x: [N, 3, H, W] normalised images (224×224 for the benchmark); returns logits [N, numClasses]. */
  override forward(x: Tensor): Tensor {
    const f = relu(this.features.call(x));
    return this.classifier.call(adaptiveAvgPool2d(f, 1).flatten(1));
  }
}

/** DenseNet-121: growth 32, blocks 6-12-24-16, 64 initial features, bottleneck 4; 14 outputs for ChestX-ray14. */
export const densenet121 = (opts: Pick<DenseNetOptions, 'numClasses'> = {}): DenseNet =>
  new DenseNet({ growthRate: 32, blockConfig: [6, 12, 24, 16], numInitFeatures: 64, bnSize: 4, numClasses: opts.numClasses ?? 14 });
