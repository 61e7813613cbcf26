// runConformance: register a backend under a fresh device name and run every fixture case and extra check on it.
import { initBackend, memory, registerBackend, removeBackend } from '@flint/core';
import type { BackendFactory } from '@flint/core';
import type { Case } from './fixtures.js';
import { familyOf, loadFixtures } from './fixtures.js';
import type { CaseResult } from './run-case.js';
import { runCase } from './run-case.js';
import type { CaseFilter, SkipMap } from './skip.js';
import { matches, skipReason } from './skip.js';
import type { ExtraCheck } from './extras.js';
import { EXTRA_CHECKS } from './extras.js';
import { halfChecks, halfSkipReason } from './half.js';
import type { HalfCheck } from './half.js';
import type { AutogradApi } from './autograd.js';
import { loadAutograd } from './autograd.js';
import { gradId, runGradCase } from './grad-case.js';

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  /** Known gaps, keyed by case id, id prefix ("binary/add"), op name or family, with the reason. */
  skip?: SkipMap;
  /** Run only the case ids this matches (substring, RegExp or predicate). */
  filter?: CaseFilter;
  /** Where progress lines go (skips with reasons, failures); default console.log. */
  log?: (line: string) => void;
  /**
   * Gradient checks ("<case id>/grad": PyTorch's gradients of each differentiable case), run when
   * @flint/autograd can be imported; false turns them off. Default true.
   */
  grads?: boolean;
}

/** The result of a conformance run. */
export interface Report {
  /** The device name the backend ran under. */
  device: string;
  /** The backend's own name. */
  backend: string;
  /** Number of cases that passed. */
  passed: number;
  /** Number of cases that failed. */
  failed: number;
  /** Number of cases skipped (known gaps). */
  skipped: number;
  /** Every case's outcome. */
  results: CaseResult[];
}

let counter = 0;
/** A device name no one else uses, so the backend under test never collides with 'cpu' and friends. */
export const uniqueDeviceName = (): string => `testkit${process.pid}x${counter++}`;

/** One run item: a fixture case, its gradient check, or an extra check. */
export type Item = { kind: 'case'; case: Case } | { kind: 'grad'; case: Case; autograd: AutogradApi } | { kind: 'extra'; check: ExtraCheck }
  | { kind: 'half'; check: HalfCheck };
export const itemId = (i: Item): string => (i.kind === 'case' ? i.case.id : i.kind === 'grad' ? gradId(i.case) : i.check.id);
export const itemOp = (i: Item): string => (i.kind === 'extra' || i.kind === 'half' ? i.check.op : i.case.op);

/** Every case (each followed by its gradient check when `autograd` is given), the float16/bfloat16 checks, then the extra checks. */
export function allItems(autograd?: AutogradApi): Item[] {
  return [
    ...loadFixtures().flatMap((f) => f.cases.flatMap((c): Item[] => (autograd && c.grad
      ? [{ kind: 'case', case: c }, { kind: 'grad', case: c, autograd }]
      : [{ kind: 'case', case: c }]))),
    ...halfChecks().map((check): Item => ({ kind: 'half', check })),
    ...EXTRA_CHECKS.map((check): Item => ({ kind: 'extra', check })),
  ];
}

/** @flint/autograd when gradient checks are on and it loads; otherwise why they don't run (undefined when turned off). */
export async function gradSetup(grads: boolean | undefined): Promise<{ autograd?: AutogradApi; reason?: string }> {
  if (grads === false) return {};
  const r = await loadAutograd();
  return r.api ? { autograd: r.api } : { reason: `gradient checks don't run: ${r.reason}` };
}

export async function runItem(item: Item, device: string): Promise<CaseResult> {
  if (item.kind === 'case') return runCase(item.case, device);
  if (item.kind === 'grad') return runGradCase(item.case, device, item.autograd);
  const base = { id: item.check.id, family: familyOf(item.check.id), op: item.check.op };
  // a low-precision check runs where the backend stores and computes its dtypes
  const skip = item.kind === 'half' ? halfSkipReason(item.check, device) : undefined;
  if (skip !== undefined) return { ...base, status: 'skip', message: skip };
  try {
    await item.check.run(device);
    return { ...base, status: 'pass' };
  } catch (e) {
    return { ...base, status: 'fail', message: e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e) };
  }
}

/** The leak check over a whole run: live tensors and bytes on the device must return to where they started. */
export function memoryLeakResult(device: string, start: { tensors: number; bytes: number }): CaseResult {
  const d = memory().devices[device];
  const end = { tensors: d?.tensors ?? 0, bytes: d?.bytes ?? 0 };
  const ok = end.tensors === start.tensors && end.bytes === start.bytes;
  return {
    id: 'extras/memory/whole_suite', family: 'extras', op: 'memory', status: ok ? 'pass' : 'fail',
    message: ok ? undefined : `after every case disposed its tensors, ${end.tensors - start.tensors} tensors / ${end.bytes - start.bytes} bytes are still live (composites leak intermediates)`,
  };
}

/**
 * Registers the backend `factory` makes under a fresh device name and runs the whole suite on it; resolves to the
 * report.
 */
export async function runConformance(factory: BackendFactory, opts: ConformanceOptions = {}): Promise<Report> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const device = uniqueDeviceName();
  registerBackend(device, factory);
  const backend = await initBackend(device);
  const results: CaseResult[] = [];
  const { autograd, reason } = await gradSetup(opts.grads);
  if (reason) log(reason);
  try {
    const d0 = memory().devices[device];
    const start = { tensors: d0?.tensors ?? 0, bytes: d0?.bytes ?? 0 };
    for (const item of allItems(autograd)) {
      const id = itemId(item);
      if (!matches(id, opts.filter)) continue;
      const reason = skipReason({ id, op: itemOp(item) }, opts.skip);
      if (reason !== undefined) {
        results.push({ id, family: familyOf(id), op: itemOp(item), status: 'skip', message: reason });
        log(`SKIP ${id}: ${reason}`);
        continue;
      }
      const r = await runItem(item, device);
      if (r.status === 'fail') log(`FAIL ${id}: ${r.message}`);
      results.push(r);
    }
    if (opts.filter === undefined) {
      const leak = memoryLeakResult(device, start);
      if (leak.status === 'fail') log(`FAIL ${leak.id}: ${leak.message}`);
      results.push(leak);
    }
  } finally {
    removeBackend(device);
  }
  const count = (s: CaseResult['status']): number => results.filter((r) => r.status === s).length;
  return { device, backend: backend.name, passed: count('pass'), failed: count('fail'), skipped: count('skip'), results };
}
