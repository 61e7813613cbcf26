// Options objects from JavaScript: an unknown key is a TypeError naming the closest known key, never
// ignored (a PyTorch user's `{ weight_decay }` or `{ keepDim }` would otherwise change nothing, silently).
import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import '@flint/autograd';
import * as F from './index.js';

const x = () => F.tensor([[1, 2], [3, 4]]);
const loose = (o: Record<string, unknown>): never => o as never;

describe('options objects', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['tensor', () => F.tensor([1], loose({ requires_grad: true })), /tensor: unknown option 'requires_grad' \(did you mean 'requiresGrad'\?\)/],
    ['zeros', () => F.zeros(2, 3, loose({ dtpye: 'float64' })), /zeros: unknown option 'dtpye' \(did you mean 'dtype'\?\)/],
    ['onesLike', () => F.onesLike(x(), loose({ device: 'cpu', requiresgrad: true })), /onesLike: unknown option 'requiresgrad'/],
    ['arange', () => F.arange(0, 5, 1, loose({ dtype: 'int32', devcie: 'cpu' })), /arange: unknown option 'devcie' \(did you mean 'device'\?\)/],
    ['linspace', () => F.linspace(0, 1, 5, loose({ type: 'float64' })), /linspace: unknown option 'type'/],
    ['randn', () => F.randn([2], loose({ generator: 1 })), /randn: unknown option 'generator'; the options are dtype, device, requiresGrad/],
    ['add', () => F.add(x(), x(), loose({ alpah: 2 })), /add: unknown option 'alpah' \(did you mean 'alpha'\?\)/],
    ['div', () => F.div(x(), 2, loose({ rounding_mode: 'floor' })), /div: unknown option 'rounding_mode' \(did you mean 'roundingMode'\?\)/],
    ['sum', () => F.sum(x(), 0, false, loose({ keepdim: true })), /sum: unknown option 'keepdim'/],
    ['std', () => F.std(F.tensor([1, 2, 3.5]), 0, false, loose({ unbiased: false })), /std: unknown option 'unbiased'; the options are correction/],
    ['softmax', () => F.softmax(F.tensor([1, 2]), 0, loose({ dim: 0 })), /softmax: unknown option 'dim'/],
    ['pad', () => F.pad(x(), [1, 1], loose({ mode: 'reflect', fill: 0 })), /pad: unknown option 'fill'/],
    ['gelu', () => F.gelu(x().float(), loose({ approx: 'tanh' })), /gelu: unknown option 'approx' \(did you mean 'approximate'\?\)/],
    ['conv2d', () => F.conv2d(F.ones([1, 1, 3, 3]), F.ones([1, 1, 2, 2]), null, loose({ strides: 2 })), /conv2d: unknown option 'strides' \(did you mean 'stride'\?\)/],
    ['maxPool2d', () => F.maxPool2d(F.ones([1, 1, 4, 4]), 2, loose({ ceil_mode: true })), /maxPool2d: unknown option 'ceil_mode' \(did you mean 'ceilMode'\?\)/],
    ['crossEntropy', () => F.crossEntropy(F.ones([2, 3]), F.tensor([0, 1]), loose({ label_smoothing: 0.1 })), /crossEntropy: unknown option 'label_smoothing' \(did you mean 'labelSmoothing'\?\)/],
    ['mseLoss', () => F.mseLoss(F.ones([2]), F.ones([2]), loose({ reduce: 'sum' })), /mseLoss: unknown option 'reduce'/],
    ['batchNorm', () => F.batchNorm(F.ones([2, 3]), null, null, loose({ training: true, momentun: 0.1 })), /batchNorm: unknown option 'momentun' \(did you mean 'momentum'\?\)/],
    ['layerNorm', () => F.layerNorm(F.ones([2, 3]), 3, loose({ epsilon: 1e-5 })), /layerNorm: unknown option 'epsilon'/],
  ];
  for (const [name, call, message] of cases) {
    it(`${name} rejects an unknown key, naming it`, () => {
      expect(call).toThrow(TypeError);
      expect(call).toThrow(message);
    });
  }

  it('a non-object where the options go is a TypeError too', () => {
    expect(() => F.div(x(), 2, loose('floor' as never))).toThrow(/div: options must be an object \(\{ roundingMode \}\), got string/);
  });

  it('known keys, undefined and an empty object pass', () => {
    expect(F.div(x(), 2, { roundingMode: 'floor' }).tolistSync()).toEqual([[0, 1], [1, 2]]);
    expect(F.add(x(), x(), undefined).tolistSync()).toEqual([[2, 4], [6, 8]]);
    expect(F.zeros([2], {}).shape).toEqual([2]);
  });
});
