// Gradient conformance: run a case with its floating tensor args requiring grad, take
// grad(sum over outputs of (out * w).sum(), args) and compare with PyTorch's gradients.
import { Tensor as TensorClass, memory } from '@flint/core';
import type { Tensor } from '@flint/core';
import type { Case, GradWeights, TensorSpec } from './fixtures.js';
import { familyOf } from './fixtures.js';
import type { Made } from './decode.js';
import { decodeArg, makeTensor, tensorsIn } from './decode.js';
import { compare } from './compare.js';
import type { AutogradApi } from './autograd.js';
import type { CaseResult } from './run-case.js';
import { MissingApi, callOp, errText } from './run-case.js';

export const gradId = (c: Case): string => `${c.id}/grad`;

/** Pair each floating output with its weights, walking the result like the expectation. */
export function weightedOutputs(result: unknown, w: GradWeights | null, path = 'result'): { out: Tensor; w: TensorSpec }[] {
  if (w === null) return [];
  if ('t' in w) {
    if (!(result instanceof TensorClass)) throw new Error(`${path}: expected a Tensor`);
    return [{ out: result, w: w.t }];
  }
  if ('l' in w) {
    if (!Array.isArray(result) || result.length !== w.l.length) throw new Error(`${path}: expected an array of ${w.l.length}`);
    return w.l.flatMap((v, i) => weightedOutputs(result[i], v, `${path}[${i}]`));
  }
  if (!result || typeof result !== 'object') throw new Error(`${path}: expected an object {${Object.keys(w.o).join(', ')}}`);
  return Object.entries(w.o).flatMap(([k, v]) => weightedOutputs((result as Record<string, unknown>)[k], v, `${path}.${k}`));
}

/** sum over outputs of (out * w).sum(); every tensor it makes goes to `owned`. */
export function weightedSum(pairs: { out: Tensor; w: Tensor }[], owned: Tensor[]): Tensor {
  let loss: Tensor | undefined;
  for (const { out, w } of pairs) {
    const prod = out.mul(w), term = prod.sum();
    owned.push(prod, term);
    if (loss) owned.push((loss = loss.add(term)));
    else loss = term;
  }
  if (!loss) throw new Error('the case has no floating output to differentiate');
  return loss;
}

async function isZero(t: Tensor): Promise<boolean> {
  return Array.from(await t.data(), Number).every((v) => v === 0);
}

async function compareGrad(actual: Tensor | null, expected: TensorSpec | null, c: Case, device: string, path: string): Promise<string | null> {
  const where = `grad of args[${path}]`;
  if (expected === null) return actual === null || (await isZero(actual)) ? null : `${where}: torch gives None (no dependence), Flint gives nonzero values`;
  if (actual === null) {
    const zero = expected.data?.every((v) => v === 0) ?? false;
    return zero ? null : `${where}: Flint gives null (treated as unused), torch gives nonzero values`;
  }
  return compare(actual, { t: expected }, c.tol, { device }, where);
}

/** Runs the gradient check of case `c` (`"<case id>/grad"`) on `device`, comparing with PyTorch's gradients. */
export async function runGradCase(c: Case, device: string, ag: AutogradApi): Promise<CaseResult> {
  const base = { id: gradId(c), family: familyOf(c.id), op: c.op };
  const fail = (message: string): CaseResult => ({ ...base, status: 'fail', message });
  const g = c.grad!;
  const paths = Object.keys(g.inputs);
  const made: Made = { tensors: [], bases: new Map(), leaves: new Map(paths.map((p) => [p, undefined])) };
  const owned: Tensor[] = [];
  const before = memory().devices[device]?.tensors ?? 0;
  let result: unknown;
  let failure: CaseResult | undefined;
  try {
    let args: unknown[];
    try {
      args = c.args.map((a, i) => decodeArg(a, device, made, i));
    } catch (e) {
      return fail(`building the inputs with requiresGrad failed: ${errText(e)}`);
    }
    try {
      result = callOp(c, args);
      if (result instanceof Promise) result = await result;
    } catch (e) {
      return fail(e instanceof MissingApi ? e.message : `the forward call with requiresGrad inputs threw ${errText(e)}`);
    }
    const pairs = weightedOutputs(result, g.w).map(({ out, w }) => ({ out, w: makeTensor(w, device, made).view }));
    const loss = weightedSum(pairs, owned);
    const leaves = paths.map((p) => made.leaves!.get(p)!);
    let grads: (Tensor | null)[];
    try {
      grads = ag.grad(loss, leaves, { allowUnused: true });
    } catch (e) {
      return fail(`grad threw ${errText(e)}`);
    }
    for (const t of grads) if (t) owned.push(t);
    for (let i = 0; i < paths.length; i++) {
      const m = await compareGrad(grads[i] ?? null, g.inputs[paths[i]!]!, c, device, paths[i]!);
      if (m) return fail(g.smooth === false ? `${m} (the inputs sit on a kink, jump or NaN: torch's convention there)` : m);
    }
  } catch (e) {
    return fail(`the gradient check failed: ${errText(e)}`);
  } finally {
    const all = new Set<Tensor>([...made.tensors, ...tensorsIn(result), ...owned]);
    for (const t of all) if (!t.isDisposed) t.dispose();
    // a leak here is the op's backward (or the tape) holding on to tensors: name the case that caused it
    const left = (memory().devices[device]?.tensors ?? 0) - before;
    if (left > 0) failure = fail(`${left} tensors are still live after the gradient case disposed everything it made`);
  }
  return failure ?? { ...base, status: 'pass' };
}
