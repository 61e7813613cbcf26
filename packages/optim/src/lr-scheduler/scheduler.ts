// The learning-rate scheduler base: torch 1.13's `_LRScheduler`. A scheduler writes each group's `lr`
// on step(); get*Lr of the recursive schedulers reads the current lr, so schedulers compose by
// multiplying (ChainedScheduler) or hand over to each other (SequentialLR).
import { OptimizerError } from '../errors.js';

/** What a scheduler needs of an optimizer: mutable parameter groups, and its defaults (to find momentum). */
export interface SchedulableOptimizer {
  /** The parameter groups whose `lr` (and momentum) the scheduler sets. */
  paramGroups: { [key: string]: unknown }[];
  /** The optimizer's defaults (to tell momentum from `betas`). */
  readonly defaults: object;
}

/** A scheduler's state in torch's layout (snake_case keys); plain numbers, arrays and nested dicts. */
export type SchedulerStateDict = Record<string, unknown>;

/** Every scheduler: step it once per epoch (or batch), after optimizer.step(). */
export interface Scheduler {
  /** The optimizer whose learning rates this scheduler sets. */
  readonly optimizer: SchedulableOptimizer;
  /** Advances the schedule one epoch (or batch) and writes the new learning rates. */
  step(): void;
  /** The learning rates the last step set, one per group. */
  getLastLr(): number[];
  /** The scheduler's state in torch's layout, to save and resume. */
  stateDict(): SchedulerStateDict;
  /** Restores a state from `stateDict()` (this library's or torch's). */
  loadStateDict(sd: SchedulerStateDict): void;
}

export const lrOf = (g: { [key: string]: unknown }): number => g.lr as number;

export abstract class LRScheduler implements Scheduler {
  /** Each group's initial lr (`initialLr`), the base of the closed forms. */
  baseLrs: number[];
  /** The epoch the last step reached (-1 before the first). */
  lastEpoch: number;
  /** Steps taken, torch's `_step_count`. */
  protected stepCount = 0;
  /** The learning rates the last step set. */
  protected lastLr: number[] = [];

  /**
   * Subclasses set their fields, then call `this.initialStep()` (torch's base constructor does it).
   * @param optimizer - the optimizer whose learning rates the scheduler sets
   * @param lastEpoch - the epoch to resume from (default -1: start; resuming needs each group's `initialLr`)
   */
  protected constructor(readonly optimizer: SchedulableOptimizer, lastEpoch = -1) {
    const groups = optimizer.paramGroups;
    groups.forEach((g, i) => {
      if (lastEpoch === -1) g.initialLr ??= g.lr;
      else if (g.initialLr === undefined) throw new OptimizerError(`${new.target.name}: param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer (lastEpoch ${lastEpoch})`);
    });
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /** The first step, which sets each group's lr to the schedule's value at epoch 0. */
  initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The learning rates of the next epoch, from the current ones (torch's recursive form). */
  protected abstract getLr(): number[];
  /** The learning rates at `lastEpoch` from the base lrs, used by step(epoch); undefined if none. */
  protected closedFormLr(): number[] | undefined { return undefined; }

  /** Advance one epoch; step(epoch) jumps to `epoch` (closed form where there is one; SequentialLR uses it). */
  step(epoch?: number): void {
    this.stepCount++;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      values = this.getLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr() ?? this.getLr();
    }
    this.optimizer.paramGroups.forEach((g, i) => { g.lr = values[i]; });
    this.lastLr = this.optimizer.paramGroups.map(lrOf);
  }

  /** The learning rates the last step set, one per group. */
  getLastLr(): number[] { return [...this.lastLr]; }

  /** The state in torch's layout: `base_lrs`, `last_epoch`, `_step_count`, `_last_lr` and the subclass's fields. */
  stateDict(): SchedulerStateDict {
    return { base_lrs: [...this.baseLrs], last_epoch: this.lastEpoch, _step_count: this.stepCount, _last_lr: [...this.lastLr], ...this.extraState() };
  }

  /** Restores a state from {@link LRScheduler.stateDict} (or torch's). */
  loadStateDict(sd: SchedulerStateDict): void {
    if (Array.isArray(sd.base_lrs)) this.baseLrs = [...(sd.base_lrs as number[])];
    if (typeof sd.last_epoch === 'number') this.lastEpoch = sd.last_epoch;
    if (typeof sd._step_count === 'number') this.stepCount = sd._step_count;
    if (Array.isArray(sd._last_lr)) this.lastLr = [...(sd._last_lr as number[])];
    this.loadExtra(sd);
  }

  /** A subclass's own fields, under torch's names. */
  protected extraState(): SchedulerStateDict { return {}; }
  /** Restores the subclass's own fields from a state dict; the counterpart of `extraState`. */
  protected loadExtra(_sd: SchedulerStateDict): void {}
}

/** One value per group: a list must have one entry per group; a single value is repeated. */
export function perGroup<V>(owner: string, name: string, optimizer: SchedulableOptimizer, value: V | readonly V[]): V[] {
  const n = optimizer.paramGroups.length;
  if (Array.isArray(value)) {
    if (value.length !== n) throw new OptimizerError(`${owner}: expected ${n} values for ${name} (one per parameter group), got ${value.length}`);
    return [...(value as V[])];
  }
  return Array.from({ length: n }, () => value as V);
}

export const num = (sd: SchedulerStateDict, key: string, fallback: number): number => (typeof sd[key] === 'number' ? (sd[key] as number) : fallback);
