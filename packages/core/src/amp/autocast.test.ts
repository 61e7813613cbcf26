// autocast: the output dtype of each op in a bfloat16 region on the CPU matches torch 1.13's
// (fixtures/autocast.json, tooling/amp/gen_amp.py); regions nest, switch off, span awaits; GPU devices
// use torch's CUDA list (the mock GPU, which declares float16).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import { registerMockGpu } from '@flint/backend-testkit/mock';
import * as F from '../index.js';
import type { DType, Tensor } from '../index.js';
import { DTypeError, FlintError } from '../errors.js';

const fix = JSON.parse(readFileSync(new URL('../../fixtures/autocast.json', import.meta.url), 'utf8')) as { cpu: Record<string, Record<string, DType>> };

const x = F.randn([4, 6]), w = F.randn([3, 6]), b = F.randn([3]);
const img = F.randn([1, 2, 5, 5]), k = F.randn([3, 2, 3, 3]);
const sig = F.rand([4, 6]), y = F.tensor([0, 2, 1, 1], { dtype: 'int64' });
const cases: Record<string, (a: Tensor) => Tensor> = {
  matmul: (a) => F.matmul(a, w.t()), linear: (a) => F.linear(a, w, b),
  conv2d: (a) => F.conv2d(img.to(a.dtype), k), conv1d: (a) => F.conv1d(F.select(img, 2, 0).to(a.dtype), F.select(k, 2, 0)),
  prod: (a) => F.prod(a), sum: (a) => F.sum(a), mean: (a) => F.mean(a),
  softmax: (a) => F.softmax(a, 1), logSoftmax: (a) => F.logSoftmax(a, 1), layerNorm: (a) => F.layerNorm(a, 6),
  exp: (a) => F.exp(a), relu: (a) => F.relu(a),
  crossEntropy: (a) => F.crossEntropy(a, y), nllLoss: (a) => F.nllLoss(a, y),
  mseLoss: (a) => F.mseLoss(a, sig), l1Loss: (a) => F.l1Loss(a, sig), smoothL1Loss: (a) => F.smoothL1Loss(a, sig),
  huberLoss: (a) => F.huberLoss(a, sig), binaryCrossEntropy: (a) => F.binaryCrossEntropy(F.sigmoid(a), sig),
  binaryCrossEntropyWithLogits: (a) => F.binaryCrossEntropyWithLogits(a, sig),
  add: (a) => F.add(a, x), cat: (a) => F.cat([a, x]), stack: (a) => F.stack([a, x]),
};

describe("autocast('cpu', bfloat16) casts as torch 1.13's CPU autocast", () => {
  for (const [op, want] of Object.entries(fix.cpu)) {
    const run = cases[op];
    if (!run) continue; // gruCell/lstmCell: torch's modules, covered by the recurrent-layer test below
    it(`${op}: float32 input -> ${want.float32}, bfloat16 input -> ${want.bfloat16}`, () => {
      for (const src of ['float32', 'bfloat16'] as const) {
        const a = x.to(src);
        const out = F.autocast('cpu', { dtype: 'bfloat16' }, () => run(a));
        expect(out.dtype, `${op} from ${src}`).toBe(want[src]);
      }
    });
  }

  it('linear in the region computes with bfloat16 casts of its float32 inputs', () => {
    const out = F.autocast('cpu', {}, () => F.linear(x, w, b));
    const ref = F.linear(x.to('bfloat16'), w.to('bfloat16'), b.to('bfloat16'));
    expect(Array.from(out.dataSync() as Float32Array)).toEqual(Array.from(ref.dataSync() as Float32Array));
  });

  it('runs GRU/LSTM layers in float32 from float32 inputs, as torch 1.13 on the CPU (its inner products too)', () => {
    const seq = F.randn([2, 4, 6]), h0 = F.zeros([4, 3]);
    const rnn = { wIh: F.randn([9, 6]), wHh: F.randn([9, 3]) }, lstm = { wIh: F.randn([12, 6]), wHh: F.randn([12, 3]) };
    const [g, l] = F.autocast('cpu', {}, () => [F.gruSequence(seq, h0, rnn), F.lstmSequence(seq, h0, h0, lstm)]);
    expect([g!.output.dtype, l!.output.dtype]).toEqual(['float32', 'float32']);
    expect(Array.from(g!.output.dataSync() as Float32Array)).toEqual(Array.from(F.gruSequence(seq, h0, rnn).output.dataSync() as Float32Array));
  });

  it('x.bfloat16() and x.half() are the casts torch names so', () => {
    expect([x.bfloat16().dtype, x.half().dtype]).toEqual(['bfloat16', 'float16']);
  });

  it('leaves float64 inputs alone, as torch', () => {
    expect(F.autocast('cpu', {}, () => F.matmul(x.double(), w.double().t())).dtype).toBe('float64');
  });
});

