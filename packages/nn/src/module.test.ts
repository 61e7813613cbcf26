// Module bookkeeping: registration order, state dicts, loading, modes, devices/dtypes, printing and errors.
import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import { ShapeError, memory, ones, randn, scope, tensor, zeros, type Tensor } from '@flint/core';
import {
  BatchNorm1d, BatchNorm2d, Conv2d, Embedding, GRU, LayerNorm, Linear, LSTM, MaxPool2d, Module, ModuleDict, ModuleList,
  Parameter, ReLU, Sequential, StateDictError,
} from './index.js';

class Net extends Module {
  conv = new Conv2d(1, 2, 3, { padding: 1 });
  bn = new BatchNorm2d(2);
  blocks = new ModuleList([new Linear(8, 8), new ReLU()]);
  head = new Linear(8, 3);
  scale = new Parameter(ones([1]));
  constructor() {
    super();
    this.registerBuffer('step', zeros([]), true);
    this.registerBuffer('cache', zeros([2]), false);
  }
  override forward(x: Tensor): Tensor { return this.head.call(x); }
}

describe('Module registration and traversal', () => {
  it('finds parameters, buffers and children by assignment, in definition order', () => {
    const net = new Net();
    expect([...net.namedChildren()].map(([k]) => k)).toEqual(['conv', 'bn', 'blocks', 'head']);
    expect([...net.namedParameters()].map(([k]) => k)).toEqual([
      'scale', 'conv.weight', 'conv.bias', 'bn.weight', 'bn.bias', 'blocks.0.weight', 'blocks.0.bias', 'head.weight', 'head.bias',
    ]);
    expect([...net.namedBuffers()].map(([k]) => k)).toEqual(['step', 'cache', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']);
    expect([...net.modules()].length).toBe(7);
  });

  it("stateDict has PyTorch's keys and order; non-persistent buffers stay out", () => {
    const sd = new Net().stateDict();
    expect(Object.keys(sd)).toEqual([
      'scale', 'step', 'conv.weight', 'conv.bias', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked',
      'blocks.0.weight', 'blocks.0.bias', 'head.weight', 'head.bias',
    ]);
    expect(sd['bn.num_batches_tracked']!.dtype).toBe('int64');
    expect(sd['bn.num_batches_tracked']!.shape).toEqual([]);
  });

  it('shared parameters are listed once', () => {
    const a = new Linear(2, 2);
    const seq = new Sequential(a, a);
    expect([...seq.parameters()].length).toBe(2);
    expect(Object.keys(seq.stateDict())).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
  });

  it('parameters require grad and survive an enclosing scope', () => {
    const lin = scope(() => new Linear(3, 2));
    expect(lin.weight.isDisposed).toBe(false);
    expect(lin.weight.requiresGrad).toBe(true);
    expect(lin.weight).toBeInstanceOf(Parameter);
  });

  it('containers: Sequential chains, ModuleList indexes, ModuleDict keys', () => {
    const seq = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2));
    expect(seq.length).toBe(3);
    expect(seq.at(-1)).toBeInstanceOf(Linear);
    scope(() => expect(seq.call(randn([5, 3])).shape).toEqual([5, 2]));
    const dict = new ModuleDict({ enc: new Linear(2, 2), dec: new Linear(2, 1) });
    expect(dict.keys()).toEqual(['enc', 'dec']);
    expect(Object.keys(dict.stateDict())).toEqual(['enc.weight', 'enc.bias', 'dec.weight', 'dec.bias']);
    expect(() => dict.set('keys', new ReLU())).toThrow(/member of ModuleDict/);
  });

  it('train()/eval() reach every submodule; apply() visits children first', () => {
    const net = new Net().eval();
    expect([...net.modules()].every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.bn.training).toBe(true);
    const seen: string[] = [];
    new Sequential(new Linear(1, 1), new ReLU()).apply((m) => seen.push(m.constructor.name));
    expect(seen).toEqual(['Linear', 'ReLU', 'Sequential']);
  });

  it('zeroGrad clears gradients (freeing them) or zeroes them in place', () => {
    const lin = new Linear(3, 1);
    const before = memory().tensors;
    scope(() => lin.call(randn([4, 3])).sum().backward());
    expect(lin.weight.grad).not.toBeNull();
    lin.zeroGrad({ setToNone: false });
    expect(lin.weight.grad!.tolistSync()).toEqual([[0, 0, 0]]);
    lin.zeroGrad();
    expect(lin.weight.grad).toBeNull();
    expect(memory().tensors).toBe(before);
  });

  it('to(dtype) converts floating parameters and buffers but keeps num_batches_tracked int64', () => {
    const bn = new BatchNorm1d(3).to('float64');
    expect(bn.weight!.dtype).toBe('float64');
    expect(bn.weight!.requiresGrad).toBe(true);
    expect(bn.running_mean!.dtype).toBe('float64');
    expect(bn.num_batches_tracked!.dtype).toBe('int64');
    scope(() => expect(bn.call(randn([4, 3], { dtype: 'float64' })).dtype).toBe('float64'));
  });
});

