// Forward mode covers every op with a gradient rule, and each rule is checked on the testkit's smooth
// fixture cases (torch's inputs, float64): the jvp along random tangents must equal ⟨∇f, t⟩ from the
// reverse rules (themselves checked against torch), and central finite differences.
import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import * as F from '@flint/core';
import { gradcheckCases } from '@flint/backend-testkit';
import { AutogradError, func, grad, ruleNames } from '../index.js';
import { defineForwardRule, forwardRuleNames, getForwardRule, removeForwardRule } from './registry.js';

/** Ops with a gradient rule that have no forward rule, with the reason. */
const EXCEPTIONS: Record<string, string> = {
  gruSequence: 'forward mode runs its parts (one matmul, then a matmul and a gruCell per step), which have forward rules',
  lstmSequence: 'forward mode runs its parts (one matmul, then a matmul and an lstmCell per step), which have forward rules',
};

describe('forward-mode rules', () => {
  it('every op with a gradient rule has a forward rule', () => {
    const missing = ruleNames().filter((op) => !forwardRuleNames().includes(op) && !(op in EXCEPTIONS));
    expect(missing).toEqual([]);
    expect(Object.keys(EXCEPTIONS)).toEqual(['gruSequence', 'lstmSequence']);
  });

  it('jvp through gruSequence (run by its parts) equals central finite differences', () => {
    F.manualSeed(5);
    const o = { dtype: 'float64' as const };
    const x = F.randn([4, 2, 3], o), h0 = F.randn([2, 3], o), wIh = F.randn([9, 3], o), wHh = F.randn([9, 3], o), bIh = F.randn([9], o), bHh = F.randn([9], o);
    const tx = F.randn([4, 2, 3], o), tw = F.randn([9, 3], o);
    const f = (xx: F.Tensor, w: F.Tensor) => F.gruSequence(xx, h0, { wIh, wHh: w, bIh, bHh, reverse: true }).output;
    const [, t] = func.jvp(f, [x, wHh], [tx, tw]) as [F.Tensor, F.Tensor];
    const e = 1e-6, fd = f(x.add(tx.mul(e)), wHh.add(tw.mul(e))).sub(f(x.sub(tx.mul(e)), wHh.sub(tw.mul(e)))).div(2 * e);
    expect(t.sub(fd).abs().max().itemSync()).toBeLessThan(1e-7);
  });

  it('an op without a forward rule is an error naming it', () => {
    const saved = removeForwardRule('sin')!;
    try {
      expect(() => func.jvp((x: F.Tensor) => x.sin(), [F.ones([2])], [F.ones([2])])).toThrow(AutogradError);
      expect(() => func.jvp((x: F.Tensor) => x.sin(), [F.ones([2])], [F.ones([2])])).toThrow(/sin: no forward-mode \(jvp\) rule/);
    } finally { defineForwardRule('sin', saved); }
    expect(getForwardRule('sin')).toBe(saved);
  });

  it('jvp equals the reverse-mode directional derivative and finite differences on every smooth fixture case', () => {
    const covered = new Set<string>();
    const bad: string[] = [];
    // count which forward rules the cases run (the composite ops reach them through their parts)
    const ran = new Set<string>();
    const originals = forwardRuleNames().map((op) => [op, getForwardRule(op)!] as const);
    for (const [op, r] of originals) defineForwardRule(op as never, { ...r, jvp: (c) => { ran.add(op); return r.jvp(c); } });
    let n = 0;
    for (const gc of gradcheckCases()) {
      const s = gc.setup('cpu');
      try {
        F.scope(() => {
          const xs = s.inputs.map((x) => x.detach());
          const ts = xs.map((x) => F.randn([...x.shape], { dtype: 'float64' }));
          const [, tangent] = func.jvp(s.fn, xs, ts) as [F.Tensor, F.Tensor];
          const leaves = xs.map((x) => x.detach().requiresGrad_());
          const gs = grad(s.fn(...leaves), leaves, { allowUnused: true });
          const want = gs.reduce((a, g, i) => a + (g ? (g.mul(ts[i]!).sum().itemSync() as number) : 0), 0);
          const got = tangent.itemSync() as number;
          // central differences, step 1e-6 in float64
          const h = 1e-6;
          const fd = ((s.fn(...xs.map((x, i) => x.add(ts[i]!.mul(h)))).itemSync() as number) - (s.fn(...xs.map((x, i) => x.sub(ts[i]!.mul(h)))).itemSync() as number)) / (2 * h);
          const tol = 1e-7 * (1 + Math.abs(want));
          // an empty mean is 0/0: NaN in every mode but the gradient rule's (0 gradient for no elements)
          if (Number.isNaN(got) && Number.isNaN(fd)) { covered.add(gc.op); n++; return; }
          if (!(Math.abs(got - want) <= tol) || !(Math.abs(got - fd) <= 1e-4 * (1 + Math.abs(fd)))) bad.push(`${gc.id}: jvp ${got}, reverse ${want}, fd ${fd}`);
          covered.add(gc.op);
          n++;
        });
      } catch (e) { bad.push(`${gc.id}: ${(e as Error).message}`); } finally { s.dispose(); }
    }
    for (const [op, r] of originals) defineForwardRule(op as never, r);
    expect(bad).toEqual([]);
    expect(n).toBeGreaterThan(100);
    const unexercised = forwardRuleNames().filter((op) => !ran.has(op));
    console.log(`forward mode: ${n} fixture cases over ${covered.size} ops; ${ran.size} forward rules ran; not reached by a fixture: ${unexercised.join(', ')}`);
  });

  it('the rules no fixture case reaches (backward ops, casts, erf, amax/amin) agree with reverse mode and finite differences', () => {
    const d = (shape: number[]) => F.randn(shape, { dtype: 'float64' });
    const idx = F.maxPool2d(d([1, 2, 4, 4]), 2, { returnIndices: true }).indices;
    const cases: [string, (...xs: F.Tensor[]) => F.Tensor, F.Tensor[]][] = [
      ['conv2dBackwardInput', (g, w) => F.conv2dBackwardInput(g, w, [1, 2, 5, 5], { padding: 1 }).pow(2).sum(), [d([1, 3, 5, 5]), d([3, 2, 3, 3])]],
      ['conv2dBackwardWeight', (g, x) => F.conv2dBackwardWeight(g, x, [3, 2, 3, 3], { stride: 2 }).pow(2).sum(), [d([1, 3, 2, 2]), d([1, 2, 5, 5])]],
      ['maxPool2dBackward', (g) => F.maxPool2dBackward(g, idx, [1, 2, 4, 4]).pow(2).sum(), [d([1, 2, 2, 2])]],
      ['avgPool2dBackward', (g) => F.avgPool2dBackward(g, [1, 2, 4, 4], { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0], ceilMode: false, countIncludePad: true }).pow(3).sum(), [d([1, 2, 2, 2])]],
      ['erf, cast, clone', (x) => F.erf(x).to('float32').to('float64').clone().pow(2).sum(), [d([5])]],
      ['amax, amin', (x) => F.amax(x, 1).pow(2).sum().add(F.amin(x, 0).exp().sum()), [d([3, 4])]],
    ];
    for (const [name, fn, xs] of cases) {
      const ts = xs.map((x) => F.randn([...x.shape], { dtype: 'float64' }));
      const got = (func.jvp(fn, xs, ts)[1] as F.Tensor).itemSync() as number;
      const leaves = xs.map((x) => x.detach().requiresGrad_());
      const want = grad(fn(...leaves), leaves).reduce((a, g, i) => a + (g!.mul(ts[i]!).sum().itemSync() as number), 0);
      const h = 1e-6;
      const fd = ((fn(...xs.map((x, i) => x.add(ts[i]!.mul(h)))).itemSync() as number) - (fn(...xs.map((x, i) => x.sub(ts[i]!.mul(h)))).itemSync() as number)) / (2 * h);
      const tol = name.includes('cast') ? 1e-5 : 1e-9;
      expect(Math.abs(got - want), name).toBeLessThanOrEqual(tol * (1 + Math.abs(want)));
      // (a round trip through float32 is too coarse for differences with a 1e-6 step)
      if (!name.includes('cast')) expect(Math.abs(got - fd), name).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(fd)));
    }
  });
});