describe('autocast regions', () => {
  it('nest: the innermost region decides; enabled: false turns it off inside', () => {
    F.autocast('cpu', { dtype: 'bfloat16' }, () => {
      expect(F.isAutocastEnabled('cpu')).toBe(true);
      expect(F.getAutocastDtype('cpu')).toBe('bfloat16');
      expect(F.matmul(x, w.t()).dtype).toBe('bfloat16');
      F.autocast('cpu', { dtype: 'float16' }, () => expect(F.matmul(x, w.t()).dtype).toBe('float16'));
      F.autocast('cpu', { enabled: false }, () => {
        expect(F.isAutocastEnabled('cpu')).toBe(false);
        expect(F.matmul(x, w.t()).dtype).toBe('float32');
      });
      expect(F.matmul(x, w.t()).dtype).toBe('bfloat16');
    });
    expect(F.isAutocastEnabled('cpu')).toBe(false);
    expect(F.matmul(x, w.t()).dtype).toBe('float32');
  });

  it('an async region lasts until its promise settles, and does not leak into code outside it', async () => {
    const inside = F.autocast('cpu', {}, async () => {
      await new Promise((r) => setTimeout(r, 5));
      return F.matmul(x, w.t());
    });
    expect(F.matmul(x, w.t()).dtype).toBe('float32'); // runs while the region awaits
    expect((await inside).dtype).toBe('bfloat16');
    expect(F.isAutocastEnabled()).toBe(false);
  });

  it('only affects the device it names', () => {
    expect(F.autocast('mockgpu-amp', {}, () => F.matmul(x, w.t())).dtype).toBe('float32');
  });

  it('rejects a dtype it cannot lower to, and unknown options', () => {
    expect(() => F.autocast('cpu', { dtype: 'float64' as 'float16' }, () => 0)).toThrow(new DTypeError("autocast: dtype must be 'bfloat16' or 'float16', got 'float64'"));
    expect(() => F.autocast('cpu', { dtyp: 'float16' } as never, () => 0)).toThrow(/did you mean 'dtype'/);
  });

  it("a cast hook may not change the inputs of an op that doesn't compute from them", () => {
    const remove = F.addHook({ afterOp: () => {}, castInputs: (op, ins) => (op === 'amax' ? ins.map((t) => F.cast(t, 'float64')) : undefined) });
    try {
      expect(() => F.amax(x)).toThrow(FlintError);
      expect(() => F.amax(x)).toThrow(/amax: a castInputs hook \(autocast\) changed its inputs/);
    } finally { remove(); }
  });
});