describe('loadStateDict', () => {
  it('copies values in place and reports nothing missing', () => {
    const a = new Linear(3, 2), b = new Linear(3, 2);
    const w = b.weight;
    expect(b.loadStateDict(a.stateDict())).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(b.weight).toBe(w);
    expect(b.weight.tolistSync()).toEqual(a.weight.tolistSync());
  });

  it('strict mode lists missing, unexpected and mis-shaped keys in one error', () => {
    const lin = new Linear(3, 2);
    scope(() => {
      const dict = { weight: zeros([2, 4]), extra: zeros([1]) };
      let err: StateDictError | undefined;
      try { lin.loadStateDict(dict); } catch (e) { err = e as StateDictError; }
      expect(err).toBeInstanceOf(StateDictError);
      expect(err!.message).toContain('missing keys: bias');
      expect(err!.message).toContain('unexpected keys: extra');
      expect(err!.message).toContain('size mismatch for weight: checkpoint has shape [2, 4], the model has [2, 3]');
    });
  });

  it('non-strict mode loads what matches and returns the rest', () => {
    const lin = new Linear(2, 2);
    scope(() => {
      const r = lin.loadStateDict({ bias: tensor([7, 8]), other: zeros([1]) }, { strict: false });
      expect(r).toEqual({ missingKeys: ['weight'], unexpectedKeys: ['other'] });
      expect(lin.bias!.tolistSync()).toEqual([7, 8]);
      // a shape mismatch is an error even when not strict, as in PyTorch
      expect(() => lin.loadStateDict({ bias: zeros([3]) }, { strict: false })).toThrow(/size mismatch for bias/);
    });
  });
});

describe('loadStateDict is all or nothing', () => {
  it('a disposed tensor or a non-tensor value anywhere in the dict loads nothing, and the error names the key', () => {
    const seq = new Sequential(new Linear(2, 2), new Linear(2, 1));
    const before = seq.stateDict()['0.weight']!.tolistSync();
    scope(() => {
      const good = new Sequential(new Linear(2, 2), new Linear(2, 1)).stateDict();
      const gone = zeros([1]); gone.dispose();
      // '0.*' come first and are fine: they must not be copied either
      expect(() => seq.loadStateDict({ ...good, '1.bias': gone })).toThrow(/loadStateDict: the tensor for '1\.bias' \(shape \[1\]\) was disposed; nothing was loaded/);
      expect(() => seq.loadStateDict({ ...good, '1.weight': [[1, 2]] as unknown as Tensor })).toThrow(new TypeError("Sequential.loadStateDict: '1.weight' is Array, not a Tensor; nothing was loaded"));
      expect(() => seq.loadStateDict({ ...good, '1.weight': 'w' as unknown as Tensor })).toThrow(/'1\.weight' is a string, not a Tensor/);
    });
    expect(seq.stateDict()['0.weight']!.tolistSync()).toEqual(before);
  });
});

describe('printing', () => {
  it("prints nested modules like PyTorch's repr", () => {
    const seq = new Sequential(new Conv2d(3, 50, 3, { padding: 1 }), new BatchNorm2d(50), new ReLU(), new MaxPool2d(2), new Linear(4, 8, { bias: false }));
    expect(seq.toString()).toBe([
      'Sequential(',
      '  (0): Conv2d(3, 50, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))',
      '  (1): BatchNorm2d(50, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)',
      '  (2): ReLU()',
      '  (3): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)',
      '  (4): Linear(in_features=4, out_features=8, bias=False)',
      ')',
    ].join('\n'));
    expect(new LSTM(10, 20, { numLayers: 2, batchFirst: true, bidirectional: true }).toString()).toBe('LSTM(10, 20, num_layers=2, batch_first=True, bidirectional=True)');
    expect(new Embedding(10, 3, { paddingIdx: -1 }).toString()).toBe('Embedding(10, 3, padding_idx=9)');
    expect(new LayerNorm(8).toString()).toBe('LayerNorm((8,), eps=1e-05, elementwise_affine=True)');
  });
});

