// torch.func.functional_call: run a module with some parameters and buffers replaced by given tensors
// (by state-dict key), so the function transforms can differentiate a Module's forward in its weights.
import { isTensor, type Tensor } from '@flint/core';
import { AutogradError } from '../graph.js';

/** What functionalCall needs of a module (@flint/nn's Module has it): its submodules by dotted name, and call or forward. */
export interface CallableModule {
  /** The module and every submodule with its dotted name ('' for the module itself). */
  namedModules(): Iterable<[string, object]>;
  /** Runs forward (Module.call). */
  forward(...args: never[]): unknown;
}

/** Parameters and buffers by state-dict key ('0.weight', 'fc.bias', ...). */
export type TensorDict = Readonly<Record<string, Tensor>> | ReadonlyMap<string, Tensor>;

/**
 * torch.func.functional_call: `module(...args)` with the parameters and buffers named in `params` (state-dict
 * keys; a list of dicts is merged) standing in for the module's own; the module is restored afterwards,
 * also when forward throws. `args` is one argument or an array of them.
 */
export function functionalCall(module: CallableModule, params: TensorDict | readonly TensorDict[], args: unknown, opts: { strict?: boolean } = {}): unknown {
  const dicts = Array.isArray(params) ? (params as readonly TensorDict[]) : [params as TensorDict];
  const entries: [string, Tensor][] = [];
  for (const d of dicts) entries.push(...(d instanceof Map ? [...(d as ReadonlyMap<string, Tensor>).entries()] : Object.entries(d as Record<string, Tensor>)));
  const seen = new Set<string>();
  const mods = new Map(module.namedModules());
  const swaps: { owner: Record<string, unknown>; name: string; value: Tensor }[] = [];
  for (const [key, value] of entries) {
    if (seen.has(key)) throw new AutogradError(`functionalCall: '${key}' is given twice`);
    seen.add(key);
    if (!isTensor(value)) throw new AutogradError(`functionalCall: '${key}' must be a Tensor, got ${typeof value}`);
    const dot = key.lastIndexOf('.');
    const owner = mods.get(dot < 0 ? '' : key.slice(0, dot)) as Record<string, unknown> | undefined;
    const name = key.slice(dot + 1);
    const current = owner?.[name];
    if (!owner || !isTensor(current)) {
      throw new AutogradError(`functionalCall: the module has no parameter or buffer '${key}' (known: ${[...mods].flatMap(([p, m]) => Object.entries(m).filter(([, v]) => isTensor(v)).map(([k]) => (p ? `${p}.${k}` : k))).join(', ')})`);
    }
    const c = current as Tensor;
    if (c.ndim !== value.ndim || c.shape.some((s, i) => s !== value.shape[i])) {
      throw new AutogradError(`functionalCall: '${key}' has shape [${value.shape.join(',')}], the module's is [${c.shape.join(',')}]`);
    }
    swaps.push({ owner, name, value });
  }
  if (opts.strict) {
    const missing = [...mods].flatMap(([p, m]) => Object.entries(m).filter(([, v]) => isTensor(v)).map(([k]) => (p ? `${p}.${k}` : k))).filter((k) => !seen.has(k));
    if (missing.length) throw new AutogradError(`functionalCall: strict, but no tensor was given for ${missing.join(', ')}`);
  }
  const saved = swaps.map((s) => s.owner[s.name]);
  try {
    for (const s of swaps) s.owner[s.name] = s.value;
    const a = Array.isArray(args) ? args : [args];
    const m = module as unknown as { call?: (...x: unknown[]) => unknown };
    return m.call ? m.call(...a) : (module.forward as (...x: unknown[]) => unknown)(...a);
  } finally {
    swaps.forEach((s, i) => { s.owner[s.name] = saved[i]; });
  }
}
