// Parity with torch 1.13's lr_scheduler: each fixture case's lr (and OneCycleLR's momentum or beta1)
// sequence over 30 steps; state dicts that resume mid-schedule; composition and option errors.
import { describe, expect, it } from 'vitest';
import * as F from '@flint/core';
import { Adagrad, Adam, OptimizerError, SGD } from '../index.js';
import * as S from './index.js';
import { makeSchedulerCase, schedFixtures } from '../test-helpers.js';
import type { SchedCase } from '../test-helpers.js';

const close = (a: number[][], b: number[][]): void => {
  expect(a.length).toBe(b.length);
  a.forEach((row, i) => row.forEach((v, j) => expect(v, `step ${i} group ${j}`).toBeCloseTo(b[i]![j]!, 14)));
};
const momentums = (opt: { paramGroups: { [k: string]: unknown }[] }): number[] =>
  opt.paramGroups.map((g) => (Array.isArray(g.betas) ? (g.betas as number[])[0]! : (g.momentum as number)));

function run(c: SchedCase, from = 0, restored?: ReturnType<typeof makeSchedulerCase>): { lrs: number[][]; moms: number[][] } {
  const { opt, sched } = restored ?? makeSchedulerCase(c);
  const lrs = [opt.paramGroups.map((g) => g.lr as number)], moms = [momentums(opt)];
  for (let i = from; i < c.steps; i++) {
    opt.step();
    if (sched instanceof S.ReduceLROnPlateau) sched.step(c.metrics![i]!); else sched.step();
    expect(sched.getLastLr()).toEqual(opt.paramGroups.map((g) => g.lr));
    lrs.push(opt.paramGroups.map((g) => g.lr as number));
    moms.push(momentums(opt));
  }
  return { lrs, moms };
}

describe('torch parity', () => {
  for (const c of schedFixtures.cases) {
    it(`${c.name} gives torch's lr sequence`, () => {
      const { lrs, moms } = run(c);
      close(lrs, c.lrs);
      if (c.momentums) close(moms, c.momentums);
    });
  }
});

describe('stateDict', () => {
  for (const c of schedFixtures.cases) {
    it(`${c.name} resumes from a state dict mid-schedule`, () => {
      const first = makeSchedulerCase(c);
      for (let i = 0; i < 13; i++) {
        first.opt.step();
        if (first.sched instanceof S.ReduceLROnPlateau) first.sched.step(c.metrics![i]!); else first.sched.step();
      }
      // a fresh run, restored the way a checkpoint is: optimizer state (with lr) and scheduler state
      const second = makeSchedulerCase(c);
      const saved = JSON.parse(JSON.stringify({ opt: first.opt.stateDict(), sched: first.sched.stateDict() }));
      second.opt.loadStateDict(saved.opt);
      second.sched.loadStateDict(saved.sched);
      const rest = run(c, 13, second);
      close(rest.lrs, c.lrs.slice(13));
      if (c.momentums) close(rest.moms, c.momentums.slice(13));
    });
  }
  it('uses torch key names', () => {
    const opt = new SGD([F.keep(F.zeros([2]).requiresGrad_())], { lr: 0.1 });
    const sd = new S.StepLR(opt, 3, { gamma: 0.5 }).stateDict();
    expect(sd).toMatchObject({ base_lrs: [0.1], last_epoch: 0, _step_count: 1, _last_lr: [0.1], step_size: 3, gamma: 0.5 });
    expect(opt.stateDict().param_groups[0]).toMatchObject({ lr: 0.1, initial_lr: 0.1 });
  });
});

describe('composition and errors', () => {
  const param = () => F.keep(F.zeros([2]).requiresGrad_());
  it('chained recursive schedulers multiply their factors', () => {
    const opt = new SGD([param()], { lr: 1 });
    const chain = new S.ChainedScheduler([new S.ExponentialLR(opt, 0.5), new S.StepLR(opt, 2, { gamma: 0.1 })]);
    chain.step(); chain.step();
    expect(chain.getLastLr()[0]).toBeCloseTo(0.25 * 0.1, 15);
  });
  it('lastEpoch resumes only with initialLr in the groups', () => {
    const opt = new SGD([param()], { lr: 1 });
    expect(() => new S.StepLR(opt, 2, { lastEpoch: 4 })).toThrow(/initialLr/);
  });
  it('rejects bad options', () => {
    const opt = new SGD([param()], { lr: 1 });
    expect(() => new S.LinearLR(opt, { startFactor: 2 })).toThrow(OptimizerError);
    expect(() => new S.ReduceLROnPlateau(opt, { factor: 1 })).toThrow(/factor must be < 1/);
    expect(() => new S.OneCycleLR(opt, 1)).toThrow(/totalSteps/);
    expect(() => new S.OneCycleLR(opt, [1, 2], { totalSteps: 10 })).toThrow(/expected 1 values for maxLr/);
    expect(() => new S.SequentialLR(opt, [new S.ExponentialLR(opt, 0.9)], [3])).toThrow(/one milestone fewer/);
    const other = new SGD([param()], { lr: 1 });
    expect(() => new S.ChainedScheduler([new S.ExponentialLR(opt, 0.9), new S.ExponentialLR(other, 0.9)])).toThrow(/same optimizer/);
  });
  it('OneCycleLR refuses to step past totalSteps, and needs momentum to cycle it', () => {
    const opt = new Adam([param()]);
    const s = new S.OneCycleLR(opt, 0.1, { totalSteps: 2 });
    s.step(); s.step();
    expect(() => s.step()).toThrow(/tried to step 4 times; the specified number of total steps is 2/);
    expect(() => new S.OneCycleLR(new Adagrad([param()]), 0.1, { totalSteps: 5 })).toThrow(/must support momentum/);
  });
});

describe('unknown option keys', () => {
  const opt = (): SGD => new SGD([F.keep(F.zeros([2]).requiresGrad_())], { lr: 0.1 });
  const loose = (o: Record<string, unknown>): never => o as never;
  it.each([
    ['StepLR', () => new S.StepLR(opt(), 2, loose({ gama: 0.5 })), /StepLR: unknown option 'gama' \(did you mean 'gamma'\?\)/],
    ['CosineAnnealingLR', () => new S.CosineAnnealingLR(opt(), 10, loose({ eta_min: 0.001 })), /CosineAnnealingLR: unknown option 'eta_min' \(did you mean 'etaMin'\?\)/],
    ['LinearLR', () => new S.LinearLR(opt(), loose({ total_iters: 3 })), /LinearLR: unknown option 'total_iters' \(did you mean 'totalIters'\?\)/],
    ['OneCycleLR', () => new S.OneCycleLR(opt(), 0.1, loose({ totalSteps: 10, pct_start: 0.2 })), /OneCycleLR: unknown option 'pct_start' \(did you mean 'pctStart'\?\)/],
    ['ReduceLROnPlateau', () => new S.ReduceLROnPlateau(opt(), loose({ min_lr: 0.001 })), /ReduceLROnPlateau: unknown option 'min_lr' \(did you mean 'minLr'\?\)/],
  ])('%s rejects a misspelt option', (_name, make, message) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(message);
  });
});
