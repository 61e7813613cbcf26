// Turn fixture args into Flint values on the device under test, and read results back for comparison.
import * as core from '@flint/core';
import type { Tensor } from '@flint/core';
import type { Arg, FixtureNumber, TensorSpec } from './fixtures.js';

export const decodeNumber = (v: FixtureNumber): number | boolean =>
  v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v;

type Nested = number | boolean | Nested[];

function nest(flat: (number | boolean)[], shape: readonly number[], dim = 0, base = 0): Nested {
  if (dim === shape.length) return flat[base]!;
  const inner = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[dim]! }, (_, i) => nest(flat, shape, dim + 1, base + i * inner));
}

/**
 * The tensors a case made, so the runner can dispose them; `bases` maps a view arg to its base. A gradient
 * case lists in `leaves` the arg paths ("0", "0.1", "3.weight") to make with requiresGrad; decoding fills them in.
 */
export interface Made { tensors: Tensor[]; bases: Map<number, Tensor>; leaves?: Map<string, Tensor | undefined> }

export function makeTensor(spec: TensorSpec, device: string, made: Made): { base: Tensor; view: Tensor } {
  const flat = (spec.data ?? []).map(decodeNumber);
  const opts = { dtype: spec.dtype, device };
  const empty = spec.shape.includes(0);
  let base = empty ? core.tensor([], opts) : core.tensor(nest(flat, spec.shape), opts);
  made.tensors.push(base);
  if (empty) { base = base.reshape(spec.shape); made.tensors.push(base); }
  let x = base;
  for (const step of spec.view ?? []) {
    if ('permute' in step) x = x.permute(step.permute);
    else if ('transpose' in step) x = x.transpose(step.transpose[0], step.transpose[1]);
    else if ('narrow' in step) x = x.narrow(step.narrow[0], step.narrow[1], step.narrow[2]);
    else x = x.expand(step.expand);
    made.tensors.push(x);
  }
  return { base, view: x };
}

export function decodeArg(a: Arg, device: string, made: Made, position = -1, path = String(position)): unknown {
  if ('t' in a) {
    const { base, view } = makeTensor(a.t, device, made);
    if (position >= 0) made.bases.set(position, base);
    if (made.leaves?.has(path)) made.leaves.set(path, view.requiresGrad_());
    return view;
  }
  if ('s' in a) return decodeNumber(a.s);
  if ('v' in a) return a.v;
  if ('o' in a) return Object.fromEntries(Object.entries(a.o).map(([k, v]) => [k, decodeArg(v, device, made, -1, `${path}.${k}`)]));
  if ('l' in a) return a.l.map((v, i) => decodeArg(v, device, made, -1, `${path}.${i}`));
  if ('u' in a) return undefined;
  return device;
}

/** Every Tensor inside a result (tensor, array or object of tensors). */
export function tensorsIn(r: unknown, out: Tensor[] = []): Tensor[] {
  if (r instanceof core.Tensor) out.push(r);
  else if (Array.isArray(r)) for (const v of r) tensorsIn(v, out);
  else if (r && typeof r === 'object') for (const v of Object.values(r)) tensorsIn(v, out);
  return out;
}
