// Resuming from a checkpoint: 2 steps, save the model (safetensors via save) and the optimizer and
// scheduler state (stateDict -> JSON file), load both into fresh objects, 1 more step: the loss and the
// weights equal those of 3 uninterrupted steps exactly (same ops on the same values), and PyTorch's 3rd loss.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keep, type Tensor } from '@flint/core';
import { load, save } from '@flint/nn';
import type { LoadableStateDict, SchedulerStateDict } from '@flint/optim';
import { CASE_NAMES, MODELS, makeOptimizer, makeScheduler } from './models.js';
import { fixtureFile, readRecord, setUp, stateDictToJson, tearDown, trainStep, type Run } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'flint-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const weights = (r: Run): Record<string, number[]> =>
  Object.fromEntries(Object.entries(r.model.stateDict()).map(([k, t]) => [k, Array.from(t.dataSync() as ArrayLike<number | bigint>, Number)]));

describe('resume from a checkpoint', () => {
  for (const name of CASE_NAMES) {
    const record = readRecord(name);
    it(`${name}: save after 2 steps, load into a fresh model and ${record.optimizer.type}, step 3 = uninterrupted step 3`, () => {
      const straight = setUp(name, record);
      const uninterrupted = [0, 1, 2].map(() => trainStep(straight).loss);
      const want = weights(straight);
      tearDown(straight);

      const first = setUp(name, record);
      trainStep(first);
      trainStep(first);
      const modelFile = join(dir, `${name}.safetensors`), optFile = join(dir, `${name}.optim.json`);
      return save(first.model.stateDict(), modelFile).then(() => {
        writeFileSync(optFile, `{"optimizer":${stateDictToJson(first.opt.stateDict())},"scheduler":${JSON.stringify(first.sched?.stateDict() ?? null)}}`);
        tearDown(first);

        // fresh objects: a model with its own random init, an optimizer and scheduler built from scratch
        const model = MODELS[name].make().train();
        const loaded = load(modelFile);
        model.loadStateDict(loaded);
        for (const t of Object.values(loaded)) t.dispose();
        const opt = makeOptimizer(record.optimizer, model.parameters());
        const sched = makeScheduler(record.scheduler, opt);
        const saved = JSON.parse(readFileSync(optFile, 'utf8')) as { optimizer: LoadableStateDict; scheduler: SchedulerStateDict | null };
        opt.loadStateDict(saved.optimizer);
        if (sched && saved.scheduler) sched.loadStateDict(saved.scheduler);
        const { x, y } = load(fixtureFile(name, 'inputs')) as { x: Tensor; y: Tensor };
        const resumed: Run = { model, opt, sched, x: keep(x), y: keep(y), lossFn: MODELS[name].loss() };

        const { loss, lr } = trainStep(resumed);
        expect(lr).toBe(record.lrs[2]);
        expect(loss).toBe(uninterrupted[2]);
        expect(Math.abs(loss - record.losses[2]!) / record.losses[2]!).toBeLessThan(1e-5);
        expect(weights(resumed)).toEqual(want);
        tearDown(resumed);
      });
    });
  }
});
