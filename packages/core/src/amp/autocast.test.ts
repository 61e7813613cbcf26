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
  it('declares float16 accelerated; matmul/linear/conv lower, softmax/sum/layerNorm/losses run in float32', async () => {
    expect(F.getBackend(dev).dtypes.float16).toMatchObject({ storage: true, arithmetic: true, accelerated: true });
    const xg = x.to(dev), wg = w.to(dev), bg = b.to(dev);
    const r = F.autocast(dev, {}, () => {
      expect(F.getAutocastDtype(dev)).toBe('float16');
      const h = F.linear(xg, wg, bg);
      return { h, sm: F.softmax(h, 1), s: F.sum(h), ln: F.layerNorm(h, 3), e: F.exp(h), ce: F.crossEntropy(h, y.to(dev)), c: F.conv2d(img.to(dev), k.to(dev)) };
    });
    expect([r.h.dtype, r.sm.dtype, r.s.dtype, r.ln.dtype, r.e.dtype, r.ce.dtype, r.c.dtype]).toEqual(['float16', 'float32', 'float32', 'float32', 'float32', 'float32', 'float16']);
    // the same linear in float16 on the CPU (float32 accumulation, one rounding); the mock rounds x·wᵀ and
    // then the sum with b, so allow a float16 ulp or two
    const want = F.linear(x.half(), w.half(), b.half()).dataSync() as Float32Array;
    const got = (await r.h.data()) as Float32Array;
    got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(4e-3 * Math.max(1, Math.abs(want[i]!))));
  });
});
