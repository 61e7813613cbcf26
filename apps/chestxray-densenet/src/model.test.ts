// DenseNet-121 against torchvision: parameter counts, every state-dict key and shape, and a small DenseNet's
// outputs and gradients (fixtures/gen_densenet.py).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import '@flint/backend-cpu';
import { binaryCrossEntropyWithLogits, manualSeed, rand, randn, scope, tensor, type Tensor } from '@flint/core';
import { BCEWithLogitsLoss } from '@flint/nn';
import { Adam } from '@flint/optim';
import { SyntheticBatches } from '@flint/app-kit';
import { memoryAcrossSteps } from '@flint/app-kit/testing';
import { DenseNet, densenet121 } from './model.js';

const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as T;
const count = (m: DenseNet): number => [...m.parameters()].reduce((a, p) => a + p.numel(), 0);

interface Flat { shape: number[]; values: number[] }
interface Tiny {
  config: { growthRate: number; blockConfig: number[]; numInitFeatures: number; bnSize: number; numClasses: number };
  state: Record<string, Flat>; input: Flat; target: number[]; outEval: number[]; outTrain: number[]; loss: number; grads: Record<string, number[]>;
}

function expectClose(actual: ArrayLike<number>, expected: readonly number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / (1 + Math.abs(expected[i]!)));
  expect(worst).toBeLessThan(tol);
}

describe('DenseNet-121', () => {
  const keys = fixture<{ parameters14: number; parameters1000: number; keys: [string, number[]][] }>('densenet121-keys.json');

  it('has torchvision densenet121 parameter counts: 6,968,206 with the 14-way head, 7,978,856 with 1000 classes', () => {
    manualSeed(0);
    const m = densenet121(), big = densenet121({ numClasses: 1000 });
    expect(count(m)).toBe(6_968_206);
    expect(count(big)).toBe(7_978_856);
    expect([count(m), count(big)]).toEqual([keys.parameters14, keys.parameters1000]);
    big.dispose();
    // same keys, order and shapes as torchvision's state_dict(), so its checkpoints load
    expect(Object.entries(m.stateDict()).map(([k, t]) => [k, t.shape])).toEqual(keys.keys);
    expect(m.stateDict()['features.denseblock1.denselayer1.norm1.weight']!.shape).toEqual([64]);
    expect(m.stateDict()['features.transition3.conv.weight']!.shape).toEqual([512, 1024, 1, 1]);
    m.dispose();
  });

  it('computes what torchvision computes for a small DenseNet: eval and train outputs, loss and gradients', async () => {
    const t = fixture<Tiny>('densenet-tiny.json');
    const m = new DenseNet(t.config);
    const state = Object.fromEntries(Object.entries(t.state).map(([k, v]) => [k, tensor(v.values).reshape(v.shape)]));
    const { missingKeys, unexpectedKeys } = m.loadStateDict(state, { strict: false });
    expect(unexpectedKeys).toEqual([]);
    expect(missingKeys.every((k) => k.endsWith('num_batches_tracked'))).toBe(true);
    const x = tensor(t.input.values).reshape(t.input.shape), y = tensor(t.target).reshape([2, 3]);
    const outEval = m.eval().call(x);
    expectClose((await outEval.data()) as Float32Array, t.outEval, 1e-4);
    const outTrain = m.train().call(x);
    expectClose((await outTrain.data()) as Float32Array, t.outTrain, 1e-4);
    const loss = binaryCrossEntropyWithLogits(outTrain, y);
    expect(Number(await loss.item())).toBeCloseTo(t.loss, 5);
    loss.backward();
    const params = Object.fromEntries(m.namedParameters());
    for (const [k, g] of Object.entries(t.grads)) expectClose((await params[k]!.grad!.data()) as Float32Array, g, 1e-3);
    for (const v of [...Object.values(state), x, y, outEval, outTrain, loss]) v.dispose();
    m.zeroGrad(); m.dispose();
  });

  it('keeps memory flat across training and evaluation steps', async () => {
    manualSeed(0);
    const model = densenet121(), lossFn = new BCEWithLogitsLoss();
    const task = { model, optimizer: new Adam(model.parameters(), { lr: 1e-4 }), loss: (o: Tensor, y: Tensor) => lossFn.call(o, y), metric: 'meanAuc' as const, labels: Array.from({ length: 14 }, (_, i) => `l${i}`) };
    const batches = (n: number) => new SyntheticBatches(n * 2, 2, (k): [Tensor, Tensor] => [randn([k, 3, 32, 32]), scope(() => rand([k, 14]).lt(0.5).to('float32'))]);
    const { before, after } = await memoryAcrossSteps(task, batches);
    expect(after).toEqual(before);
    task.optimizer.dispose(); model.dispose();
  });
});
