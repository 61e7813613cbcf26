// Optimizer: parameter groups with per-group options, per-parameter state, step/zeroGrad, and
// torch.optim's state_dict layout, so a run saved here (or by torch) resumes exactly.
import { Tensor, checkOptions, closestNames, didYouMean, keep, scope } from '@flint/core';
import { enableGrad, noGrad } from '@flint/autograd';
import { OptimizerError } from './errors.js';
import { camel, snake } from './keys.js';
import { loadState, type LoadableStateValue } from './load-state.js';

/** A parameter's state: tensors plus counters, under torch's snake_case keys (`exp_avg`, `step`). */
export type StateValue = Tensor | number | null;
/** One parameter's state: {@link StateValue}s keyed by torch's names (`step`, `exp_avg`, `momentum_buffer`, ...). */
export type ParamState = Record<string, StateValue>;

/**
 * A parameter group as the optimizer keeps it: the parameters and every option, defaults filled in.
 * Mutable: schedulers set `lr` (and add keys such as `initialLr`).
 */
export type ParamGroup<O extends object> = O & { params: Tensor[]; [key: string]: unknown };

/** A parameter group as passed in: parameters plus any options that differ from the defaults. */
export type ParamGroupInput<O extends object> = Partial<O> & { params: Tensor | Iterable<Tensor> };

/** What an optimizer is constructed from: parameters, or parameter groups with their own options. */
export type Params<O extends object> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** torch's layout: state keyed by parameter index, groups with snake_case options and parameter indices. */
export interface OptimizerStateDict {
  /** Each parameter's state, keyed by the parameter's index across the groups. */
  state: Record<number, Record<string, StateValue>>;
  /** Each group's options (snake_case) with the indices of its parameters. */
  param_groups: (Record<string, unknown> & { params: number[] })[];
}
/** What loadStateDict accepts: the above, or the same with flat number arrays (a torch dict read from JSON). */
export interface LoadableStateDict {
  /** Each parameter's state, keyed by its index (numbers or numeric strings). */
  state: Record<number | string, Record<string, LoadableStateValue>>;
  /** Each group's options (snake_case) with the indices of its parameters. */
  param_groups: readonly (Record<string, unknown> & { params: readonly number[] })[];
}

const copyValue = (v: unknown): unknown => (Array.isArray(v) ? [...v] : v);

/** An optimizer's option names: lr (which may have no default) and the keys of its defaults. */
const optionNames = (defaults: object): string[] => ['lr', ...Object.keys(defaults).filter((k) => k !== 'lr')];

/**
 * `options` over `defaults`, ignoring options given as undefined. `defaults` lists every option (lr too), so
 * an unknown key (`weight_decay`) is a TypeError naming the option it was meant to be.
 */
export function withDefaults<O extends { lr?: number }>(name: string, defaults: Required<Omit<O, 'lr'>> & { lr?: number }, options: O): O {
  checkOptions(name, options, optionNames(defaults));
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) out[k] = v;
  return out as O;
}

/** The base of every optimizer: parameter groups, per-parameter state, `step()`, `zeroGrad()` and state dicts. */
export abstract class Optimizer<O extends { lr?: number }> {
  /** The parameter groups, every option filled in; schedulers change `lr` here. */
  paramGroups: ParamGroup<O>[] = [];
  /** Each parameter's state (momentum buffers, moment estimates, step counts). */
  state = new Map<Tensor, ParamState>();
  /** Use the backend's fused step kernel when it has one (false forces the composite of ops). */
  useFusedKernels = true;

  /**
   * @param name the class name, for messages
   * @param defaults every option's default, for groups that don't set it
   * @param check validates one group's options (throws OptimizerError)
   */
  protected constructor(readonly name: string, params: Params<O>, readonly defaults: Readonly<O>, private readonly check: (o: Partial<O>) => void) {
    if (params instanceof Tensor) throw new OptimizerError(`${name}: params must be an iterable of Tensors or parameter groups, got a single Tensor; pass [tensor]`);
    check(defaults);
    const list = [...(params as Iterable<Tensor | ParamGroupInput<O>>)];
    if (list.length === 0) throw new OptimizerError(`${name}: optimizer got an empty parameter list`);
    const groups = list[0] instanceof Tensor ? [{ params: list as Tensor[] } as unknown as ParamGroupInput<O>] : (list as ParamGroupInput<O>[]);
    for (const g of groups) this.addParamGroup(g);
  }

