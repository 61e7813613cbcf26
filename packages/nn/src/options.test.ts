// Layer constructors, forward options, init and checkpoint options reject unknown keys (PyTorch's snake_case
// names included) with a TypeError naming the key it was meant to be.
import { describe, expect, it } from 'vitest';
import * as F from '@flint/core';
import '@flint/backend-cpu';
import '@flint/autograd';
import * as nn from './index.js';

const loose = (o: Record<string, unknown>): never => o as never;

describe('layer options', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['Linear', () => new nn.Linear(2, 3, loose({ bias: false, dtyp: 'float64' })), /Linear: unknown option 'dtyp' \(did you mean 'dtype'\?\)/],
    ['Conv2d', () => new nn.Conv2d(1, 2, 3, loose({ padding_mode: 'reflect' })), /Conv2d: unknown option 'padding_mode' \(did you mean 'paddingMode'\?\)/],
    ['ConvTranspose2d', () => new nn.ConvTranspose2d(1, 2, 3, loose({ output_padding: 1 })), /ConvTranspose2d: unknown option 'output_padding' \(did you mean 'outputPadding'\?\)/],
    ['BatchNorm2d', () => new nn.BatchNorm2d(3, loose({ track_running_stats: false })), /BatchNorm2d: unknown option 'track_running_stats' \(did you mean 'trackRunningStats'\?\)/],
    ['LayerNorm', () => new nn.LayerNorm(3, loose({ elementwise_affine: false })), /LayerNorm: unknown option 'elementwise_affine' \(did you mean 'elementwiseAffine'\?\)/],
    ['Embedding', () => new nn.Embedding(5, 2, loose({ padding_idx: 0 })), /Embedding: unknown option 'padding_idx' \(did you mean 'paddingIdx'\?\)/],
    ['LSTM', () => new nn.LSTM(2, 3, loose({ batch_first: true })), /LSTM: unknown option 'batch_first' \(did you mean 'batchFirst'\?\)/],
    ['RNN', () => new nn.RNN(2, 3, loose({ nonlinear: 'relu' })), /RNN: unknown option 'nonlinear' \(did you mean 'nonlinearity'\?\)/],
    ['MaxPool2d', () => new nn.MaxPool2d(2, loose({ ceil_mode: true })), /MaxPool2d: unknown option 'ceil_mode' \(did you mean 'ceilMode'\?\)/],
    ['CrossEntropyLoss', () => new nn.CrossEntropyLoss(loose({ ignore_index: 0 })), /CrossEntropyLoss: unknown option 'ignore_index' \(did you mean 'ignoreIndex'\?\)/],
    ['MSELoss', () => new nn.MSELoss(loose({ size_average: true })), /MSELoss: unknown option 'size_average'; the options are reduction/],
    ['GELU', () => new nn.GELU(loose({ approx: 'tanh' })), /GELU: unknown option 'approx' \(did you mean 'approximate'\?\)/],
    ['MultiheadAttention', () => new nn.MultiheadAttention(4, 2, loose({ batch_first: true })), /MultiheadAttention: unknown option 'batch_first' \(did you mean 'batchFirst'\?\)/],
    ['TransformerEncoderLayer', () => new nn.TransformerEncoderLayer(4, 2, loose({ dim_feedforward: 8 })), /TransformerEncoderLayer: unknown option 'dim_feedforward' \(did you mean 'dimFeedforward'\?\)/],
    ['Upsample', () => new nn.Upsample(loose({ scale_factor: 2 })), /Upsample: unknown option 'scale_factor' \(did you mean 'scaleFactor'\?\)/],
    ['kaimingUniform_', () => nn.init.kaimingUniform_(F.zeros([2, 2]), loose({ non_linearity: 'relu' })), /kaimingUniform_: unknown option 'non_linearity' \(did you mean 'nonlinearity'\?\)/],
    ['clipGradNorm_', () => nn.utils.clipGradNorm_([], 1, 2, loose({ error_if_nonfinite: true })), /clipGradNorm_: unknown option 'error_if_nonfinite' \(did you mean 'errorIfNonfinite'\?\)/],
  ];
  for (const [name, make, message] of cases) {
    it(`${name} rejects an unknown key, naming it`, () => {
      expect(make).toThrow(TypeError);
      expect(make).toThrow(message);
    });
  }

  it('forward options too', () => {
    const mha = new nn.MultiheadAttention(4, 2);
    const x = F.zeros([3, 1, 4]);
    expect(() => mha.forward(x, x, x, loose({ need_weights: false }))).toThrow(/MultiheadAttention.forward: unknown option 'need_weights' \(did you mean 'needWeights'\?\)/);
    const layer = new nn.TransformerEncoderLayer(4, 2);
    expect(() => layer.forward(x, loose({ src_mask: null }))).toThrow(/TransformerEncoderLayer.forward: unknown option 'src_mask' \(did you mean 'srcMask'\?\)/);
  });
});
