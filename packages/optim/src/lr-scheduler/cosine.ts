// Annealing schedules: CosineAnnealingLR (torch's recursive form) and OneCycleLR (with momentum cycling).
import { checkOptions, optionKeys } from '@flint/core';
import { OptimizerError } from '../errors.js';
import { snake } from '../keys.js';
import { LRScheduler, lrOf, num, perGroup } from './scheduler.js';
import type { SchedulableOptimizer, SchedulerStateDict } from './scheduler.js';

/**
 * Cosine annealing from the initial lr to etaMin over TMax epochs, then back up (SGDR without restarts).
 * Computed recursively from the current lr, as torch does, so it composes with other schedulers.
 */
export class CosineAnnealingLR extends LRScheduler {
  /** Epochs from the initial lr down to `etaMin` (half a cosine period). */
  TMax: number;
  /** The lowest learning rate. */
  etaMin: number;
  constructor(optimizer: SchedulableOptimizer, TMax: number, o: { etaMin?: number; lastEpoch?: number } = {}) {
    checkOptions('CosineAnnealingLR', o, ['etaMin', 'lastEpoch']);
    const { etaMin = 0, lastEpoch = -1 } = o;
    super(optimizer, lastEpoch);
    this.TMax = TMax;
    this.etaMin = etaMin;
    this.initialStep();
  }
  protected getLr(): number[] {
    const { TMax: T, etaMin: eta, lastEpoch: t } = this, groups = this.optimizer.paramGroups;
    if (t === 0) return groups.map(lrOf);
    if (this.stepCount === 1 && t > 0) return this.baseLrs.map((b) => eta + ((b - eta) * (1 + Math.cos((t * Math.PI) / T))) / 2);
    if ((t - 1 - T) % (2 * T) === 0) return groups.map((g, i) => lrOf(g) + ((this.baseLrs[i]! - eta) * (1 - Math.cos(Math.PI / T))) / 2);
    return groups.map((g) => ((1 + Math.cos((Math.PI * t) / T)) / (1 + Math.cos((Math.PI * (t - 1)) / T))) * (lrOf(g) - eta) + eta);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.TMax))) / 2);
  }
  protected override extraState(): SchedulerStateDict { return { T_max: this.TMax, eta_min: this.etaMin }; }
  /** Restores `T_max` and `eta_min`. */
  protected override loadExtra(sd: SchedulerStateDict): void { this.TMax = num(sd, 'T_max', this.TMax); this.etaMin = num(sd, 'eta_min', this.etaMin); }
}

/** Options of {@link OneCycleLR}, torch's keyword arguments in camelCase. */
export interface OneCycleLROptions {
  /** Steps in the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  /** Epochs in the cycle (with `stepsPerEpoch`, instead of `totalSteps`). */
  epochs?: number;
  /** Steps per epoch (with `epochs`, instead of `totalSteps`). */
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr. */
  pctStart?: number;
  /** How the lr moves between phases: cosine (default) or linear. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (SGD, RMSprop) or beta1 (Adam, AdamW) inversely to the lr. */
  cycleMomentum?: boolean;
  /** The lowest momentum (or beta1), reached at the peak lr; per group or one for all (default 0.85). */
  baseMomentum?: number | readonly number[];
  /** The highest momentum (or beta1), at the start and end; per group or one for all (default 0.95). */
  maxMomentum?: number | readonly number[];
  /** initial lr = maxLr / divFactor. */
  divFactor?: number;
  /** min lr = initial lr / finalDivFactor. */
  finalDivFactor?: number;
  /** A third phase annealing from the initial lr to the min lr (fast.ai's schedule otherwise). */
  threePhase?: boolean;
  /** The step to resume from (default -1: start). */
  lastEpoch?: number;
}

interface Phase { endStep: number; startLr: string; endLr: string; startMomentum: string; endMomentum: string }
const phase = (endStep: number, startLr: string, endLr: string, startMomentum: string, endMomentum: string): Phase => ({ endStep, startLr, endLr, startMomentum, endMomentum });

/** The 1cycle policy (Smith & Topin): up to maxLr, then annealed far below the initial lr; set per batch. */
export class OneCycleLR extends LRScheduler {
  /** Steps in the whole cycle. */
  totalSteps: number;
  /** The cycle's phases: where each ends and the group keys its lr and momentum move between. */
  readonly phases: Phase[];
  /** Interpolates from `start` to `end` at fraction `pct` of a phase (cosine or linear). */
  readonly anneal: (start: number, end: number, pct: number) => number;
  /** `'cos'` or `'linear'`, as given. */
  readonly annealStrategy: 'cos' | 'linear';
  /** Whether momentum (or beta1) is cycled inversely to the lr. */
  readonly cycleMomentum: boolean;
  /** Whether the optimizer's momentum is `betas[0]` (Adam, AdamW) rather than `momentum`. */
  readonly useBeta1: boolean;

