// torch.cuda.amp.GradScaler: dynamic loss scaling for float16 training. The loss is multiplied by a scale
// before backward so small gradients survive float16; step() unscales them and skips the update when any
// is inf/NaN, and update() halves the scale after an overflow and doubles it after growthInterval clean steps.
import type { Tensor } from '@flint/core';
import { add, checkOptions, getBackend, mul, optionKeys, scope, sum, tensor } from '@flint/core';
import { noGrad } from '@flint/autograd';
import { OptimizerError } from '../errors.js';
import type { Optimizer } from '../optimizer.js';

/** Options of {@link GradScaler}, torch's keyword arguments in camelCase. */
export interface GradScalerOptions {
  /** The first scale (default 2^16). */
  initScale?: number;
  /** What the scale is multiplied by after `growthInterval` steps without inf/NaN gradients (default 2, > 1). */
  growthFactor?: number;
  /** What the scale is multiplied by after a step with inf/NaN gradients (default 0.5, in (0, 1)). */
  backoffFactor?: number;
  /** Clean steps between growths (default 2000, a positive integer). */
  growthInterval?: number;
  /** false makes every method a pass-through (scale 1, step is optimizer.step()). Default true. */
  enabled?: boolean;
}
const KEYS = optionKeys<GradScalerOptions>()('initScale', 'growthFactor', 'backoffFactor', 'growthInterval', 'enabled');

/** GradScaler's state dict, with torch's keys (a torch checkpoint's scaler state loads as it is). */
export interface GradScalerStateDict {
  /** The current scale. */
  scale: number;
  /** growthFactor. */
  growth_factor: number;
  /** backoffFactor. */
  backoff_factor: number;
  /** growthInterval. */
  growth_interval: number;
  /** Clean steps since the last growth or backoff. */
  _growth_tracker: number;
}

type Stage = 'ready' | 'unscaled' | 'stepped';
interface PerOptimizer { stage: Stage; foundInf: boolean }

const f32 = Math.fround;

/** torch.cuda.amp.GradScaler: scale(loss).backward(), then step(optimizer) and update() (see the README). */
export class GradScaler {
  #scale: number;
  #growthFactor: number;
  #backoffFactor: number;
  #growthInterval: number;
  #tracker = 0;
  readonly #enabled: boolean;
  #per = new Map<Optimizer<{ lr?: number }>, PerOptimizer>();

  constructor(opts: GradScalerOptions = {}) {
    checkOptions('GradScaler', opts, KEYS);
    const { initScale = 2 ** 16, growthFactor = 2, backoffFactor = 0.5, growthInterval = 2000, enabled = true } = opts;
    if (!(initScale > 0 && Number.isFinite(initScale))) throw new OptimizerError(`GradScaler: initScale must be a finite number > 0, got ${initScale}`);
    GradScaler.#checkFactors(growthFactor, backoffFactor, growthInterval);
    this.#scale = f32(initScale);
    this.#growthFactor = growthFactor;
    this.#backoffFactor = backoffFactor;
    this.#growthInterval = growthInterval;
    this.#enabled = enabled;
  }

