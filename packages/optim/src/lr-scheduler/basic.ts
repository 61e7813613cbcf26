// Multiplicative schedules: StepLR, MultiStepLR, ExponentialLR, LinearLR, LambdaLR (torch 1.13's formulas).
import { checkOptions } from '@flint/core';
import { OptimizerError } from '../errors.js';
import { LRScheduler, lrOf, num, perGroup } from './scheduler.js';
import type { SchedulableOptimizer, SchedulerStateDict } from './scheduler.js';

const lrs = (s: LRScheduler): number[] => s.optimizer.paramGroups.map(lrOf);

/** Multiply the lr by gamma every `stepSize` epochs. */
export class StepLR extends LRScheduler {
  /** Epochs between decays. */
  stepSize: number;
  /** Factor the lr is multiplied by at each decay. */
  gamma: number;
  constructor(optimizer: SchedulableOptimizer, stepSize: number, o: { gamma?: number; lastEpoch?: number } = {}) {
    checkOptions('StepLR', o, ['gamma', 'lastEpoch']);
    const { gamma = 0.1, lastEpoch = -1 } = o;
    if (!Number.isInteger(stepSize) || stepSize < 1) throw new TypeError(`StepLR: stepSize must be a positive integer (new StepLR(optimizer, stepSize, { gamma })), got ${typeof stepSize === 'object' ? JSON.stringify(stepSize) : String(stepSize)}`);
    super(optimizer, lastEpoch);
    this.stepSize = stepSize;
    this.gamma = gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return lrs(this);
    return lrs(this).map((lr) => lr * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
  protected override extraState(): SchedulerStateDict { return { step_size: this.stepSize, gamma: this.gamma }; }
  /** Restores `step_size` and `gamma`. */
  protected override loadExtra(sd: SchedulerStateDict): void { this.stepSize = num(sd, 'step_size', this.stepSize); this.gamma = num(sd, 'gamma', this.gamma); }
}

/** Multiply the lr by gamma at each milestone (a milestone listed twice multiplies by gamma twice). */
export class MultiStepLR extends LRScheduler {
  /** The epochs at which the lr is decayed, sorted. */
  milestones: number[];
  /** Factor the lr is multiplied by at each milestone. */
  gamma: number;
  constructor(optimizer: SchedulableOptimizer, milestones: readonly number[], o: { gamma?: number; lastEpoch?: number } = {}) {
    checkOptions('MultiStepLR', o, ['gamma', 'lastEpoch']);
    const { gamma = 0.1, lastEpoch = -1 } = o;
    super(optimizer, lastEpoch);
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.gamma = gamma;
    this.initialStep();
  }
  private count(pred: (m: number) => boolean): number { return this.milestones.filter(pred).length; }
  protected getLr(): number[] {
    const hits = this.count((m) => m === this.lastEpoch);
    if (hits === 0) return lrs(this);
    return lrs(this).map((lr) => lr * this.gamma ** hits);
  }
  protected override closedFormLr(): number[] {
    const passed = this.count((m) => m <= this.lastEpoch);
    return this.baseLrs.map((b) => b * this.gamma ** passed);
  }
  // torch keeps a Counter {milestone: times}
  protected override extraState(): SchedulerStateDict {
    const milestones: Record<number, number> = {};
    for (const m of this.milestones) milestones[m] = (milestones[m] ?? 0) + 1;
    return { milestones, gamma: this.gamma };
  }
  /** Restores `milestones` (torch's counter of milestones) and `gamma`. */
  protected override loadExtra(sd: SchedulerStateDict): void {
    const m = sd.milestones;
    if (m && typeof m === 'object' && !Array.isArray(m)) {
      this.milestones = Object.entries(m as Record<string, number>).flatMap(([k, n]) => Array<number>(n).fill(Number(k))).sort((a, b) => a - b);
    }
    this.gamma = num(sd, 'gamma', this.gamma);
  }
}

/** Multiply the lr by gamma every epoch. */
export class ExponentialLR extends LRScheduler {
  /** Factor the lr is multiplied by every epoch. */
  gamma: number;
  constructor(optimizer: SchedulableOptimizer, gamma: number, o: { lastEpoch?: number } = {}) {
    checkOptions('ExponentialLR', o, ['lastEpoch']);
    const { lastEpoch = -1 } = o;
    super(optimizer, lastEpoch);
    this.gamma = gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return lrs(this);
    return lrs(this).map((lr) => lr * this.gamma);
  }
  protected override closedFormLr(): number[] { return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch); }
  protected override extraState(): SchedulerStateDict { return { gamma: this.gamma }; }
  /** Restores `gamma`. */
  protected override loadExtra(sd: SchedulerStateDict): void { this.gamma = num(sd, 'gamma', this.gamma); }
}

/**
 * Options of {@link LinearLR}.
 * @property startFactor - the lr's multiplier at the first epoch, in [0, 1] (default 1/3)
 * @property endFactor - the multiplier reached after `totalIters` epochs, in [0, 1] (default 1)
 * @property totalIters - epochs over which the multiplier moves (default 5)
 * @property lastEpoch - the epoch to resume from (default -1: start)
 */
export interface LinearLROptions { startFactor?: number; endFactor?: number; totalIters?: number; lastEpoch?: number }

/** Scale the lr linearly from startFactor to endFactor over totalIters epochs (warm-up), then hold. */
export class LinearLR extends LRScheduler {
  /** The lr's multiplier at the first epoch. */
  startFactor: number;
  /** The multiplier reached after `totalIters` epochs. */
  endFactor: number;
  /** Epochs over which the multiplier moves from `startFactor` to `endFactor`. */
  totalIters: number;
  constructor(optimizer: SchedulableOptimizer, o: LinearLROptions = {}) {
    checkOptions('LinearLR', o, ['startFactor', 'endFactor', 'totalIters', 'lastEpoch']);
    const { startFactor = 1 / 3, endFactor = 1, totalIters = 5, lastEpoch = -1 } = o;
    if (startFactor > 1 || startFactor < 0) throw new OptimizerError(`LinearLR: startFactor ${startFactor} must be in [0, 1]`);
    if (endFactor > 1 || endFactor < 0) throw new OptimizerError(`LinearLR: endFactor ${endFactor} must be in [0, 1]`);
    super(optimizer, lastEpoch);
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this.initialStep();
  }
  protected getLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: n, lastEpoch: t } = this;
    if (t === 0) return lrs(this).map((lr) => lr * s);
    if (t > n) return lrs(this);
    return lrs(this).map((lr) => lr * (1 + (e - s) / (n * s + (t - 1) * (e - s))));
  }
  protected override closedFormLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: n } = this;
    return this.baseLrs.map((b) => b * (s + ((e - s) * Math.min(n, this.lastEpoch)) / n));
  }
  protected override extraState(): SchedulerStateDict { return { start_factor: this.startFactor, end_factor: this.endFactor, total_iters: this.totalIters }; }
  /** Restores `start_factor`, `end_factor` and `total_iters`. */
  protected override loadExtra(sd: SchedulerStateDict): void {
    this.startFactor = num(sd, 'start_factor', this.startFactor);
    this.endFactor = num(sd, 'end_factor', this.endFactor);
    this.totalIters = num(sd, 'total_iters', this.totalIters);
  }
}

/** lr = initial lr × lrLambda(epoch); one function for all groups or one per group. */
export class LambdaLR extends LRScheduler {
  /** One multiplier function per parameter group, of the epoch. */
  lrLambdas: ((epoch: number) => number)[];
  constructor(optimizer: SchedulableOptimizer, lrLambda: ((epoch: number) => number) | readonly ((epoch: number) => number)[], o: { lastEpoch?: number } = {}) {
    checkOptions('LambdaLR', o, ['lastEpoch']);
    const { lastEpoch = -1 } = o;
    super(optimizer, lastEpoch);
    this.lrLambdas = perGroup('LambdaLR', 'lrLambda', optimizer, lrLambda);
    this.initialStep();
  }
  protected getLr(): number[] { return this.baseLrs.map((b, i) => b * this.lrLambdas[i]!(this.lastEpoch)); }
  // functions can't be saved; torch stores None for plain functions
  protected override extraState(): SchedulerStateDict { return { lr_lambdas: this.lrLambdas.map(() => null) }; }
}