  /** Add a group (e.g. layers unfrozen while fine-tuning); options it omits come from the defaults. */
  addParamGroup(group: ParamGroupInput<O>): void {
    const i = this.paramGroups.length;
    if (group === null || typeof group !== 'object' || !('params' in group)) throw new OptimizerError(`${this.name}: a parameter group must be an object with 'params'`);
    const params = group.params instanceof Tensor ? [group.params] : [...group.params];
    for (const p of params) {
      if (!(p instanceof Tensor)) throw new OptimizerError(`${this.name}: optimizer can only optimize Tensors, but parameter group ${i} holds a ${typeof p}`);
      if (!p.isLeaf) throw new OptimizerError(`${this.name}: can't optimize a non-leaf Tensor (shape [${p.shape.join(',')}]); optimize the leaf it was computed from, or detach() it`);
    }
    if (new Set(params).size !== params.length) throw new OptimizerError(`${this.name}: parameter group ${i} lists a parameter more than once`);
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    if (params.some((p) => seen.has(p))) throw new OptimizerError(`${this.name}: some parameters appear in more than one parameter group`);
    // torch keeps extra keys in a group (a name, a tag): so do we, unless the key is a near miss of an option
    const known = optionNames(this.defaults);
    for (const k of Object.keys(group)) {
      if (k === 'params' || known.includes(k)) continue;
      const near = closestNames(k, known);
      if (near.length > 0) throw new TypeError(`${this.name}: parameter group ${i} has the key '${k}'${didYouMean(k, known)}; the options are ${known.join(', ')} (other keys are kept as they are, as in torch)`);
    }
    const full: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.defaults)) full[k] = copyValue(v);
    for (const [k, v] of Object.entries(group)) if (k !== 'params' && v !== undefined) full[k] = copyValue(v);
    if (typeof full.lr !== 'number') throw new OptimizerError(`${this.name}: parameter group ${i} didn't specify lr, and the optimizer has no default lr`);
    this.check(full as Partial<O>);
    full.params = params;
    this.paramGroups.push(full as ParamGroup<O>);
  }

  /**
   * Clear the gradients. With setToNone (the default) each `.grad` becomes null and the dropped gradient is
   * disposed (it belongs to its parameter; clone it first to keep it); otherwise gradients are zeroed in place.
   */
  zeroGrad({ setToNone = true }: { setToNone?: boolean } = {}): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        const grad = p.grad;
        if (!grad) continue;
        if (setToNone) { p.grad = null; grad.dispose(); } else noGrad(() => grad.zero_());
      }
    }
  }

  /** One update. A closure (re-evaluating the loss, with grad mode on) runs first; a Promise is awaited. */
  step(): undefined;
  step<L>(closure: () => L): L;
  step<L>(closure?: () => L): L | undefined {
    if (!closure) { this.update(); return undefined; }
    const loss = enableGrad(closure);
    if (loss instanceof Promise) return loss.then((v: unknown) => { this.update(); return v; }) as L;
    this.update();
    return loss;
  }

  private update(): void {
    noGrad(() => {
      for (const group of this.paramGroups) {
        this.beforeGroup(group);
        // a scope per parameter frees its temporaries before the next one is updated
        for (const p of group.params) { const g = p.grad; if (g) scope(() => this.updateParam(p, g, group)); }
      }
    });
  }

  /** Per-group preparation before its parameters are updated. */
  protected beforeGroup(_group: ParamGroup<O>): void {}
  /** Update one parameter in place (runs under noGrad, inside a scope). */
  protected abstract updateParam(param: Tensor, grad: Tensor, group: ParamGroup<O>): void;

  /** The state of `p`, created empty on first use. */
  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (!s) this.state.set(p, (s = {}));
    return s;
  }
  /** Keep a state tensor made inside step's scope. */
  protected own(t: Tensor): Tensor { return keep(t); }

  /** torch's state_dict(): the tensors are this optimizer's own (clone them to snapshot). */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const param_groups = this.paramGroups.map((g) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) if (k !== 'params') packed[snake(k)] = copyValue(v);
      const params = g.params.map((p) => { if (!index.has(p)) index.set(p, index.size); return index.get(p)!; });
      return { ...packed, params };
    });
    const state: OptimizerStateDict['state'] = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i !== undefined) state[i] = { ...s };
    }
    return { state, param_groups };
  }

  /** Load a stateDict() (ours or torch's): tensors are copied and cast to each parameter's dtype and device. */
  loadStateDict(sd: LoadableStateDict): void {
    const saved = sd.param_groups;
    if (saved.length !== this.paramGroups.length) {
      throw new OptimizerError(`${this.name}.loadStateDict: the state dict has ${saved.length} parameter groups, the optimizer has ${this.paramGroups.length}`);
    }
    saved.forEach((g, i) => {
      const n = this.paramGroups[i]!.params.length;
      if (g.params.length !== n) throw new OptimizerError(`${this.name}.loadStateDict: parameter group ${i} has ${g.params.length} parameters in the state dict, ${n} in the optimizer`);
    });
    const byIndex = new Map<number, Tensor>();
    saved.forEach((g, i) => g.params.forEach((id, j) => byIndex.set(id, this.paramGroups[i]!.params[j]!)));
    const groups = saved.map((g, i) => {
      const full: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) if (k !== 'params') full[camel(k)] = copyValue(v);
      this.check(full as Partial<O>);
      full.params = this.paramGroups[i]!.params;
      return full as ParamGroup<O>;
    });
    const state = loadState(this.name, sd.state, byIndex);
    this.disposeState();
    this.state = state;
    this.paramGroups = groups;
  }

  /** Free the state tensors (the optimizer can still step; state starts afresh). */
  dispose(): void { this.disposeState(); }

  private disposeState(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
    this.state = new Map();
  }
}
