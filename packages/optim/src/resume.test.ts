// Resuming: stateDict() → loadStateDict() into a fresh optimizer continues exactly as uninterrupted
// training, from our own state dict and from torch's (read from the fixtures).
import { describe, expect, it } from 'vitest';
import * as F from '@flint/core';
import { FUSED, TOL, compare, makeOptimizer, makeParams, optFixtures, setGrads } from './test-helpers.js';
import type { OptCase } from './test-helpers.js';

const values = (ps: F.Tensor[]): number[][] => ps.map((p) => Array.from(p.dataSync() as Float64Array));
const fresh = (ps: F.Tensor[]): F.Tensor[] => ps.map((p) => F.keep(p.detach().clone().requiresGrad_()));

function steps(_c: OptCase, params: F.Tensor[], opt: ReturnType<typeof makeOptimizer>, from: number, to: number): void {
  for (let s = from; s < to; s++) { setGrads(params, s); opt.step(); }
}

describe('resume from stateDict', () => {
  // one float32 and one float64 case per option set
  for (const c of optFixtures.cases) {
    it(`${c.name} (${c.dtype}): 2 steps, save, load into a fresh optimizer, 3 more = 5 uninterrupted`, () => {
      const straight = makeParams(c.dtype, FUSED);
      steps(c, straight, makeOptimizer(c, straight), 0, 5);

      const params = makeParams(c.dtype, FUSED);
      const first = makeOptimizer(c, params);
      steps(c, params, first, 0, 2);
      const saved = first.stateDict();
      const resumed = fresh(params);
      const second = makeOptimizer(c, resumed);
      second.loadStateDict(saved);
      first.dispose(); // the loaded state is a copy
      steps(c, resumed, second, 2, 5);
      expect(values(resumed)).toEqual(values(straight));
    });
  }
});

describe("resume from torch's state dict", () => {
  for (const c of optFixtures.cases) {
    it(`${c.name} (${c.dtype}): torch's state after step 2 continues to torch's step 5`, () => {
      const { rtol, atol } = TOL[c.dtype];
      const params = optFixtures.params.map((p, i) => F.keep(F.tensor(c.steps[1]!.params[i]!, { dtype: c.dtype, device: FUSED }).reshape(p.shape).requiresGrad_()));
      const opt = makeOptimizer(c, params);
      opt.loadStateDict({ state: c.steps[1]!.state, param_groups: c.stateDict.param_groups });
      steps(c, params, opt, 2, 5);
      params.forEach((p, i) => {
        const r = compare(p.dataSync() as Float64Array, c.steps[4]!.params[i]!, rtol, atol);
        expect(r.ok, `param ${i}: max |diff| ${r.maxAbs}`).toBe(true);
      });
    });
  }
});

describe('loadStateDict errors', () => {
  const c = optFixtures.cases.find((x) => x.name === 'adam/two_groups')!;
  it('rejects a different number of groups', () => {
    const opt = makeOptimizer(c, makeParams('float32', FUSED));
    const sd = opt.stateDict();
    expect(() => opt.loadStateDict({ ...sd, param_groups: sd.param_groups.slice(1) })).toThrow(/the state dict has 1 parameter groups, the optimizer has 2/);
  });
  it('rejects a group with a different number of parameters', () => {
    const opt = makeOptimizer(c, makeParams('float32', FUSED));
    const sd = opt.stateDict();
    const groups = [sd.param_groups[0]!, { ...sd.param_groups[1]!, params: [1] }];
    expect(() => opt.loadStateDict({ ...sd, param_groups: groups })).toThrow(/parameter group 1 has 1 parameters in the state dict, 2 in the optimizer/);
  });
  it('rejects state whose values do not fit the parameter', () => {
    const params = makeParams('float32', FUSED);
    const opt = makeOptimizer(c, params);
    const sd = opt.stateDict();
    expect(() => opt.loadStateDict({ ...sd, state: { 0: { step: 1, exp_avg: [1, 2], exp_avg_sq: [1, 2] } } })).toThrow(/'exp_avg' has 2 values, its parameter \(shape \[3,4\]\) has 12/);
    expect(() => opt.loadStateDict({ ...sd, state: { 9: { step: 1 } } })).toThrow(/state for parameter 9/);
  });
  it('casts loaded state to the parameter dtype', () => {
    const c64 = optFixtures.cases.find((x) => x.name === 'adam/default' && x.dtype === 'float64')!;
    const p64 = makeParams('float64', FUSED);
    const src = makeOptimizer(c64, p64);
    steps(c64, p64, src, 0, 1);
    const p32 = makeParams('float32', FUSED);
    const dst = makeOptimizer(c64, p32);
    dst.loadStateDict(src.stateDict());
    expect((dst.state.get(p32[0]!)!.exp_avg as F.Tensor).dtype).toBe('float32');
    expect(dst.state.get(p32[0]!)!.step).toBe(1);
  });
});
