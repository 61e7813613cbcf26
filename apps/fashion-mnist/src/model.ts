// The quick-start CNN: two 5x5 convolutions with max-pooling, then one linear layer (~25k parameters).
import { maxPool2d, relu, type Tensor } from '@flint/core';
import { Conv2d, Linear, Module } from '@flint/nn';

export class FashionCnn extends Module {
  conv1 = new Conv2d(1, 16, 5);
  conv2 = new Conv2d(16, 32, 5);
  fc = new Linear(32 * 4 * 4, 10);

  /** [N, 1, 28, 28] normalised images to [N, 10] logits. */
  override forward(x: Tensor): Tensor {
    // Pooling before ReLU gives the same values and gradients as ReLU then pooling (both are
    // monotone), with ReLU running on a quarter of the elements.
    const h = relu(maxPool2d(this.conv1.call(x), 2));
    const g = relu(maxPool2d(this.conv2.call(h), 2));
    return this.fc.call(g.flatten(1));
  }
}
