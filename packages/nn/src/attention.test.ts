// Attention, transformer, upsampling and the new activation layers against PyTorch: fixtures from
// tooling/fixtures/gen_nn_attention.py hold the state dict (keys in PyTorch's order), inputs, outputs and the
// gradients of L = sum(out * w) for the floating inputs and every parameter; training-mode cases have dropout 0.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import { ShapeError, ValueError, randn, zeros } from '@flint/core';
import '@flint/autograd';
import {
  Hardsigmoid, Hardswish, LayerNorm, Mish, Module, MultiheadAttention, SiLU, Transformer, TransformerDecoder, TransformerDecoderLayer,
  TransformerEncoder, TransformerEncoderLayer, Upsample,
} from './index.js';
import { describeParity, type ParityCases } from './parity.js';

const DIR = fileURLToPath(new URL('../fixtures/attention/', import.meta.url));
const ff = { dimFeedforward: 16, dropout: 0 };
const mha = (m: Module) => m as MultiheadAttention;

const CASES: ParityCases = {
  silu: [() => new SiLU()],
  mish: [() => new Mish()],
  hardswish: [() => new Hardswish()],
  hardsigmoid: [() => new Hardsigmoid()],
  upsample_nearest: [() => new Upsample({ scaleFactor: 2 })],
  upsample_bilinear_align: [() => new Upsample({ size: [5, 7], mode: 'bilinear', alignCorners: true })],
  upsample_linear: [() => new Upsample({ scaleFactor: 2.5, mode: 'linear' })],
  mha_basic: [() => new MultiheadAttention(8, 2), (m, [q, k, v]) => mha(m).forward(q!, k!, v!)],
  mha_self_batchfirst_masks: [() => new MultiheadAttention(8, 4, { batchFirst: true }),
    (m, [x, am, kpm]) => mha(m).forward(x!, x!, x!, { attnMask: am, keyPaddingMask: kpm })],
  mha_float_mask_no_weights: [() => new MultiheadAttention(6, 3), (m, [q, k, v, am]) => mha(m).forward(q!, k!, v!, { attnMask: am, needWeights: false })[0]],
  mha_per_head_weights: [() => new MultiheadAttention(8, 2, { batchFirst: true }),
    (m, [q, k, v, am]) => mha(m).forward(q!, k!, v!, { attnMask: am, averageAttnWeights: false })],
  mha_nobias_unbatched: [() => new MultiheadAttention(4, 2, { bias: false }), (m, [q, k, v, kpm]) => mha(m).forward(q!, k!, v!, { keyPaddingMask: kpm })],
  mha_dropout_eval: [() => new MultiheadAttention(8, 2, { dropout: 0.5 }), (m, [q, k, v]) => mha(m).forward(q!, k!, v!)],
  encoder_layer: [() => new TransformerEncoderLayer(8, 2, ff),
    (m, [x, am, kpm]) => (m as TransformerEncoderLayer).forward(x!, { srcMask: am, srcKeyPaddingMask: kpm })],
  encoder_layer_gelu_normfirst_eval: [() => new TransformerEncoderLayer(8, 2, { dimFeedforward: 12, activation: 'gelu', normFirst: true, batchFirst: true })],
  decoder_layer: [() => new TransformerDecoderLayer(8, 2, ff),
    (m, [t, mem, tm, mkpm]) => (m as TransformerDecoderLayer).forward(t!, mem!, { tgtMask: tm, memoryKeyPaddingMask: mkpm })],
  decoder_layer_normfirst_batchfirst_eval: [() => new TransformerDecoderLayer(8, 4, { dimFeedforward: 16, normFirst: true, batchFirst: true }),
    (m, [t, mem]) => (m as TransformerDecoderLayer).forward(t!, mem!)],
  encoder_norm: [() => new TransformerEncoder(new TransformerEncoderLayer(8, 2, ff), 2, { norm: new LayerNorm(8) }),
    (m, [x, kpm]) => (m as TransformerEncoder).forward(x!, { srcKeyPaddingMask: kpm })],
  decoder: [() => new TransformerDecoder(new TransformerDecoderLayer(8, 2, ff), 2), (m, [t, mem, tm]) => (m as TransformerDecoder).forward(t!, mem!, { tgtMask: tm })],
  transformer: [() => new Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 2, numDecoderLayers: 1, ...ff }),
    (m, [s, t, tm]) => (m as Transformer).forward(s!, t!, { tgtMask: tm })],
  transformer_batchfirst_gelu_normfirst_eval: [
    () => new Transformer({ dModel: 8, nhead: 4, numEncoderLayers: 1, numDecoderLayers: 2, dimFeedforward: 12, activation: 'gelu', batchFirst: true, normFirst: true }),
    (m, [s, t]) => (m as Transformer).forward(s!, t!)],
};

