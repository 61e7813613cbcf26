// Every app model (and an LSTM text classifier) exports, passes onnx.checker, and runs in ONNX Runtime
// with a dynamic batch dim at two batch sizes, giving Flint's outputs within 1e-4 relative; loaded back
// with loadOnnx, it gives them at a third.
import { describe, expect, test } from 'vitest';
import '@flint/backend-cpu';
import { manualSeed, randint, randn, type Tensor } from '@flint/core';
import { Embedding, LSTM, Linear, Module, init } from '@flint/nn';
import { FashionCnn } from '../../../../apps/fashion-mnist/src/model.js';
import { CifarVgg } from '../../../../apps/cifar10-vgg/src/model.js';
import { ImdbGru } from '../../../../apps/imdb-gru/src/model.js';
import { densenet121 } from '../../../../apps/chestxray-densenet/src/model.js';
import { loadOnnx } from '../import/model.js';
import { exportOnnx } from './index.js';
import { compare, flintRun, hasOnnxChecker, onnxCheck, runOrt } from './ort.testutil.js';

/** An LSTM sentiment classifier: Embedding -> 2-layer LSTM -> last step's hidden state -> Linear. */
class LstmClassifier extends Module {
  readonly embedding = new Embedding(100, 16);
  readonly rnn = new LSTM(16, 12, { batchFirst: true, numLayers: 2 });
  readonly fc = new Linear(12, 3);
  override forward(tokens: Tensor): Tensor {
    const [, [h]] = this.rnn.call(this.embedding.call(tokens));
    return this.fc.call(h.select(0, -1));
  }
}

const dyn = { dynamicAxes: { input: { 0: 'batch' }, output: { 0: 'batch' } } };

/** Exports with a dynamic batch, then checks ORT against Flint at batch sizes 2 and 5. */
async function verify(name: string, model: Module, input: (batch: number) => Tensor): Promise<void> {
  model.eval();
  const bytes = await exportOnnx(model, input(2), dyn);
  if (hasOnnxChecker()) await onnxCheck(bytes);
  for (const batch of [2, 5]) {
    const x = input(batch);
    const ours = flintRun(model, [x]);
    const theirs = await runOrt(bytes, [x]);
    const d = compare(ours[0]!, theirs.output!);
    console.log(`${name} batch ${batch}: max |diff| ${d.maxAbs.toExponential(2)}, max rel ${d.maxRel.toExponential(2)}`);
    expect(d.ok, `${name} at batch ${batch}: max |diff| ${d.maxAbs}, max rel ${d.maxRel}`).toBe(true);
  }
  // and back into Flint through loadOnnx (the import half), at a third batch size
  const back = await loadOnnx(bytes);
  const x = input(3);
  const r = compare(flintRun(model, [x])[0]!, await ortLike((await back.run({ input: x })).output!));
  console.log(`${name} re-imported, batch 3: max |diff| ${r.maxAbs.toExponential(2)}, max rel ${r.maxRel.toExponential(2)}`);
  expect(r.ok, `${name} re-imported: max |diff| ${r.maxAbs}`).toBe(true);
}

/** A Flint tensor in the shape compare() takes for ORT's outputs. */
async function ortLike(t: Tensor): Promise<{ data: ArrayLike<number>; dims: readonly number[] }> {
  return { data: (await t.data()) as Float32Array, dims: t.shape };
}

describe('exportOnnx: the apps\' models in ONNX Runtime', () => {
  test('Fashion-MNIST CNN', async () => {
    manualSeed(1);
    await verify('fashion-mnist', new FashionCnn(), (n) => randn([n, 1, 28, 28]));
  });
  test('CIFAR-10 VGG-style CNN (dropout gone in eval)', async () => {
    manualSeed(2);
    await verify('cifar10-vgg', new CifarVgg(), (n) => randn([n, 3, 32, 32]));
  });
  test('IMDB GRU classifier as an ONNX GRU node', async () => {
    manualSeed(3);
    const model = new ImdbGru({ vocabSize: 500 });
    await verify('imdb-gru', model, (n) => randint(0, 500, [n, 20]));
    const bytes = await exportOnnx(model, randint(0, 500, [2, 20]));
    expect(Buffer.from(bytes).includes(Buffer.from('GRU'))).toBe(true);
  });
  test('LSTM text classifier (2 layers) as ONNX LSTM nodes', async () => {
    manualSeed(4);
    await verify('lstm-classifier', new LstmClassifier(), (n) => randint(0, 100, [n, 9]));
  });
  test('DenseNet-121 at 32x32', async () => {
    manualSeed(5);
    const model = densenet121();
    // non-trivial running statistics, so BatchNormalization's inference formula is exercised
    for (const [k, b] of model.namedBuffers()) if (k.endsWith('running_var')) init.uniform_(b, 0.5, 1.5);
    else if (k.endsWith('running_mean')) init.uniform_(b, -0.2, 0.2);
    await verify('densenet121', model, (n) => randn([n, 3, 32, 32]));
  }, 60_000);
});