  static #checkFactors(growth: number, backoff: number, interval: number): void {
    if (!(growth > 1)) throw new OptimizerError(`GradScaler: growthFactor must be > 1, got ${growth}`);
    if (!(backoff > 0 && backoff < 1)) throw new OptimizerError(`GradScaler: backoffFactor must be in (0, 1), got ${backoff}`);
    if (!(Number.isInteger(interval) && interval > 0)) throw new OptimizerError(`GradScaler: growthInterval must be a positive integer, got ${interval}`);
  }

  /** Whether scaling is on. */
  isEnabled(): boolean { return this.#enabled; }

  /** The current scale (1 when disabled), as torch's get_scale(). */
  getScale(): number { return this.#enabled ? this.#scale : 1; }
  /** growthFactor. */
  getGrowthFactor(): number { return this.#growthFactor; }
  /** Set growthFactor (> 1). */
  setGrowthFactor(v: number): void { GradScaler.#checkFactors(v, this.#backoffFactor, this.#growthInterval); this.#growthFactor = v; }
  /** backoffFactor. */
  getBackoffFactor(): number { return this.#backoffFactor; }
  /** Set backoffFactor (in (0, 1)). */
  setBackoffFactor(v: number): void { GradScaler.#checkFactors(this.#growthFactor, v, this.#growthInterval); this.#backoffFactor = v; }
  /** growthInterval. */
  getGrowthInterval(): number { return this.#growthInterval; }
  /** Set growthInterval (a positive integer). */
  setGrowthInterval(v: number): void { GradScaler.#checkFactors(this.#growthFactor, this.#backoffFactor, v); this.#growthInterval = v; }

  /** The loss (or each of several) multiplied by the scale, in float32 (outputs unchanged when disabled). */
  scale(outputs: Tensor): Tensor;
  scale(outputs: readonly Tensor[]): Tensor[];
  scale(outputs: Tensor | readonly Tensor[]): Tensor | Tensor[] {
    if (!this.#enabled) return Array.isArray(outputs) ? [...outputs] : (outputs as Tensor);
    const one = (t: Tensor): Tensor => mul(t, tensor(this.#scale, { dtype: 'float32', device: t.device }));
    return Array.isArray(outputs) ? outputs.map(one) : one(outputs as Tensor);
  }

  #state(optimizer: Optimizer<{ lr?: number }>): PerOptimizer {
    let s = this.#per.get(optimizer);
    if (!s) this.#per.set(optimizer, (s = { stage: 'ready', foundInf: false }));
    return s;
  }

  /** The optimizer's gradients with a device that reads synchronously, or the error that says to await. */
  static #grads(optimizer: Optimizer<{ lr?: number }>, method: string): Tensor[] {
    const grads = optimizer.paramGroups.flatMap((g) => g.params).map((p) => p.grad).filter((g): g is Tensor => !!g);
    if (grads.length === 0) throw new OptimizerError(`GradScaler.${method}: no inf checks were recorded for this optimizer: none of its parameters has a gradient; call backward() on scale(loss) first`);
    return grads;
  }

  /** Multiply the gradients by 1/scale in place and record whether any is inf/NaN; the sum to read. */
  #unscale(optimizer: Optimizer<{ lr?: number }>, method: string, sync: boolean): { s: PerOptimizer; check: Tensor } {
    const s = this.#state(optimizer);
    if (s.stage === 'unscaled') throw new OptimizerError(`GradScaler.${method}: unscale_() has already been called on this optimizer since the last update()`);
    if (s.stage === 'stepped') throw new OptimizerError(`GradScaler.${method}: unscale_() is being called after step()`);
    const grads = GradScaler.#grads(optimizer, method);
    // before anything changes: the synchronous methods need a device that reads synchronously
    const slow = sync ? grads.find((g) => !getBackend(g.device).readSync) : undefined;
    if (slow) throw new OptimizerError(`GradScaler.${method}: device '${slow.device}' reads asynchronously; use await scaler.${method === 'step' ? 'stepAsync' : 'unscaleAsync'}(optimizer)`);
    // 1/scale in double, then float32, as torch's scale.double().reciprocal().float()
    const inv = f32(1 / this.#scale);
    const check = noGrad(() => scope(() => {
      let acc: Tensor | undefined;
      for (const g of grads) {
        g.mul_(inv);
        // inf·0 and NaN·0 are NaN: the sum is NaN exactly when some gradient is not finite
        const t = sum(mul(g, 0), undefined, false, { dtype: 'float32' });
        acc = acc ? add(acc, t) : t;
      }
      return acc!;
    }));
    s.stage = 'unscaled';
    return { s, check };
  }

  /** torch's unscale_(optimizer): divide its gradients by the scale now (e.g. to clip them before step()). */
  unscale_(optimizer: Optimizer<{ lr?: number }>): void {
    if (this.#enabled) this.#unscaleSync(optimizer, 'unscale_');
  }

  #unscaleSync(optimizer: Optimizer<{ lr?: number }>, method: string): void {
    const { s, check } = this.#unscale(optimizer, method, true);
    try { s.foundInf = Number.isNaN(check.itemSync()); } finally { check.dispose(); }
  }

  /** As {@link unscale_}, for devices that read asynchronously (GPUs). */
  async unscaleAsync(optimizer: Optimizer<{ lr?: number }>): Promise<void> {
    if (!this.#enabled) return;
    const { s, check } = this.#unscale(optimizer, 'unscaleAsync', false);
    try { s.foundInf = Number.isNaN(await check.item()); } finally { check.dispose(); }
  }

  #preStep(optimizer: Optimizer<{ lr?: number }>, method: string): PerOptimizer {
    const s = this.#state(optimizer);
    if (s.stage === 'stepped') throw new OptimizerError(`GradScaler.${method}: step() has already been called since the last update()`);
    return s;
  }

  /**
   * torch's step(optimizer): unscale the gradients (unless unscale_ was called) and run optimizer.step()
   * unless some gradient is inf/NaN; then the step is skipped. Reads one number, so the device must read
   * synchronously (the CPU); use {@link stepAsync} on GPUs.
   */
  step(optimizer: Optimizer<{ lr?: number }>): void {
    if (!this.#enabled) { optimizer.step(); return; }
    const s = this.#preStep(optimizer, 'step');
    if (s.stage === 'ready') this.#unscaleSync(optimizer, 'step');
    if (!s.foundInf) optimizer.step();
    s.stage = 'stepped';
  }

  /** As {@link step}, on any device: the inf/NaN check is read asynchronously. */
  async stepAsync(optimizer: Optimizer<{ lr?: number }>): Promise<void> {
    if (!this.#enabled) { optimizer.step(); return; }
    const s = this.#preStep(optimizer, 'stepAsync');
    if (s.stage === 'ready') await this.unscaleAsync(optimizer);
    if (!s.foundInf) optimizer.step();
    s.stage = 'stepped';
  }

  /**
   * torch's update(): after an inf/NaN in any optimizer stepped since the last update, scale × backoffFactor
   * and the count of clean steps restarts; after growthInterval clean steps, scale × growthFactor (when
   * finite). `newScale` sets the scale instead.
   */
  update(newScale?: number): void {
    if (!this.#enabled) return;
    if (newScale !== undefined) {
      if (!(typeof newScale === 'number' && newScale > 0)) throw new OptimizerError(`GradScaler.update: newScale must be a number > 0, got ${String(newScale)}`);
      this.#scale = f32(newScale);
    } else {
      const states = [...this.#per.values()].filter((s) => s.stage !== 'ready');
      if (states.length === 0) throw new OptimizerError('GradScaler.update: no inf checks were recorded prior to update(); call step(optimizer) (or unscale_) first');
      // the scale is a float32 tensor in torch, updated in float32 by _amp_update_scale_
      if (states.some((s) => s.foundInf)) {
        this.#scale = f32(this.#scale * f32(this.#backoffFactor));
        this.#tracker = 0;
      } else if (this.#tracker + 1 === this.#growthInterval) {
        const grown = f32(this.#scale * f32(this.#growthFactor));
        if (Number.isFinite(grown)) this.#scale = grown;
        this.#tracker = 0;
      } else {
        this.#tracker++;
      }
    }
    this.#per.clear();
  }

  /** torch's state_dict(): the scale, the factors and the growth tracker (empty when disabled). */
  stateDict(): GradScalerStateDict | Record<string, never> {
    if (!this.#enabled) return {};
    return {
      scale: this.getScale(), growth_factor: this.#growthFactor, backoff_factor: this.#backoffFactor,
      growth_interval: this.#growthInterval, _growth_tracker: this.#tracker,
    };
  }

  /** torch's load_state_dict(): restore a stateDict() (ours or one saved by torch). */
  loadStateDict(sd: GradScalerStateDict | Record<string, never>): void {
    if (!this.#enabled) return;
    if (!sd || Object.keys(sd).length === 0) throw new OptimizerError('GradScaler.loadStateDict: the state dict is empty, possibly because it was saved from a disabled GradScaler');
    const d = sd as GradScalerStateDict;
    for (const k of ['scale', 'growth_factor', 'backoff_factor', 'growth_interval', '_growth_tracker'] as const) {
      if (typeof d[k] !== 'number') throw new OptimizerError(`GradScaler.loadStateDict: '${k}' must be a number, got ${String(d[k])}`);
    }
    GradScaler.#checkFactors(d.growth_factor, d.backoff_factor, d.growth_interval);
    if (!(d.scale > 0)) throw new OptimizerError(`GradScaler.loadStateDict: scale must be > 0, got ${d.scale}`);
    this.#scale = f32(d.scale);
    this.#growthFactor = d.growth_factor;
    this.#backoffFactor = d.backoff_factor;
    this.#growthInterval = d.growth_interval;
    this.#tracker = d._growth_tracker;
  }
}
