// gradcheck over the op table: each smooth, differentiable fixture case as a float64 function of its
// floating tensor args, for @flint/autograd's finite-difference gradcheck. Cases at kinks or jumps
// (grad.smooth === false: relu at 0, max ties, floor, NaN/inf inputs) are left out: there the gradient is a
// convention, which the "<case id>/grad" checks compare with torch instead.
import type { Tensor } from '@flint/core';
import type { Arg, Case, GradWeights, TensorSpec } from './fixtures.js';
import { loadFixtures } from './fixtures.js';
import type { Made } from './decode.js';
import { decodeArg, makeTensor } from './decode.js';
import { weightedOutputs, weightedSum } from './grad-case.js';
import { callOp } from './run-case.js';

/** A fixture case made ready for `gradcheck`: a float64 function of its floating tensor args. */
export interface GradcheckSetup {
  /** sum over outputs of (out * w).sum(), as a function of `inputs` (the other args are fixed). */
  fn: (...inputs: Tensor[]) => Tensor;
  /** The case's floating tensor args torch differentiates, as float64 leaves that require grad. */
  inputs: Tensor[];
  /** Disposes what setup made (the inputs, the fixed args, the weights). */
  dispose(): void;
}

/** A smooth, differentiable fixture case for `@flint/autograd`'s finite-difference gradcheck. */
export interface GradcheckCase {
  /** The fixture case's id. */
  id: string;
  /** The op under test. */
  op: string;
  /** The fixture case itself. */
  case: Case;
  /** Needs @flint/autograd loaded (requiresGrad) and a device whose backend stores float64. */
  setup(device: string): GradcheckSetup;
}

const isFloat = (d: string): boolean => d === 'float32' || d === 'float64';

/** The arg with every floating tensor cast to float64 (integer indices and targets stay as they are). */
export function toFloat64(a: Arg): Arg {
  if ('t' in a) return isFloat(a.t.dtype) ? { t: { ...a.t, dtype: 'float64' } } : a;
  if ('o' in a) return { o: Object.fromEntries(Object.entries(a.o).map(([k, v]) => [k, toFloat64(v)])) };
  if ('l' in a) return { l: a.l.map(toFloat64) };
  return a;
}

/** Replace the tensors at `paths` in decoded args (same path scheme as decodeArg). */
function substitute(v: unknown, path: string, at: Map<string, Tensor>): unknown {
  const hit = at.get(path);
  if (hit) return hit;
  if (Array.isArray(v)) return v.map((x, i) => substitute(x, `${path}.${i}`, at));
  if (v && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, `${path}.${k}`, at)]));
  }
  return v;
}

function setup(c: Case, device: string): GradcheckSetup {
  const g = c.grad!;
  const paths = Object.entries(g.inputs).filter(([, e]) => e !== null).map(([p]) => p);
  const made: Made = { tensors: [], bases: new Map(), leaves: new Map(paths.map((p) => [p, undefined])) };
  try {
    const args = c.args.map((a, i) => decodeArg(toFloat64(a), device, made, i));
    const inputs = paths.map((p) => made.leaves!.get(p)!);
    const weights = weightSpecs(g.w).map((w) => makeTensor({ ...w, dtype: 'float64' }, device, made).view);
    const fn = (...xs: Tensor[]): Tensor => {
      const at = new Map(paths.map((p, i) => [p, xs[i]!]));
      const result = callOp(c, args.map((a, i) => substitute(a, String(i), at)));
      const outs = weightedOutputs(result, g.w);
      // gradcheck runs fn inside a scope, which disposes every intermediate, including `owned`
      return weightedSum(outs.map((o, i) => ({ out: o.out, w: weights[i]! })), []);
    };
    return { fn, inputs, dispose: () => { for (const t of made.tensors) if (!t.isDisposed) t.dispose(); } };
  } catch (e) {
    for (const t of made.tensors) if (!t.isDisposed) t.dispose();
    throw e;
  }
}

/** The weight tensors in the order weightedOutputs pairs them with outputs. */
function weightSpecs(w: GradWeights | null): TensorSpec[] {
  if (w === null) return [];
  if ('t' in w) return [w.t];
  return ('l' in w ? w.l : Object.values(w.o)).flatMap(weightSpecs);
}

/** Every smooth fixture case with a differentiable floating input, in fixture order. */
export function gradcheckCases(): GradcheckCase[] {
  return loadFixtures().flatMap((f) => f.cases)
    .filter((c) => c.grad && c.grad.smooth !== false && Object.values(c.grad.inputs).some((e) => e !== null))
    .map((c) => ({ id: `${c.id}/gradcheck`, op: c.op, case: c, setup: (device: string) => setup(c, device) }));
}