  constructor(optimizer: SchedulableOptimizer, maxLr: number | readonly number[], o: OneCycleLROptions = {}) {
    checkOptions('OneCycleLR', o, optionKeys<OneCycleLROptions>()('totalSteps', 'epochs', 'stepsPerEpoch', 'pctStart', 'annealStrategy', 'cycleMomentum', 'baseMomentum', 'maxMomentum', 'divFactor', 'finalDivFactor', 'threePhase', 'lastEpoch'));
    const { pctStart = 0.3, annealStrategy = 'cos', cycleMomentum = true, baseMomentum = 0.85, maxMomentum = 0.95, divFactor = 25, finalDivFactor = 1e4, threePhase = false, lastEpoch = -1 } = o;
    const totalSteps = oneCycleSteps(o);
    if (!(pctStart >= 0 && pctStart <= 1)) throw new OptimizerError(`OneCycleLR: pctStart must be a number in [0, 1], got ${pctStart}`);
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear') throw new OptimizerError(`OneCycleLR: annealStrategy must be 'cos' or 'linear', got '${String(annealStrategy)}'`);
    const maxLrs = perGroup('OneCycleLR', 'maxLr', optimizer, maxLr);
    const groups = optimizer.paramGroups;
    if (lastEpoch === -1) {
      groups.forEach((g, i) => { g.initialLr = maxLrs[i]! / divFactor; g.maxLr = maxLrs[i]; g.minLr = (g.initialLr as number) / finalDivFactor; });
    }
    const useBeta1 = 'betas' in optimizer.defaults;
    if (cycleMomentum) {
      if (!('momentum' in optimizer.defaults) && !useBeta1) throw new OptimizerError('OneCycleLR: optimizer must support momentum (momentum or betas) with the cycleMomentum option enabled');
      const maxes = perGroup('OneCycleLR', 'maxMomentum', optimizer, maxMomentum);
      const bases = perGroup('OneCycleLR', 'baseMomentum', optimizer, baseMomentum);
      if (lastEpoch === -1) {
        groups.forEach((g, i) => {
          setMomentum(g, useBeta1, maxes[i]!);
          g.maxMomentum = maxes[i];
          g.baseMomentum = bases[i];
        });
      }
    }
    super(optimizer, lastEpoch);
    this.totalSteps = totalSteps;
    const up = pctStart * totalSteps;
    this.phases = threePhase
      ? [phase(up - 1, 'initialLr', 'maxLr', 'maxMomentum', 'baseMomentum'), phase(2 * up - 2, 'maxLr', 'initialLr', 'baseMomentum', 'maxMomentum'),
        phase(totalSteps - 1, 'initialLr', 'minLr', 'maxMomentum', 'maxMomentum')]
      : [phase(up - 1, 'initialLr', 'maxLr', 'maxMomentum', 'baseMomentum'), phase(totalSteps - 1, 'maxLr', 'minLr', 'baseMomentum', 'maxMomentum')];
    this.annealStrategy = annealStrategy;
    this.anneal = annealStrategy === 'cos'
      ? (start, end, pct) => end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1)
      : (start, end, pct) => (end - start) * pct + start;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.initialStep();
  }

  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) throw new OptimizerError(`OneCycleLR: tried to step ${stepNum + 1} times; the specified number of total steps is ${this.totalSteps}`);
    return this.optimizer.paramGroups.map((g) => {
      let start = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const p = this.phases[i]!;
        if (stepNum <= p.endStep || i === this.phases.length - 1) {
          const pct = (stepNum - start) / (p.endStep - start);
          if (this.cycleMomentum) setMomentum(g, this.useBeta1, this.anneal(g[p.startMomentum] as number, g[p.endMomentum] as number, pct));
          return this.anneal(g[p.startLr] as number, g[p.endLr] as number, pct);
        }
        start = p.endStep;
      }
      return lrOf(g);
    });
  }
  protected override extraState(): SchedulerStateDict {
    return { total_steps: this.totalSteps, cycle_momentum: this.cycleMomentum, use_beta1: this.useBeta1, anneal_strategy: this.annealStrategy,
      _schedule_phases: this.phases.map((p) => ({ end_step: p.endStep, start_lr: snake(p.startLr), end_lr: snake(p.endLr), start_momentum: snake(p.startMomentum), end_momentum: snake(p.endMomentum) })) };
  }
  /** Restores `total_steps`. */
  protected override loadExtra(sd: SchedulerStateDict): void { this.totalSteps = num(sd, 'total_steps', this.totalSteps); }
}

function setMomentum(g: { [key: string]: unknown }, useBeta1: boolean, m: number): void {
  if (useBeta1) g.betas = [m, ...(g.betas as number[]).slice(1)];
  else g.momentum = m;
}

function oneCycleSteps({ totalSteps, epochs, stepsPerEpoch }: OneCycleLROptions): number {
  const positiveInt = (name: string, v: number): number => {
    if (!(Number.isInteger(v) && v > 0)) throw new OptimizerError(`OneCycleLR: expected a positive integer ${name}, got ${v}`);
    return v;
  };
  if (totalSteps !== undefined) return positiveInt('totalSteps', totalSteps);
  if (epochs === undefined || stepsPerEpoch === undefined) throw new OptimizerError('OneCycleLR: give either totalSteps, or epochs and stepsPerEpoch');
  return positiveInt('epochs', epochs) * positiveInt('stepsPerEpoch', stepsPerEpoch);
}
