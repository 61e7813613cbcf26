// The benchmark's VGG-style CNN for 32×32×3 images: two conv-conv-pool stages (50 and 100 channels),
// then FC 512 and a 10-way head. Layer names are PyTorch's nn.Sequential indices, so a state dict
// saved from the equivalent torch model loads as is.
import type { Tensor } from '@flint/core';
import { Conv2d, Dropout, Flatten, Linear, MaxPool2d, Module, ReLU, Sequential } from '@flint/nn';

export const CIFAR10_INPUT = [3, 32, 32] as const;

export interface VggOptions { numClasses?: number }

export class CifarVgg extends Module {
  readonly features: Sequential;
  readonly classifier: Sequential;
  constructor({ numClasses = 10 }: VggOptions = {}) {
    super();
    this.features = new Sequential(
      new Conv2d(3, 50, 3, { padding: 1 }), new ReLU(),
      new Conv2d(50, 50, 3, { padding: 1 }), new MaxPool2d(2), new ReLU(), new Dropout(0.25),
      new Conv2d(50, 100, 3, { padding: 1 }), new ReLU(),
      new Conv2d(100, 100, 3, { padding: 1 }), new MaxPool2d(2), new ReLU(), new Dropout(0.25),
    );
    this.classifier = new Sequential(
      new Flatten(), new Linear(100 * 8 * 8, 512), new ReLU(), new Dropout(0.5), new Linear(512, numClasses),
    );
  }
  /** x: [N, 3, 32, 32] normalised images; returns logits [N, numClasses]. */
  override forward(x: Tensor): Tensor {
    return this.classifier.call(this.features.call(x));
  }
}