describe('autocast on a GPU device uses torch\'s CUDA list (mock GPU, float16)', () => {
  const dev = registerMockGpu({ name: 'mockgpu-amp' });
  const on = (t: Tensor) => t.to(dev);
  const [xg, wg, bg, sg] = [x, w, b, sig].map(on) as [Tensor, Tensor, Tensor, Tensor];
  const rnn = { wIh: on(F.randn([9, 6])), wHh: on(F.randn([9, 3])), bIh: on(F.randn([9])), bHh: on(F.randn([9])) };
  const lstm = { wIh: on(F.randn([12, 6])), wHh: on(F.randn([12, 3])) };
  const seq = on(F.randn([2, 4, 6])), h0 = on(F.zeros([4, 3]));
  // one call per op in the GPU table, from float32 inputs: every listed op must compute from the casts
  const calls: Record<string, () => Tensor> = {
    matmul: () => F.matmul(xg, wg.t()), linear: () => F.linear(xg, wg, bg), conv2d: () => F.conv2d(on(img), on(k)),
    conv1d: () => F.conv1d(on(F.select(img, 2, 0)), on(F.select(k, 2, 0))), einsum: () => F.einsum('ij,kj->ik', xg, wg),
    scaledDotProductAttention: () => F.scaledDotProductAttention(xg.unsqueeze(0), xg.unsqueeze(0), xg.unsqueeze(0)),
    gruSequence: () => F.gruSequence(seq, h0, rnn).output, lstmSequence: () => F.lstmSequence(seq, h0, h0, lstm).output,
    exp: () => F.exp(xg.half()), log: () => F.log(sg.half()), log1p: () => F.log1p(sg.half()), expm1: () => F.expm1(xg.half()),
    rsqrt: () => F.rsqrt(sg.half()), reciprocal: () => F.reciprocal(sg.half()), pow: () => F.pow(sg.half(), xg.half()), softplus: () => F.softplus(xg.half()),
    sum: () => F.sum(xg.half()), prod: () => F.prod(xg.half()), cumsum: () => F.cumsum(xg.half(), 1),
    logsumexp: () => F.logsumexp(xg.half(), 1), softmax: () => F.softmax(xg.half(), 1), logSoftmax: () => F.logSoftmax(xg.half(), 1),
    layerNorm: () => F.layerNorm(xg.half(), 6), norm: () => F.norm(xg.half()),
    crossEntropy: () => F.crossEntropy(xg.half(), y.to(dev)), nllLoss: () => F.nllLoss(xg.half(), y.to(dev)),
    mseLoss: () => F.mseLoss(xg.half(), sg), l1Loss: () => F.l1Loss(xg.half(), sg), smoothL1Loss: () => F.smoothL1Loss(xg.half(), sg),
    huberLoss: () => F.huberLoss(xg.half(), sg), binaryCrossEntropy: () => F.binaryCrossEntropy(sg.half(), sg),
    binaryCrossEntropyWithLogits: () => F.binaryCrossEntropyWithLogits(xg.half(), sg),
    cat: () => F.cat([xg.half(), xg]), stack: () => F.stack([xg.half(), xg]),
  };
  const want = { lower: 'float16', fp32: 'float32', promote: 'float32', asis: 'float32' } as const;

  it('declares float16 stored, computed and accelerated', () => {
    expect(F.getBackend(dev).dtypes.float16).toMatchObject({ storage: true, arithmetic: true, accelerated: true });
  });
  for (const [op, policy] of Object.entries(F.GPU_AUTOCAST)) {
    it(`${op}: ${policy} -> ${want[policy]}`, () => {
      const call = calls[op];
      expect(call, `a call for ${op}`).toBeDefined();
      const out = F.autocast(dev, {}, call!);
      expect(out.dtype).toBe(want[policy]);
      expect(out.device).toBe(dev);
    });
  }

  it('pow runs in float32 from a float16 tensor and a scalar, on either side, and its value is float32\'s', async () => {
    const h = sg.half();
    const [p1, p2] = F.autocast(dev, {}, () => [F.pow(h, 2.5), F.pow(2, h)]);
    expect([p1!.dtype, p2!.dtype]).toEqual(['float32', 'float32']);
    const hf = sig.half().float();
    expect(Array.from((await p1!.data()) as Float32Array)).toEqual(Array.from(F.pow(hf, 2.5).dataSync() as Float32Array));
    expect(Array.from((await p2!.data()) as Float32Array)).toEqual(Array.from(F.pow(2, hf).dataSync() as Float32Array));
    expect(F.pow(h, 2.5).dtype).toBe('float16');
  });

  it('linear in float16 matches the CPU\'s float16 linear within a float16 ulp or two', async () => {
    const h = F.autocast(dev, {}, () => F.linear(xg, wg, bg));
    // the CPU rounds x·wᵀ + b once; the mock rounds x·wᵀ and then the sum with b
    const ref = F.linear(x.half(), w.half(), b.half()).dataSync() as Float32Array;
    const got = (await h.data()) as Float32Array;
    got.forEach((v, i) => expect(Math.abs(v - ref[i]!)).toBeLessThanOrEqual(4e-3 * Math.max(1, Math.abs(ref[i]!))));
  });
});