describeParity('attention and transformer layers match PyTorch (forward, backward, state-dict keys, print)', DIR, CASES);

describe('defaults, copies and errors', () => {
  it("TransformerEncoderLayer has PyTorch's defaults (dimFeedforward 2048, dropout 0.1, eps 1e-5)", () => {
    const l = new TransformerEncoderLayer(512, 8);
    expect(l.toString()).toBe('TransformerEncoderLayer(\n  (self_attn): MultiheadAttention(\n    (out_proj): NonDynamicallyQuantizableLinear(in_features=512, out_features=512, bias=True)\n  )\n  (linear1): Linear(in_features=512, out_features=2048, bias=True)\n  (dropout): Dropout(p=0.1, inplace=False)\n  (linear2): Linear(in_features=2048, out_features=512, bias=True)\n  (norm1): LayerNorm((512,), eps=1e-05, elementwise_affine=True)\n  (norm2): LayerNorm((512,), eps=1e-05, elementwise_affine=True)\n  (dropout1): Dropout(p=0.1, inplace=False)\n  (dropout2): Dropout(p=0.1, inplace=False)\n)');
    // torch: sum(p.numel() for p in nn.TransformerDecoderLayer(512, 8).parameters()) == 4204032
    const d = new TransformerDecoderLayer(512, 8);
    expect([...d.parameters()].reduce((a, p) => a + p.numel(), 0)).toBe(4204032);
  });

  it('stacks copy the layer: equal weights, separate tensors', () => {
    const enc = new TransformerEncoder(new TransformerEncoderLayer(4, 2, { dimFeedforward: 8 }), 2);
    const [a, b] = [...enc.layers].map((l) => (l as TransformerEncoderLayer).linear1.weight);
    expect(a!.dataSync()).toEqual(b!.dataSync());
    expect(a!.storage).not.toBe(b!.storage);
  });

  it('dropout runs in training and is the identity in eval', () => {
    const l = new TransformerEncoderLayer(4, 2, { dimFeedforward: 8, dropout: 0.5 });
    const x = randn([3, 2, 4]);
    expect(l.forward(x).shape).toEqual([3, 2, 4]);
    l.eval();
    expect(l.forward(x).dataSync()).toEqual(l.forward(x).dataSync());
  });

  it('generateSquareSubsequentMask is 0 on and below the diagonal, -inf above', () => {
    expect(Transformer.generateSquareSubsequentMask(3).tolistSync()).toEqual([[0, -Infinity, -Infinity], [0, 0, -Infinity], [0, 0, 0]]);
  });

  it('MultiheadAttention says what does not fit', () => {
    expect(() => new MultiheadAttention(6, 4)).toThrow(new ValueError('MultiheadAttention: embedDim (6) must be divisible by numHeads (4)'));
    expect(() => new MultiheadAttention(8, 2, { kdim: 4 })).toThrow(ValueError);
    const m = new MultiheadAttention(8, 2), x = zeros([3, 2, 8]);
    expect(() => m.forward(x, x, zeros([3, 2, 6]))).toThrow(ShapeError);
    expect(() => m.forward(x, x, x, { attnMask: zeros([2, 2]) })).toThrow(/attnMask must be \[3, 3\] or \[4, 3, 3\]/);
    expect(() => m.forward(x, x, x, { keyPaddingMask: zeros([3, 3]) })).toThrow(/keyPaddingMask must be \[2, 3\]/);
  });

  it('a query that may attend to no key gives zeros, not NaN', () => {
    const m = new MultiheadAttention(4, 2), x = randn([2, 1, 4]);
    const [y, w] = m.forward(x, x, x, { keyPaddingMask: zeros([1, 2]).add(1).bool() });
    expect(Array.from(w!.dataSync(), Number)).toEqual([0, 0, 0, 0]);
    expect(Array.from(y.dataSync(), Number).every(Number.isFinite)).toBe(true);
  });

  it('Upsample prints as torch', () => {
    expect(new Upsample({ size: 5 }).toString()).toBe('Upsample(size=5, mode=nearest)');
    expect(new Upsample({ scaleFactor: [2, 3] }).toString()).toBe('Upsample(scale_factor=(2.0, 3.0), mode=nearest)');
  });
});
