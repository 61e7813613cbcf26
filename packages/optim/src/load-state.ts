// Copying a saved optimizer state onto this optimizer's parameters (torch's load_state_dict `cast`):
// tensors become fresh copies in the parameter's dtype and on its device; `step` stays a number.
import { Tensor, keep, scope, tensor } from '@flint/core';
import { noGrad } from '@flint/autograd';
import { OptimizerError } from './errors.js';
import type { ParamState, StateValue } from './optimizer.js';

/** A saved state value: a Tensor, a number, null, or a flat array of a tensor's values (torch's, from JSON). */
export type LoadableStateValue = StateValue | readonly number[] | Float32Array | Float64Array;

const isFloat = (t: Tensor): boolean => t.dtype === 'float32' || t.dtype === 'float64' || t.dtype === 'float16' || t.dtype === 'bfloat16';

function copyFor(owner: string, param: Tensor, key: string, v: LoadableStateValue): StateValue {
  if (v === null || typeof v === 'number') return v;
  if (key === 'step') {
    // torch keeps step as a one-element tensor; Flint keeps the count as a number
    if (v instanceof Tensor && v.numel() === 1 && v.storage.backend.readSync) return Number(v.reshape([]).itemSync());
    if (!(v instanceof Tensor) && v.length === 1) return v[0]!;
    throw new OptimizerError(`${owner}.loadStateDict: 'step' must be a number or a one-element CPU tensor`);
  }
  const dtype = isFloat(param) ? param.dtype : undefined;
  if (v instanceof Tensor) {
    const moved = v.to({ device: param.device, dtype: dtype ?? v.dtype });
    return keep(moved === v ? v.clone() : moved);
  }
  if (v.length !== param.numel()) {
    throw new OptimizerError(`${owner}.loadStateDict: state '${key}' has ${v.length} values, its parameter (shape [${param.shape.join(',')}]) has ${param.numel()}`);
  }
  return keep(tensor(Array.from(v), { dtype: param.dtype, device: param.device }).reshape(param.shape));
}

export function loadState(owner: string, saved: Record<number | string, Record<string, LoadableStateValue>>, byIndex: Map<number, Tensor>): Map<Tensor, ParamState> {
  return noGrad(() => scope(() => {
    const out = new Map<Tensor, ParamState>();
    for (const [k, entries] of Object.entries(saved)) {
      const p = byIndex.get(Number(k));
      if (!p) throw new OptimizerError(`${owner}.loadStateDict: the state dict has state for parameter ${k}, which none of its param_groups lists`);
      const s: ParamState = {};
      for (const [key, v] of Object.entries(entries)) s[key] = copyFor(owner, p, key, v);
      out.set(p, s);
    }
    return out;
  }));
}
