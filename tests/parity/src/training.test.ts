// Training parity with PyTorch 1.13: from the same initial weights and batch, Flint's steps give the same
// loss at every step, the same weights (and BatchNorm buffers) at the end, and the same optimizer state.
// Tolerances (float32): losses rtol 1e-5; weights, buffers and optimizer state rtol 1e-4 with atol 1e-6
// (an element passes when |flint - torch| <= atol + rtol * |torch|), except where Adam and centered RMSprop
// divide tiny gradients by their own running RMS and so amplify float32 rounding: there atol is 5e-5, since
// torch's own float32 run ends up to 1.1e-5 (vgg_adam) and 1.7e-5 (gru_rmsprop) from its float64 run.
// The float64 runs take the rounding out: Flint must then agree with torch to 1e-10.
import { afterAll, describe, expect, it } from 'vitest';
import { Tensor } from '@flint/core';
import { load } from '@flint/nn';
import { CASE_NAMES, MODELS, makeOptimizer, makeScheduler, type CaseName } from './models.js';
import { diff, emptyDiff, expand, fixtureFile, fmtDiff, readRecord, setUp, tearDown, trainStep, type Diff } from './fixtures.js';

const LOSS_TOL = { rtol: 1e-5, atol: 0 };
const WEIGHT_TOL = { rtol: 1e-4, atol: 1e-6 };
const AMPLIFIED: Partial<Record<CaseName, number>> = { vgg_adam: 5e-5, gru_rmsprop: 5e-5 };
const F64_TOL = { rtol: 1e-10, atol: 1e-13 };

const report: string[] = [];
afterAll(() => console.log(`Flint vs PyTorch (rel over |torch| >= 1e-3):\n${report.join('\n')}`));

describe('training matches PyTorch', () => {
  for (const name of CASE_NAMES) {
    const record = readRecord(name);
    const sched = record.scheduler ? ` + ${record.scheduler.type}` : '';
    it(`${name}: ${record.steps} ${record.optimizer.type}${sched} steps give torch's losses, final weights and optimizer state`, () => {
      const tol = { rtol: WEIGHT_TOL.rtol, atol: AMPLIFIED[name] ?? WEIGHT_TOL.atol };
      const run = setUp(name, record);
      const losses: number[] = [], lrs: number[] = [];
      for (let s = 0; s < record.steps; s++) {
        const { loss, lr } = trainStep(run);
        losses.push(loss);
        lrs.push(lr);
      }
      // the schedule itself is plain arithmetic: it must agree to double precision
      lrs.forEach((lr, s) => expect(lr, `lr at step ${s}`).toBeCloseTo(record.lrs[s]!, 12));
      const lossDiff = diff(emptyDiff(), 'loss', losses, record.losses, LOSS_TOL.rtol, LOSS_TOL.atol);

      // final parameters and buffers (BatchNorm running statistics and counters) against torch's state_dict()
      const final = load(fixtureFile(name, 'final'));
      const own = run.model.stateDict();
      expect(Object.keys(own).sort()).toEqual(Object.keys(final).sort());
      const weightDiff = emptyDiff();
      for (const [k, want] of Object.entries(final)) {
        expect(own[k]!.shape, k).toEqual(want.shape);
        diff(weightDiff, k, own[k]!.dataSync() as ArrayLike<number>, Array.from(want.dataSync() as ArrayLike<number | bigint>, Number), tol.rtol, tol.atol);
        want.dispose();
      }

      // optimizer state, parameter by parameter, under torch's keys
      const sd = run.opt.stateDict();
      const saved = record.optimizerState;
      expect(Object.keys(sd.state).sort()).toEqual(Object.keys(saved.state).sort());
      const stateDiff = emptyDiff();
      for (const [i, entries] of Object.entries(saved.state)) {
        const mine = sd.state[Number(i)]!;
        expect(Object.keys(mine).sort(), `state keys of parameter ${i}`).toEqual(Object.keys(entries).sort());
        for (const [key, v] of Object.entries(entries)) {
          const got = mine[key];
          if (v === null || typeof v === 'number') { expect(got, `state[${i}].${key}`).toBe(v); continue; }
          expect(got, `state[${i}].${key}`).toBeInstanceOf(Tensor);
          const { values, pick } = expand(v);
          diff(stateDiff, `state[${i}].${key}`, pick((got as Tensor).dataSync() as ArrayLike<number>), values, tol.rtol, tol.atol);
        }
      }
      expect(sd.param_groups[0]!.lr).toBeCloseTo(saved.param_groups[0]!.lr as number, 12);

      report.push(`${name.padEnd(16)} float32: loss ${fmtDiff(lossDiff)} | weights ${fmtDiff(weightDiff)} | optimizer state ${fmtDiff(stateDiff)}`);
      tearDown(run);
      const ok = (d: Diff, what: string): void => expect(d.worst, `${what} out of tolerance at ${d.where} (${fmtDiff(d)})`).toBeLessThanOrEqual(1);
      ok(lossDiff, 'loss');
      ok(weightDiff, 'weights');
      ok(stateDiff, 'optimizer state');
    });
  }
});

describe('training in float64 matches PyTorch to 1e-10', () => {
  for (const name of CASE_NAMES) {
    const record = readRecord(name);
    it(`${name}: the same ${record.steps} steps in float64 give torch's float64 losses and final weights`, () => {
      const model = MODELS[name].make().train();
      const init = load(fixtureFile(name, 'init'));
      model.loadStateDict(init);
      model.double();
      const inputs = load(fixtureFile(name, 'inputs'));
      const [x, y] = [inputs.x!, inputs.y!].map((t) => (t.dtype === 'float32' ? t.to('float64') : t)) as [Tensor, Tensor];
      const opt = makeOptimizer(record.optimizer, model.parameters());
      const run = { model, opt, sched: makeScheduler(record.scheduler, opt), x, y, lossFn: MODELS[name].loss() };
      const losses = Array.from({ length: record.steps }, () => trainStep(run).loss);
      const lossDiff = diff(emptyDiff(), 'loss', losses, record.float64.losses, F64_TOL.rtol, F64_TOL.atol);
      const own = model.stateDict();
      expect(Object.keys(own).sort()).toEqual(Object.keys(record.float64.final).sort());
      const weightDiff = emptyDiff();
      for (const [k, v] of Object.entries(record.float64.final)) {
        const { values, pick } = expand(v);
        diff(weightDiff, k, pick(own[k]!.dataSync() as ArrayLike<number | bigint>), values, F64_TOL.rtol, F64_TOL.atol);
      }
      report.push(`${name.padEnd(16)} float64: loss ${fmtDiff(lossDiff)} | weights ${fmtDiff(weightDiff)}`);
      tearDown(run);
      for (const t of [...Object.values(init), ...Object.values(inputs)]) if (!t.isDisposed) t.dispose();
      expect(lossDiff.worst, `loss: ${lossDiff.where}`).toBeLessThanOrEqual(1);
      expect(weightDiff.worst, `weights: ${weightDiff.where}`).toBeLessThanOrEqual(1);
    });
  }
});
