// Shared by the tests: the PyTorch fixtures (tooling/fixtures/gen_optim.py), devices with and without the
// fused kernels, and building an optimizer or scheduler from a fixture case.
import { readFileSync } from 'node:fs';
import { createCpuBackend } from '@flint/backend-cpu';
import * as F from '@flint/core';
import { withoutKernels } from '@flint/backend-testkit';
import '@flint/autograd';
import { Adagrad, Adam, AdamW, RMSprop, SGD } from './index.js';
import type { Optimizer } from './index.js';
import * as S from './lr-scheduler/index.js';

export const FUSED = 'cpu-fused', COMPOSITE = 'cpu-composite';
// the CPU backend's table carries the fused sgdStep/adamStep kernels; COMPOSITE hides them
F.registerBackend(FUSED, () => ({ ...createCpuBackend(), name: FUSED }));
F.registerBackend(COMPOSITE, withoutKernels(createCpuBackend, ['sgdStep', 'adamStep'], COMPOSITE));

const load = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as T;

export type Flat = number[];
export interface OptCase {
  name: string; optimizer: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop' | 'Adagrad'; dtype: 'float32' | 'float64';
  groups: { params: number[]; options?: Record<string, unknown> }[];
  defaults: Record<string, unknown>;
  steps: { params: Flat[]; state: Record<string, Record<string, Flat | number | null>> }[];
  stateDict: { state: Record<string, Record<string, Flat | number | null>>; param_groups: (Record<string, unknown> & { params: number[] })[] };
}
export interface OptFixtures { params: { shape: number[]; data: Flat }[]; grads: (Flat | null)[][]; cases: OptCase[] }
export interface SchedSpec { type: string; options?: Record<string, unknown>; schedulers?: SchedSpec[]; milestones?: number[] }
export interface SchedCase {
  name: string; optimizer: { type: 'SGD' | 'Adam'; options?: Record<string, unknown> }; groups: { lr: number }[];
  scheduler: SchedSpec; steps: number; lrs: number[][]; momentums?: number[][]; metrics?: number[];
}

export const optFixtures = load<OptFixtures>('optimizers.json');
export const schedFixtures = load<{ cases: SchedCase[] }>('schedulers.json');

const CLASSES = { SGD, Adam, AdamW, RMSprop, Adagrad };
type AnyOpt = Optimizer<{ lr?: number }>;

/** The fixture's parameters, as fresh leaves of `dtype` on `device`. */
export function makeParams(dtype: F.DType, device: string): F.Tensor[] {
  return optFixtures.params.map((p) => F.keep(F.tensor(p.data, { dtype, device }).reshape(p.shape).requiresGrad_()));
}

export function makeOptimizer(c: OptCase, params: F.Tensor[]): AnyOpt {
  const groups = c.groups.map((g) => ({ ...(g.options ?? {}), params: g.params.map((i) => params[i]!) }));
  const Cls = CLASSES[c.optimizer] as unknown as new (p: unknown, o: unknown) => AnyOpt;
  return new Cls(groups, c.defaults);
}

/** Set each parameter's .grad to step s's fixture gradient (null where torch had None). */
export function setGrads(params: F.Tensor[], s: number): void {
  params.forEach((p, i) => {
    const old = p.grad;
    const g = optFixtures.grads[s]![i];
    p.grad = g ? F.tensor(g, { dtype: p.dtype, device: p.device }).reshape(p.shape) : null;
    old?.dispose();
  });
}

export const LAMBDAS: Record<string, (e: number) => number> = { inv: (e) => 1 / (e + 1), pow95: (e) => 0.95 ** e };

export function makeScheduler(opt: S.SchedulableOptimizer, spec: SchedSpec): S.Scheduler {
  const o = { ...(spec.options ?? {}) } as Record<string, never>;
  const pop = <V>(k: string): V => { const v = o[k] as V; delete o[k]; return v; };
  switch (spec.type) {
    case 'StepLR': return new S.StepLR(opt, pop('stepSize'), o);
    case 'MultiStepLR': return new S.MultiStepLR(opt, pop('milestones'), o);
    case 'ExponentialLR': return new S.ExponentialLR(opt, pop('gamma'), o);
    case 'CosineAnnealingLR': return new S.CosineAnnealingLR(opt, pop('TMax'), o);
    case 'LinearLR': return new S.LinearLR(opt, o);
    case 'LambdaLR': return new S.LambdaLR(opt, LAMBDAS[pop<string>('lrLambda')]!, o);
    case 'OneCycleLR': return new S.OneCycleLR(opt, pop('maxLr'), o);
    case 'ReduceLROnPlateau': return new S.ReduceLROnPlateau(opt, o);
    case 'SequentialLR': return new S.SequentialLR(opt, spec.schedulers!.map((s) => makeScheduler(opt, s) as S.LRScheduler), spec.milestones!);
    case 'ChainedScheduler': return new S.ChainedScheduler(spec.schedulers!.map((s) => makeScheduler(opt, s)));
    default: throw new Error(`unknown scheduler ${spec.type}`);
  }
}

export function makeSchedulerCase(c: SchedCase, device = 'cpu'): { opt: AnyOpt; sched: S.Scheduler } {
  const params = c.groups.map(() => F.keep(F.zeros([2], { device }).requiresGrad_()));
  const Cls = (c.optimizer.type === 'SGD' ? SGD : Adam) as unknown as new (p: unknown, o: unknown) => AnyOpt;
  const opt = new Cls(c.groups.map((g, i) => ({ ...g, params: [params[i]] })), c.optimizer.options ?? {});
  return { opt, sched: makeScheduler(opt, c.scheduler) };
}

/** Largest |a - b| / (atol + rtol |b|) style error: returns max |a-b| and whether all are within tolerance. */
export function compare(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number): { maxAbs: number; ok: boolean } {
  let maxAbs = 0, ok = actual.length === expected.length;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    maxAbs = Math.max(maxAbs, d);
    if (!(d <= atol + rtol * Math.abs(expected[i]!))) ok = false;
  }
  return { maxAbs, ok };
}

export const TOL = { float32: { rtol: 1e-5, atol: 1e-6 }, float64: { rtol: 1e-12, atol: 1e-14 } } as const;
