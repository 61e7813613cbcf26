// Parity with torch 1.13: each fixture case runs 5 steps with fixed gradients (some None) and must match
// torch's parameters and state after every step, and its state_dict layout, on both the fused-kernel
// device and the composite one.
import { afterAll, describe, expect, it } from 'vitest';
import * as F from '@flint/core';
import { COMPOSITE, FUSED, TOL, compare, makeOptimizer, makeParams, optFixtures, setGrads } from './test-helpers.js';

const worst = new Map<string, number>();
const note = (key: string, d: number): void => { worst.set(key, Math.max(worst.get(key) ?? 0, d)); };

describe.each([FUSED, COMPOSITE])('torch parity on %s', (device) => {
  for (const c of optFixtures.cases) {
    it(`${c.name} (${c.dtype}) matches torch after every step`, () => {
      const { rtol, atol } = TOL[c.dtype];
      const params = makeParams(c.dtype, device);
      const opt = makeOptimizer(c, params);
      c.steps.forEach((expected, s) => {
        setGrads(params, s);
        opt.step();
        params.forEach((p, i) => {
          const r = compare(p.dataSync() as Float64Array, expected.params[i]!, rtol, atol);
          note(`${c.optimizer} ${c.dtype}`, r.maxAbs);
          expect(r.ok, `${c.name} step ${s + 1} param ${i}: max |diff| ${r.maxAbs}`).toBe(true);
        });
        const sd = opt.stateDict();
        expect(Object.keys(sd.state).sort()).toEqual(Object.keys(expected.state).sort());
        for (const [i, st] of Object.entries(expected.state)) {
          const ours = sd.state[Number(i)]!;
          expect(Object.keys(ours)).toEqual(Object.keys(st));
          for (const [k, v] of Object.entries(st)) {
            const mine = ours[k];
            if (v === null || typeof v === 'number') { expect(mine).toBe(v); continue; }
            const r = compare((mine as F.Tensor).dataSync() as Float64Array, v, rtol, atol);
            note(`${c.optimizer} ${c.dtype}`, r.maxAbs);
            expect(r.ok, `${c.name} step ${s + 1} state ${i}.${k}: max |diff| ${r.maxAbs}`).toBe(true);
          }
        }
      });
      // torch's param_groups layout: every key we write is torch's, with torch's value
      const sd = opt.stateDict();
      sd.param_groups.forEach((g, gi) => {
        const t = c.stateDict.param_groups[gi]!;
        for (const [k, v] of Object.entries(g)) {
          expect(t, `param_groups[${gi}] key ${k}`).toHaveProperty(k);
          expect(v).toEqual(t[k]);
        }
      });
      opt.dispose();
      params.forEach((p) => { p.grad?.dispose(); p.dispose(); });
    });
  }
});

afterAll(() => {
  // the report's "max difference vs PyTorch" table
  console.log([...worst].map(([k, d]) => `${k}: max |flint - torch| = ${d.toExponential(2)}`).join('\n'));
});
