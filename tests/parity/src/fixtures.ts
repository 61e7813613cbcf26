// Reading the PyTorch runs (tooling/parity/gen_training.py writes fixtures/training/), running the same
// training steps in Flint, and measuring how far apart the two are.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import '@flint/backend-cpu';
import { Tensor, keep, scope } from '@flint/core';
import { load, type Module } from '@flint/nn';
import type { OptimizerStateDict, Scheduler } from '@flint/optim';
import { MODELS, makeOptimizer, makeScheduler, type AnyOptimizer, type CaseName, type Spec } from './models.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/training/', import.meta.url));

/** A tensor too large to store whole: every `every`-th element of its flattened values. */
export interface Sampled { shape: number[]; every: number; values: number[] }
export type SavedValue = number[] | Sampled | number | null;
export interface TorchRun {
  case: CaseName; torch: string; steps: number; optimizer: Spec; scheduler: Spec | null;
  losses: number[]; lrs: number[];
  optimizerState: { state: Record<string, Record<string, SavedValue>>; param_groups: (Record<string, unknown> & { params: number[] })[] };
  /** The same run in float64: its losses and (sampled) final state dict. */
  float64: { losses: number[]; final: Record<string, number[] | Sampled> };
}

export const readRecord = (name: CaseName): TorchRun => JSON.parse(readFileSync(`${FIXTURES}${name}.json`, 'utf8')) as TorchRun;
export const fixtureFile = (name: CaseName, part: 'init' | 'inputs' | 'final'): string => `${FIXTURES}${name}.${part}.safetensors`;

/** Tensors made here outlive the caller's scopes; dispose them (or the returned run) when done. */
export interface Run { model: Module; opt: AnyOptimizer; sched: Scheduler | null; x: Tensor; y: Tensor; lossFn: { forward(a: Tensor, b: Tensor): Tensor } }

/** A fresh model holding the fixture's initial weights, its optimizer, scheduler and batch. */
export function setUp(name: CaseName, record = readRecord(name)): Run {
  const model = MODELS[name].make().train();
  const init = load(fixtureFile(name, 'init'));
  model.loadStateDict(init);
  for (const t of Object.values(init)) t.dispose();
  const { x, y } = load(fixtureFile(name, 'inputs')) as { x: Tensor; y: Tensor };
  const opt = makeOptimizer(record.optimizer, model.parameters());
  return { model, opt, sched: makeScheduler(record.scheduler, opt), x: keep(x), y: keep(y), lossFn: MODELS[name].loss() };
}

/** One torch-style step: zero_grad, forward, backward, optimizer.step(), scheduler.step(). Returns the loss and the lr used. */
export function trainStep(r: Run): { loss: number; lr: number } {
  return scope(() => {
    r.opt.zeroGrad();
    const loss = r.lossFn.forward(r.model.call(r.x) as Tensor, r.y);
    loss.backward();
    const lr = r.opt.paramGroups[0]!.lr as number;
    r.opt.step();
    r.sched?.step();
    return { loss: Number(loss.itemSync()), lr };
  });
}

export function tearDown(r: Run): void {
  r.opt.zeroGrad();
  r.opt.dispose();
  r.model.dispose();
  r.x.dispose();
  r.y.dispose();
}

/** Differences between Flint's values and PyTorch's. rel is over elements with |torch| >= REL_FLOOR. */
export interface Diff { maxAbs: number; maxRel: number; worst: number; count: number; where: string }
export const REL_FLOOR = 1e-3;
export const emptyDiff = (): Diff => ({ maxAbs: 0, maxRel: 0, worst: 0, count: 0, where: '' });

/**
 * Fold |got - want| into `d`. `worst` is the largest |got - want| / (atol + rtol |want|): the values agree
 * within tolerance when it is <= 1. `where` names the element with the worst ratio.
 */
export function diff(d: Diff, what: string, got: ArrayLike<number | bigint>, want: ArrayLike<number>, rtol: number, atol: number): Diff {
  if (got.length !== want.length) throw new Error(`${what}: Flint has ${got.length} values, PyTorch ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const a = Number(got[i]), b = want[i]!, e = Math.abs(a - b);
    if (Number.isNaN(a) !== Number.isNaN(b)) { d.worst = Infinity; d.where = `${what}[${i}]: Flint ${a}, PyTorch ${b}`; continue; }
    d.maxAbs = Math.max(d.maxAbs, e);
    if (Math.abs(b) >= REL_FLOOR) d.maxRel = Math.max(d.maxRel, e / Math.abs(b));
    const ratio = e / (atol + rtol * Math.abs(b));
    if (ratio > d.worst) { d.worst = ratio; d.where = `${what}[${i}]: Flint ${a}, PyTorch ${b}`; }
    d.count++;
  }
  return d;
}

/** A saved state value as the flat values it stands for, plus how to pick the same elements from Flint's tensor. */
export function expand(v: number[] | Sampled): { values: number[]; pick: (flat: ArrayLike<number | bigint>) => number[] } {
  if (Array.isArray(v)) return { values: v, pick: (f) => Array.from(f, Number) };
  return { values: v.values, pick: (f) => v.values.map((_, i) => Number(f[i * v.every])) };
}

/** An optimizer's stateDict() as JSON-ready data: tensors become flat number arrays (what loadStateDict accepts). */
export function stateDictToJson(sd: OptimizerStateDict): string {
  return JSON.stringify(sd, (_k, v: unknown) => (v instanceof Tensor ? Array.from(v.dataSync() as ArrayLike<number>, Number) : v));
}

export const fmtDiff = (d: Diff): string => `max abs ${d.maxAbs.toExponential(2)}, max rel ${d.maxRel.toExponential(2)}`;
