// Run one fixture case on a device: build the args, call the op, compare, dispose everything it made.
import * as core from '@flint/core';
import type { Tensor } from '@flint/core';
import type { Case } from './fixtures.js';
import { familyOf } from './fixtures.js';
import type { Made } from './decode.js';
import { decodeArg, tensorsIn } from './decode.js';
import { compare } from './compare.js';

/** The outcome of one conformance case. */
export type Status = 'pass' | 'fail' | 'skip';
/**
 * The outcome of one conformance case.
 * @property id - the case id
 * @property family - its fixture family
 * @property op - the op under test
 * @property status - pass, fail or skip
 * @property message - why it failed or was skipped
 */
export interface CaseResult { id: string; family: string; op: string; status: Status; message?: string }

export const errText = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

function errorMatches(e: unknown, name: string): boolean {
  const ctor = (core as unknown as Record<string, unknown>)[name];
  if (typeof ctor === 'function') return e instanceof (ctor as new (...a: never[]) => Error);
  return e instanceof Error && e.name === name;
}

/** Call the case's op (a core export or a Tensor method) on decoded args. */
export function callOp(c: Pick<Case, 'call' | 'method'>, args: unknown[]): unknown {
  if (c.method) {
    const self = args[0] as Record<string, unknown> | undefined;
    const fn = self?.[c.call];
    if (typeof fn !== 'function') throw new MissingApi(`Tensor has no method '${c.call}'`);
    return (fn as (...a: unknown[]) => unknown).apply(self, args.slice(1));
  }
  const fn = (core as unknown as Record<string, unknown>)[c.call];
  if (typeof fn !== 'function') throw new MissingApi(`@flint/core exports no function '${c.call}'`);
  return (fn as (...a: unknown[]) => unknown)(...args);
}

export class MissingApi extends Error {}

/** Runs one fixture case on `device`: builds the arguments, calls the op, compares, disposes what it made. */
export async function runCase(c: Case, device: string): Promise<CaseResult> {
  const before = core.memory().devices[device]?.tensors ?? 0;
  const r = await runCaseOnce(c, device);
  // an op that leaks an intermediate (or keeps one when it throws) is named here, not at the end of the suite
  const left = (core.memory().devices[device]?.tensors ?? 0) - before;
  return left > 0 && r.status === 'pass' ? { ...r, status: 'fail', message: `${left} tensors are still live after the case disposed everything it made` } : r;
}

async function runCaseOnce(c: Case, device: string): Promise<CaseResult> {
  const base = { id: c.id, family: familyOf(c.id), op: c.op };
  const fail = (message: string): CaseResult => ({ ...base, status: 'fail', message });
  const made: Made = { tensors: [], bases: new Map() };
  let result: unknown;
  try {
    let args: unknown[];
    try {
      args = c.args.map((a, i) => decodeArg(a, device, made, i));
    } catch (e) {
      return fail(`building the inputs failed: ${errText(e)}`);
    }
    if ('error' in c.expect) {
      try {
        result = callOp(c, args);
        if (result instanceof Promise) result = await result;
        // a device that checks data-dependent errors (indices) while it runs reports them at the next read
        for (const t of tensorsIn(result)) await t.data();
      } catch (e) {
        if (e instanceof MissingApi) return fail(e.message);
        return errorMatches(e, c.expect.error) ? { ...base, status: 'pass' } : fail(`expected ${c.expect.error}, got ${errText(e)}`);
      }
      return fail(`expected ${c.expect.error} (torch: ${c.torchError ?? 'raises'}), but it returned without an error, and reading the result raised none`);
    }
    try {
      result = callOp(c, args);
      if (result instanceof Promise) result = await result;
    } catch (e) {
      return fail(e instanceof MissingApi ? e.message : `threw ${errText(e)}`);
    }
    if (c.same !== undefined && result !== args[c.same]) return fail(`an in-place op must return the tensor it was called on (args[${c.same}])`);
    const opts = { device, shapeOnly: c.shapeOnly };
    let m = await compare(result, c.expect, c.tol, opts);
    for (const [i, e] of Object.entries(c.after ?? {})) m ??= await compare(args[Number(i)], e, c.tol, opts, `args[${i}] after the call`);
    for (const [i, e] of Object.entries(c.afterBase ?? {})) m ??= await compare(made.bases.get(Number(i)), e, c.tol, opts, `base of args[${i}] after the call`);
    return m ? fail(m) : { ...base, status: 'pass' };
  } catch (e) {
    return fail(`reading the result failed: ${errText(e)}`);
  } finally {
    const all = new Set<Tensor>([...made.tensors, ...tensorsIn(result)]);
    for (const t of all) if (!t.isDisposed) t.dispose();
  }
}