describe('input errors name the layer and the expected shape', () => {
  const err = (fn: () => unknown) => { try { scope(fn); } catch (e) { return e as Error; } throw new Error('did not throw'); };
  it('Linear', () => {
    const e = err(() => new Linear(4, 8).call(zeros([2, 5])));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toBe('Linear(in_features=4, out_features=8, bias=True): expected input [..., 4], got [2, 5]');
  });
  it('Conv2d, BatchNorm2d, LayerNorm, GRU, Embedding', () => {
    expect(err(() => new Conv2d(3, 4, 3).call(zeros([1, 2, 5, 5]))).message).toBe('Conv2d(3, 4, kernel_size=(3, 3), stride=(1, 1)): expected input [N, 3, H, W] or [3, H, W], got [1, 2, 5, 5]');
    expect(err(() => new BatchNorm2d(4).call(zeros([2, 4, 3]))).message).toMatch(/^BatchNorm2d\(4, .*\): expected input \[N, 4, H, W\], got \[2, 4, 3\]$/);
    expect(err(() => new LayerNorm([3, 4]).call(zeros([2, 4, 3]))).message).toMatch(/expected input \[\.\.\., 3, 4\], got \[2, 4, 3\]/);
    expect(err(() => new GRU(3, 4).call(zeros([5, 2, 4]))).message).toBe('GRU(3, 4): expected input [L, N, 3] or [L, 3], got [5, 2, 4]');
    expect(err(() => new GRU(3, 4).call(zeros([5, 2, 3]), zeros([2, 2, 4]))).message).toBe('GRU: expected h0 of shape [1, 2, 4], got [2, 2, 4]');
    expect(err(() => new Embedding(5, 2).call(zeros([3]))).message).toMatch(/^Embedding\(5, 2\): expected input of integer indices/);
  });
  it('constructor arguments are checked', () => {
    expect(() => new Conv2d(3, 4, 3, { groups: 2 })).toThrow(/in_channels \(3\) must be divisible by groups \(2\)/);
    expect(() => new Conv2d(3, 4, 3, { padding: 'same', stride: 2 })).toThrow(/padding='same' is not supported for strided/);
  });
});

describe('layer behaviour PyTorch fixtures cannot pin down (random masks, init)', () => {
  it('Embedding: the padding row starts at zero and gets no gradient', () => {
    const e = new Embedding(6, 3, { paddingIdx: 2 });
    expect(e.weight.narrow(0, 2, 1).tolistSync()).toEqual([[0, 0, 0]]);
    scope(() => e.call(tensor([2, 3, 2], { dtype: 'int64' })).sum().backward());
    const g = e.weight.grad!.tolistSync() as number[][];
    expect(g[2]).toEqual([0, 0, 0]);
    expect(g[3]).toEqual([1, 1, 1]);
  });
  it('BatchNorm with momentum=null keeps a cumulative average of batch means', () => {
    const bn = new BatchNorm1d(1, { momentum: null, affine: false });
    scope(() => {
      bn.call(tensor([[1], [3]]));
      bn.call(tensor([[5], [7]]));
    });
    expect(bn.running_mean!.tolistSync()).toEqual([4]);
    expect(Number(bn.num_batches_tracked!.itemSync())).toBe(2);
  });
});

describe('Module.toAsync', () => {
  it('moves a model to an asynchronous device and back, values intact, with no synchronous read', async () => {
    const { registerMockGpu } = await import('@flint/backend-testkit/mock');
    const F = await import('@flint/core');
    const { Linear, BatchNorm1d, Sequential } = await import('./index.js');
    const gpu = registerMockGpu({ name: 'mockgpu-nn' });
    try {
      F.manualSeed(1);
      const model = new Sequential(new Linear(3, 2), new BatchNorm1d(2));
      const before = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, Array.from(t.dataSync(), Number)]));
      await model.toAsync(gpu);
      expect(() => model.to('cpu')).toThrow(/can't be read synchronously; use 'await x.toAsync\("cpu"\)'/);
      const y = F.scope(() => model.call(F.randn([4, 3], { device: gpu })));
      expect(y.device).toBe(gpu);
      await model.toAsync({ device: 'cpu', dtype: 'float64' });
      const sd = model.stateDict();
      expect(sd['0.weight']!.dtype).toBe('float64');
      expect(sd['1.num_batches_tracked']!.dtype).toBe('int64');
      for (const [k, t] of Object.entries(sd)) {
        expect(t.device).toBe('cpu');
        if (k !== '1.running_mean' && k !== '1.running_var' && k !== '1.num_batches_tracked') {
          Array.from(t.dataSync(), Number).forEach((v, i) => expect(v).toBeCloseTo(before[k]![i]!, 6));
        }
      }
      y.dispose(); // and with it the graph that kept its inputs
      expect(F.memory().devices[gpu]?.tensors).toBe(0);
    } finally {
      F.removeBackend(gpu);
    }
  });
});

describe('errors from inside a layer', () => {
  it('name the innermost layer first and keep their class (an int64 input to Linear)', () => {
    const seq = new Sequential(new Linear(4, 2), new ReLU());
    let err: unknown;
    try { seq.call(tensor([[1n, 2n, 3n, 4n]])); } catch (e) { err = e; }
    expect((err as Error).constructor.name).toBe('DTypeError');
    expect((err as Error).message).toMatch(/^Linear\(in_features=4, out_features=2, bias=True\): matmul: expected both operands to have the same dtype, got int64 and float32/);
    expect(() => seq.call(zeros([2, 5]))).toThrow(/^Linear\(in_features=4, out_features=2, bias=True\): expected input \[\.\.\., 4\], got \[2, 5\]$/);
  });
});
