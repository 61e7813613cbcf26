/**
 * describeBackend: the conformance suite as vitest tests, one describe per op family and one it per case.
 * @module @flint/backend-testkit/vitest
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { initBackend, memory, registerBackend, removeBackend } from '@flint/core';
import type { BackendFactory } from '@flint/core';
import { familyOf } from './fixtures.js';
import type { Item } from './runner.js';
import { allItems, gradSetup, itemId, itemOp, memoryLeakResult, runItem, uniqueDeviceName } from './runner.js';
import type { CaseFilter, SkipMap } from './skip.js';
import { matches, skipReason } from './skip.js';

/** Options of {@link describeBackend}. */
export interface DescribeBackendOptions {
  /** Known gaps, keyed by case id, id prefix, op name or family, with the reason (shown in the test title). */
  skip?: SkipMap;
  /** Run only the case ids this matches (substring, RegExp or predicate). */
  filter?: CaseFilter;
  /** Title of the outer describe; defaults to the backend's name once known. */
  name?: string;
  /** Gradient checks ("<case id>/grad"), when @flint/autograd can be imported; false turns them off. */
  grads?: boolean;
}

/**
 * Declares the conformance suite as vitest tests for the backend `factory` makes: a describe per family, an it per
 * case.
 */
export function describeBackend(factory: BackendFactory, opts: DescribeBackendOptions = {}): void {
  const device = uniqueDeviceName();
  let start = { tensors: 0, bytes: 0 };
  // async collection: whether gradient checks exist depends on importing @flint/autograd
  describe(`backend conformance${opts.name ? `: ${opts.name}` : ''}`, async () => {
    const { autograd, reason } = await gradSetup(opts.grads);
    if (reason) it.skip(`gradients (skipped: ${reason})`, () => {});
    const items = allItems(autograd).filter((i) => matches(itemId(i), opts.filter));
    const families = new Map<string, Item[]>();
    for (const i of items) {
      const f = familyOf(itemId(i));
      families.set(f, [...(families.get(f) ?? []), i]);
    }
    beforeAll(async () => {
      registerBackend(device, factory);
      await initBackend(device);
      const d = memory().devices[device];
      start = { tensors: d?.tensors ?? 0, bytes: d?.bytes ?? 0 };
    });
    afterAll(() => removeBackend(device));
    for (const [family, list] of families) {
      describe(family, () => {
        for (const item of list) {
          const id = itemId(item);
          const reason = skipReason({ id, op: itemOp(item) }, opts.skip);
          if (reason !== undefined) {
            it.skip(`${id} (skipped: ${reason})`, () => {});
            continue;
          }
          it(id, async (ctx) => {
            const r = await runItem(item, device);
            if (r.status === 'fail') throw new Error(r.message);
            // a float16/bfloat16 check of a dtype the backend doesn't compute in
            if (r.status === 'skip') ctx.skip(r.message);
          });
        }
      });
    }
    if (opts.filter === undefined) {
      it('extras/memory/whole_suite', () => {
        const r = memoryLeakResult(device, start);
        if (r.status === 'fail') throw new Error(r.message);
      });
    }
  });
}
