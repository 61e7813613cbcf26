// What the testkit's extra_ops fixtures can't show: views share storage, Flint's own errors (where torch 1.13
// accepts the input but later torch refuses it), long stable sorts, dropout inside attention.
// (Values, dtypes and gradients against PyTorch: packages/backend-testkit/fixtures/extra_ops.json.)
import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import '@flint/autograd';
import * as F from '../index.js';
import { DTypeError, IndexError, ShapeError, ValueError } from '../errors.js';

describe('index / x.slice', () => {
  it('returns a view: writes through it reach the base', () => {
    const x = F.zeros([3, 4]);
    const v = x.slice('1:', '::2');
    expect(v.shape).toEqual([2, 2]);
    expect(v.storage).toBe(x.storage);
    v.add_(F.tensor([[1, 2], [3, 4]]));
    expect(x.tolistSync()).toEqual([[0, 0, 0, 0], [1, 0, 2, 0], [3, 0, 4, 0]]);
    expect(x.slice(null, '...', 2).shape).toEqual([1, 3]);
  });
  it('gradients flow through an in-place write into a slice', () => {
    const a = F.ones([2, 4]).requiresGrad_();
    const b = a.mul(1);
    b.slice(1, '::2').mul_(3);
    b.sum().backward();
    expect(a.grad!.tolistSync()).toEqual([[1, 1, 1, 1], [3, 1, 3, 1]]);
  });
  it('says what is wrong and how to fix it', () => {
    const x = F.zeros([3, 4]);
    expect(() => x.slice('::-1')).toThrow(new ValueError("index: slice '::-1' has a negative step, which PyTorch does not support; reverse with flip(x, dim) (then slice), e.g. x.flip(0) for '::-1'"));
    expect(() => x.slice('...', '...')).toThrow(IndexError); // torch 1.13 accepts two ellipses; NumPy and later torch refuse them
    expect(() => F.index(x, [1, 2] as never)).toThrow(/use numbers, 'start:stop:step' strings, null \(new axis\) or '...'/);
    expect(() => x.slice(0, 4)).toThrow(new IndexError('index: index 4 is out of bounds for dim 1 with size 4 (shape [3,4])'));
  });
});

describe('maskedFill', () => {
  it('takes bool masks only (torch 1.13 deprecated uint8 masks; torch 2 refuses them)', () => {
    expect(() => F.maskedFill(F.zeros([2]), F.tensor([1, 0], { dtype: 'uint8' }), 1)).toThrow(DTypeError);
  });
  it('casts the value to the input dtype', () => {
    expect(F.tensor([1, 2, 3], { dtype: 'int32' }).maskedFill(F.tensor([true, false, true]), 2.7).tolistSync()).toEqual([2, 2, 2]);
  });
});

describe('sort', () => {
  it('sorts 1000 elements stably (ties keep their order), ascending and descending', () => {
    const vals = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 5);
    for (const descending of [false, true]) {
      const { values, indices } = F.tensor(vals, { dtype: 'int32' }).sort({ descending });
      const want = vals.map((v, i) => [v, i] as const).sort((a, b) => (descending ? b[0] - a[0] : a[0] - b[0]) || a[1] - b[1]);
      expect(Array.from(values.dataSync(), Number)).toEqual(want.map((p) => p[0]));
      expect(Array.from(indices.dataSync(), Number)).toEqual(want.map((p) => p[1]));
    }
  });
  it('topk and argsort agree with sort', () => {
    const x = F.randn([3, 17]);
    const s = x.sort({ dim: 1, descending: true });
    expect(x.topk(5, { dim: 1 }).values.tolistSync()).toEqual(s.values.narrow(1, 0, 5).tolistSync());
    expect(x.argsort({ dim: 1, descending: true }).tolistSync()).toEqual(s.indices.tolistSync());
  });
});

describe('norm', () => {
  it('refuses the inf-norms of an empty dim (torch 2 does; 1.13 returned 0)', () => {
    expect(() => F.norm(F.zeros([0, 2]), { p: Infinity, dim: 0 })).toThrow(ShapeError);
  });
  it("has no nuclear norm yet and says so", () => {
    expect(() => F.norm(F.zeros([2, 2]), { p: 'nuc' })).toThrow(/p='nuc'/);
  });
});

describe('scaledDotProductAttention', () => {
  it('with dropout: runs the composite, drops some weights, and differentiates through it', () => {
    const q = F.randn([2, 4, 8]).requiresGrad_(), k = F.randn([2, 6, 8]), v = F.ones([2, 6, 3]);
    const y = F.scaledDotProductAttention(q, k, v, { dropoutP: 0.5 });
    // each output row is a sum of kept weights / 0.5 over rows of ones: not all 1 as without dropout
    const rows = Array.from(y.dataSync(), Number);
    expect(rows.some((r) => Math.abs(r - 1) > 1e-6)).toBe(true);
    y.sum().backward();
    expect(q.grad!.shape).toEqual([2, 4, 8]);
  });
  it('scale and isCausal as torch: the first query sees only the first key', () => {
    const q = F.randn([1, 3, 2]), k = F.randn([1, 3, 2]), v = F.tensor([[[1], [2], [3]]]);
    expect((F.scaledDotProductAttention(q, k, v, { isCausal: true, scale: 0.5 }).tolistSync() as number[][][])[0]![0]).toEqual([1]);
  });
});
