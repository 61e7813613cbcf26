// Composing schedulers: SequentialLR hands over at milestones; ChainedScheduler steps all of them each
// epoch, so their (recursive) factors multiply.
import { checkOptions } from '@flint/core';
import { OptimizerError } from '../errors.js';
import { lrOf } from './scheduler.js';
import type { LRScheduler, SchedulableOptimizer, Scheduler, SchedulerStateDict } from './scheduler.js';

const states = (ss: readonly Scheduler[]): SchedulerStateDict[] => ss.map((s) => s.stateDict());
function loadStates(owner: string, ss: readonly Scheduler[], saved: unknown): void {
  if (!Array.isArray(saved) || saved.length !== ss.length) throw new OptimizerError(`${owner}.loadStateDict: expected _schedulers with ${ss.length} entries`);
  ss.forEach((s, i) => s.loadStateDict(saved[i] as SchedulerStateDict));
}

/** Run `schedulers[i]` from `milestones[i-1]` on; each new one starts from epoch 0 (closed form). */
export class SequentialLR implements Scheduler {
  /** The schedulers, in the order they take over. */
  readonly schedulers: LRScheduler[];
  /** The epochs at which the next scheduler takes over. */
  readonly milestones: number[];
  /** The current epoch. */
  lastEpoch: number;
  private lastLr: number[];

  /**
   * @param optimizer - the optimizer every scheduler in `schedulers` belongs to
   * @param schedulers - the schedulers, in the order they take over
   * @param milestones - the epochs at which the next scheduler takes over (one fewer than schedulers)
   */
  constructor(readonly optimizer: SchedulableOptimizer, schedulers: readonly LRScheduler[], milestones: readonly number[], o: { lastEpoch?: number } = {}) {
    checkOptions('SequentialLR', o, ['lastEpoch']);
    const { lastEpoch = -1 } = o;
    schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer) throw new OptimizerError(`SequentialLR: expects all schedulers to belong to the optimizer passed in, but the scheduler at index ${i} has another`);
    });
    if (milestones.length !== schedulers.length - 1) {
      throw new OptimizerError(`SequentialLR: expects one milestone fewer than schedulers, got ${schedulers.length} schedulers and ${milestones.length} milestones`);
    }
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.lastEpoch = lastEpoch + 1;
    // undo what constructing the schedulers did, then start the first one again
    for (const g of optimizer.paramGroups) g.lr = g.initialLr;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0]!.initialStep();
    this.lastLr = this.schedulers[0]!.getLastLr();
  }

  /** Advances one epoch, stepping the scheduler whose turn it is. */
  step(): void {
    this.lastEpoch++;
    // bisect_right: how many milestones are <= lastEpoch
    const idx = this.milestones.filter((m) => m <= this.lastEpoch).length;
    const s = this.schedulers[idx]!;
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
    this.lastLr = s.getLastLr();
  }

  /** The learning rates the last step set, one per group. */
  getLastLr(): number[] { return [...this.lastLr]; }

  /** The state in torch's layout, with each scheduler's state under `_schedulers`. */
  stateDict(): SchedulerStateDict {
    return { _milestones: [...this.milestones], last_epoch: this.lastEpoch, _last_lr: [...this.lastLr], _schedulers: states(this.schedulers) };
  }
  /** Restores a state from {@link SequentialLR.stateDict} (or torch's). */
  loadStateDict(sd: SchedulerStateDict): void {
    loadStates('SequentialLR', this.schedulers, sd._schedulers);
    if (typeof sd.last_epoch === 'number') this.lastEpoch = sd.last_epoch;
    if (Array.isArray(sd._last_lr)) this.lastLr = [...(sd._last_lr as number[])];
  }
}

/** Step every scheduler each epoch; recursive schedules multiply their factors. */
export class ChainedScheduler implements Scheduler {
  /** The schedulers stepped together. */
  readonly schedulers: Scheduler[];
  /** The optimizer the schedulers share. */
  readonly optimizer: SchedulableOptimizer;
  private lastLr: number[];

  constructor(schedulers: readonly Scheduler[]) {
    if (schedulers.length === 0) throw new OptimizerError('ChainedScheduler: needs at least one scheduler');
    schedulers.forEach((s, i) => {
      if (s.optimizer !== schedulers[0]!.optimizer) throw new OptimizerError(`ChainedScheduler: expects all schedulers to belong to the same optimizer, but schedulers 0 and ${i} differ`);
    });
    this.schedulers = [...schedulers];
    this.optimizer = schedulers[0]!.optimizer;
    this.lastLr = this.optimizer.paramGroups.map(lrOf);
  }

  /** Steps every scheduler once. */
  step(): void {
    for (const s of this.schedulers) s.step();
    this.lastLr = this.optimizer.paramGroups.map(lrOf);
  }

  /** The learning rates the last step set, one per group. */
  getLastLr(): number[] { return [...this.lastLr]; }

  /** The state in torch's layout, with each scheduler's state under `_schedulers`. */
  stateDict(): SchedulerStateDict { return { _last_lr: [...this.lastLr], _schedulers: states(this.schedulers) }; }
  /** Restores a state from {@link ChainedScheduler.stateDict} (or torch's). */
  loadStateDict(sd: SchedulerStateDict): void {
    loadStates('ChainedScheduler', this.schedulers, sd._schedulers);
    if (Array.isArray(sd._last_lr)) this.lastLr = [...(sd._last_lr as number[])];
  }
}
