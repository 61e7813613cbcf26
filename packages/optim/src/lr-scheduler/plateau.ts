// ReduceLROnPlateau: cut the lr when a metric stops improving (torch 1.13's, fed the metric each epoch).
import { checkOptions, optionKeys } from '@flint/core';
import { OptimizerError } from '../errors.js';
import { lrOf, num, perGroup } from './scheduler.js';
import type { SchedulableOptimizer, Scheduler, SchedulerStateDict } from './scheduler.js';

/** Options of {@link ReduceLROnPlateau}, torch's keyword arguments in camelCase. */
export interface ReduceLROnPlateauOptions {
  /** 'min': the metric should fall (a loss); 'max': rise (an accuracy). */
  mode?: 'min' | 'max';
  /** new lr = lr × factor (< 1). */
  factor?: number;
  /** Epochs without improvement tolerated before cutting the lr. */
  patience?: number;
  /** How much better counts as better: relative (best × (1 ∓ threshold)) or absolute (best ∓ threshold). */
  threshold?: number;
  /** Whether `threshold` is relative (`'rel'`, default) or absolute (`'abs'`). */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a cut before counting bad epochs again. */
  cooldown?: number;
  /** The lowest lr, per group or one for all (default 0). */
  minLr?: number | readonly number[];
  /** Cuts smaller than eps are skipped. */
  eps?: number;
}

export class ReduceLROnPlateau implements Scheduler {
  /** `'min'`: the metric should fall; `'max'`: rise. */
  mode: 'min' | 'max';
  /** Multiplier applied to the lr at each cut. */
  factor: number;
  /** Epochs without improvement tolerated before a cut. */
  patience: number;
  /** How much better counts as an improvement. */
  threshold: number;
  /** Whether `threshold` is relative or absolute. */
  thresholdMode: 'rel' | 'abs';
  /** Epochs to wait after a cut before counting bad epochs again. */
  cooldown: number;
  /** The lowest lr of each group. */
  minLrs: number[];
  /** Cuts smaller than this are skipped. */
  eps: number;
  /** The best metric seen so far. */
  best: number;
  /** Consecutive epochs without improvement. */
  numBadEpochs = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  /** Epochs stepped so far. */
  lastEpoch = 0;
  private lastLr: number[];

  /** @param optimizer - the optimizer whose learning rates are cut */
  constructor(readonly optimizer: SchedulableOptimizer, o: ReduceLROnPlateauOptions = {}) {
    checkOptions('ReduceLROnPlateau', o, optionKeys<ReduceLROnPlateauOptions>()('mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps'));
    const { mode = 'min', factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = 'rel', cooldown = 0, minLr = 0, eps = 1e-8 } = o;
    if (factor >= 1) throw new OptimizerError(`ReduceLROnPlateau: factor must be < 1, got ${factor}`);
    checkModes(mode, thresholdMode);
    this.mode = mode;
    this.factor = factor;
    this.patience = patience;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.cooldown = cooldown;
    this.minLrs = perGroup('ReduceLROnPlateau', 'minLr', optimizer, minLr);
    this.eps = eps;
    this.best = this.worst();
    this.lastLr = optimizer.paramGroups.map(lrOf);
  }

  private worst(): number { return this.mode === 'min' ? Infinity : -Infinity; }

  /** Report this epoch's metric (a number, e.g. `await loss.item()`). */
  step(metric?: number): void {
    if (typeof metric !== 'number') throw new OptimizerError('ReduceLROnPlateau.step: pass the metric to watch, e.g. scheduler.step(validationLoss)');
    this.lastEpoch++;
    if (this.isBetter(metric)) { this.best = metric; this.numBadEpochs = 0; } else this.numBadEpochs++;
    if (this.cooldownCounter > 0) { this.cooldownCounter--; this.numBadEpochs = 0; }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map(lrOf);
  }

  private isBetter(a: number): boolean {
    const { best, threshold } = this;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    return this.thresholdMode === 'rel' ? a > best * (threshold + 1) : a > best + threshold;
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      const old = lrOf(g), next = Math.max(old * this.factor, this.minLrs[i]!);
      if (old - next > this.eps) g.lr = next;
    });
  }

  /** The learning rates after the last step, one per group. */
  getLastLr(): number[] { return [...this.lastLr]; }

  /** The state in torch's layout (snake_case keys). */
  stateDict(): SchedulerStateDict {
    return { factor: this.factor, min_lrs: [...this.minLrs], patience: this.patience, cooldown: this.cooldown, cooldown_counter: this.cooldownCounter,
      mode: this.mode, threshold: this.threshold, threshold_mode: this.thresholdMode, best: this.best, num_bad_epochs: this.numBadEpochs,
      mode_worse: this.worst(), eps: this.eps, last_epoch: this.lastEpoch, _last_lr: [...this.lastLr] };
  }

  /** Restores a state from {@link ReduceLROnPlateau.stateDict} (or torch's). */
  loadStateDict(sd: SchedulerStateDict): void {
    if (sd.mode === 'min' || sd.mode === 'max') this.mode = sd.mode;
    if (sd.threshold_mode === 'rel' || sd.threshold_mode === 'abs') this.thresholdMode = sd.threshold_mode;
    this.factor = num(sd, 'factor', this.factor);
    if (Array.isArray(sd.min_lrs)) this.minLrs = [...(sd.min_lrs as number[])];
    this.patience = num(sd, 'patience', this.patience);
    this.cooldown = num(sd, 'cooldown', this.cooldown);
    this.cooldownCounter = num(sd, 'cooldown_counter', this.cooldownCounter);
    this.threshold = num(sd, 'threshold', this.threshold);
    // JSON turns ±Infinity into null: that is the initial "worst" value
    this.best = sd.best === null ? this.worst() : num(sd, 'best', this.best);
    this.numBadEpochs = num(sd, 'num_bad_epochs', this.numBadEpochs);
    this.eps = num(sd, 'eps', this.eps);
    this.lastEpoch = num(sd, 'last_epoch', this.lastEpoch);
    if (Array.isArray(sd._last_lr)) this.lastLr = [...(sd._last_lr as number[])];
  }
}

function checkModes(mode: string, thresholdMode: string): void {
  if (mode !== 'min' && mode !== 'max') throw new OptimizerError(`ReduceLROnPlateau: mode must be 'min' or 'max', got '${mode}'`);
  if (thresholdMode !== 'rel' && thresholdMode !== 'abs') throw new OptimizerError(`ReduceLROnPlateau: thresholdMode must be 'rel' or 'abs', got '${thresholdMode}'`);
}
