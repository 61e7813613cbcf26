// A few hundred training steps leak nothing: every step's graph, gradients and temporaries are freed.
import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import { manualSeed, memory, randn, randint, scope, tensor, type Tensor } from '@flint/core';
import { noGrad } from '@flint/autograd';
import { BatchNorm1d, CrossEntropyLoss, Dropout, GRU, LSTM, Linear, Module, ReLU, Sequential, clipGradNorm_ } from './index.js';

/** Plain SGD, written here because @flint/optim is a separate package. */
function sgdStep(model: Module, lr: number): void {
  noGrad(() => { for (const p of model.parameters()) if (p.grad) p.sub_(p.grad.mul(lr)); });
}

class Tagger extends Module {
  rnn: GRU | LSTM;
  head = new Linear(8, 2);
  constructor(kind: 'GRU' | 'LSTM' = 'GRU') {
    super();
    this.rnn = kind === 'GRU' ? new GRU(3, 8, { batchFirst: true }) : new LSTM(3, 8, { batchFirst: true });
  }
  override forward(x: Tensor): Tensor {
    const [out] = this.rnn.call(x);
    return this.head.call(out.select(1, -1));
  }
}

describe('training loop', () => {
  it('an MLP with BatchNorm and Dropout learns a separable problem over 300 steps without leaking tensors', () => {
    manualSeed(0);
    const model = new Sequential(new Linear(4, 16), new BatchNorm1d(16), new ReLU(), new Dropout(0.1), new Linear(16, 3));
    const lossFn = new CrossEntropyLoss();
    const x = randn([64, 4]);
    const y = scope(() => x.matmul(tensor([[1, -1, 0], [0, 1, -1], [1, 0, 1], [-1, 1, 0]])).argmax(1));
    const before = memory().tensors;
    const losses: number[] = [];
    for (let step = 0; step < 300; step++) {
      scope(() => {
        model.zeroGrad();
        const loss = lossFn.call(model.call(x), y);
        loss.backward();
        clipGradNorm_(model.parameters(), 5);
        sgdStep(model, 0.1);
        if (step % 50 === 0 || step === 299) losses.push(Number(loss.itemSync()));
      });
    }
    model.zeroGrad();
    expect(memory().tensors).toBe(before);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.5);
    // running statistics moved, and the step counter is an int64 scalar
    expect(Number(model.stateDict()['1.num_batches_tracked']!.itemSync())).toBe(300);
    x.dispose(); y.dispose();
  });

  it.each(['GRU', 'LSTM'] as const)('a %s model trains for 100 steps without leaking tensors', (kind) => {
    manualSeed(1);
    const model = new Tagger(kind);
    expect([...model.parameters()].length).toBe(6); // the recurrent layer's four and the head's two
    const x = randn([8, 5, 3]), y = randint(0, 2, [8]);
    const lossFn = new CrossEntropyLoss();
    const before = memory().tensors;
    let first = 0, last = 0;
    for (let step = 0; step < 100; step++) {
      scope(() => {
        model.zeroGrad();
        const loss = lossFn.call(model.call(x), y);
        loss.backward();
        sgdStep(model, 0.5);
        const v = Number(loss.itemSync());
        if (step === 0) first = v;
        last = v;
      });
    }
    model.zeroGrad();
    expect(memory().tensors).toBe(before);
    expect(last).toBeLessThan(first);
  });
});
