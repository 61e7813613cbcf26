// vmap against running each sample on its own: every smooth testkit fixture case (torch's inputs, float64)
// batched over two samples, the loop fallback, randomness, nesting and the errors.
import { describe, expect, it, vi } from 'vitest';
import '@flint/backend-cpu';
import * as F from '@flint/core';
import { OP_NAMES } from '@flint/core';
import { gradcheckCases } from '@flint/backend-testkit';
import { AutogradError, func } from '../../index.js';
import { loopedOps } from './hook.js';
import { batchRuleNames } from './registry.js';

const maxDiff = (a: F.Tensor, b: F.Tensor): number => {
  const x = a.to('float64').contiguous().reshape(-1).dataSync() as Float64Array, y = b.to('float64').contiguous().reshape(-1).dataSync() as Float64Array;
  let m = 0;
  x.forEach((v, i) => { const d = Math.abs(v - y[i]!); m = Number.isNaN(v) !== Number.isNaN(y[i]!) ? Infinity : Math.max(m, Number.isNaN(d) ? 0 : d / (1 + Math.abs(y[i]!))); });
  return m;
};

describe('func.vmap', () => {
  it('falls back to a loop, with one warning naming the op, where an op has no rule', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const x = F.randn([3, 2, 4]), y = F.randn([3, 4, 5]);
    // an implicit output is outside einsum's batching rule
    const f = (a: F.Tensor, b: F.Tensor) => F.einsum('ij,jk', a, b);
    const got = func.vmap(f)(x, y);
    func.vmap(f)(x, y);
    expect(maxDiff(got, x.matmul(y))).toBeLessThan(1e-6);
    expect(warn.mock.calls.filter((c) => String(c[0]).includes("'einsum'"))).toHaveLength(1);
    warn.mockRestore();
  });

  it('matches a loop over the samples on every smooth fixture case, and vmap(grad) matches per-sample grads on one per op', () => {
    const bad: string[] = [];
    let n = 0;
    const ops = new Set<string>();
    for (const gc of gradcheckCases()) {
      const s = gc.setup('cpu');
      try {
        F.scope(() => {
          const xs = s.inputs.map((x) => x.detach());
          const other = xs.map((x) => x.add(F.randn([...x.shape], { dtype: x.dtype }).mul(0.01)));
          const batch = xs.map((x, i) => F.stack([x, other[i]!]));
          const got = func.vmap(s.fn)(...batch) as F.Tensor;
          const want = F.stack([s.fn(...xs), s.fn(...other)]);
          const d = maxDiff(got, want);
          if (!(d <= 1e-9)) bad.push(`${gc.id}: vmap differs by ${d}`);
          // per-sample gradients, on each op's first case (the rest only batch forward, to keep the test short)
          if (ops.has(gc.op)) { n++; return; }
          const g = func.vmap(func.grad(s.fn))(...batch) as F.Tensor;
          const g0 = func.grad(s.fn)(...xs) as F.Tensor, g1 = func.grad(s.fn)(...other) as F.Tensor;
          const dg = maxDiff(g, F.stack([g0, g1]));
          if (!(dg <= 1e-7)) bad.push(`${gc.id}: vmap(grad) differs by ${dg}`);
          ops.add(gc.op);
          n++;
        });
      } catch (e) { bad.push(`${gc.id}: ${(e as Error).message.split('\n')[0]}`); } finally { s.dispose(); }
    }
    expect(bad).toEqual([]);
    expect(n).toBeGreaterThan(100);
    const noRule = OP_NAMES.filter((op) => !batchRuleNames().includes(op) && !['full', 'arange', 'eye', 'rand', 'randn', 'randint', 'fromBlob'].includes(op));
    console.log(`vmap: ${n} fixture cases over ${ops.size} ops; ops that looped: ${loopedOps().join(', ') || 'none'}; ops without a batching rule: ${noRule.join(', ')}`);
  });

  it('nests, takes inDims/outDims, and puts unbatched outputs on the batch', async () => {
    const x = F.arange(24, { dtype: 'float32' }).reshape([2, 3, 4]);
    const inner = func.vmap(func.vmap((r: F.Tensor) => r.sum()), { inDims: 1 });
    expect(await (inner(x) as F.Tensor).tolist()).toEqual(await x.sum(2).t().tolist());
    const outer = func.vmap((r: F.Tensor) => r.cumsum(0), { inDims: 2, outDims: 1 })(x) as F.Tensor;
    expect(outer.shape).toEqual([2, 4, 3]);
    expect(await outer.tolist()).toEqual(await x.cumsum(0).transpose(1, 2).tolist());
    const c = func.vmap((_r: F.Tensor) => F.ones([2]))(x) as F.Tensor;
    expect(c.shape).toEqual([2, 2]);
  });

  it('randomness: an error by default, one draw with same, per-sample draws with different', async () => {
    const x = F.ones([4, 1000]);
    expect(() => func.vmap((r: F.Tensor) => F.dropout(r, 0.5))(x)).toThrow(/randomness/);
    expect(() => func.vmap((r: F.Tensor) => r.add(F.rand([1000])))(x)).toThrow(AutogradError);
    const same = func.vmap((r: F.Tensor) => F.dropout(r, 0.5), { randomness: 'same' })(x) as F.Tensor;
    expect(await same.select(0, 0).tolist()).toEqual(await same.select(0, 3).tolist());
    const diff = func.vmap((r: F.Tensor) => F.dropout(r, 0.5), { randomness: 'different' })(x) as F.Tensor;
    expect(await diff.select(0, 0).tolist()).not.toEqual(await diff.select(0, 3).tolist());
    const noise = func.vmap((r: F.Tensor) => r.add(F.randn([1000])), { randomness: 'different' })(x) as F.Tensor;
    expect(await noise.select(0, 1).tolist()).not.toEqual(await noise.select(0, 2).tolist());
  });

  it('errors name the problem', () => {
    expect(() => func.vmap((a: F.Tensor, b: F.Tensor) => a.add(b))(F.ones([2, 3]), F.ones([3, 3]))).toThrow(/different sizes along their batch dims \(2 and 3/);
    expect(() => func.vmap((a: F.Tensor) => a, { inDims: 2 })(F.ones([2, 3]))).toThrow(/inDims dim 2 is out of range/);
    expect(() => func.vmap((a: F.Tensor) => a, { inDims: null })(F.ones([2]))).toThrow(/no input is batched/);
    // shape errors inside speak of the logical shapes
    expect(() => func.vmap((a: F.Tensor) => a.matmul(F.ones([4, 2])))(F.ones([5, 3]))).toThrow(/\[3\]|3/);
  });

  it('in-place ops write every sample, and refuse to write a batched result into an unbatched tensor', async () => {
    const x = F.tensor([[1, 2], [3, 4]]);
    const y = func.vmap((r: F.Tensor) => { const c = r.clone(); c.mul_(10); c.add_(r); return c; })(x) as F.Tensor;
    expect(await y.tolist()).toEqual([[11, 22], [33, 44]]);
    const z = func.vmap((r: F.Tensor) => { const c = r.clone(); c.fill_(7); return c; })(x) as F.Tensor;
    expect(await z.tolist()).toEqual([[7, 7], [7, 7]]);
    const acc = F.zeros([2]);
    expect(() => func.vmap((r: F.Tensor) => acc.add_(r))(x)).toThrow(/in-place op writes a batched result into a tensor that is not batched/);
  });

  it('batches whole-sequence recurrent layers through their cell loop', () => {
    const [T, B, I, H] = [3, 2, 4, 5];
    const w = { wIh: F.randn([3 * H, I]), wHh: F.randn([3 * H, H]), bIh: F.randn([3 * H]), bHh: F.randn([3 * H]) };
    const xs = F.randn([6, T, B, I]), h0 = F.randn([B, H]);
    const got = func.vmap((x: F.Tensor) => F.gruSequence(x, h0, w).output)(xs) as F.Tensor;
    const want = F.stack([0, 1, 2, 3, 4, 5].map((k) => F.gruSequence(xs.select(0, k), h0, w).output));
    expect(maxDiff(got, want)).toBeLessThan(1e-6);
    const lw = { wIh: F.randn([4 * H, I]), wHh: F.randn([4 * H, H]) };
    const c0 = F.randn([B, H]);
    const lg = func.vmap((x: F.Tensor) => F.lstmSequence(x, h0, c0, lw).c)(xs) as F.Tensor;
    expect(maxDiff(lg, F.stack([0, 1, 2, 3, 4, 5].map((k) => F.lstmSequence(xs.select(0, k), h0, c0, lw).c)))).toBeLessThan(1e-6);
  });
});
