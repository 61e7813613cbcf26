// The fixture files themselves: unique ids, data that fits each shape, and an error class core exports.
import { describe, expect, it } from 'vitest';
import * as core from '@flint/core';
import type { Arg, Expect, TensorSpec } from '../src/fixtures.js';
import { loadFixtures } from '../src/fixtures.js';

const families = loadFixtures();
const cases = families.flatMap((f) => f.cases);

function specs(x: Arg | Expect, out: TensorSpec[] = []): TensorSpec[] {
  if ('t' in x) out.push(x.t);
  else if ('l' in x) for (const v of x.l as (Arg | Expect)[]) specs(v, out);
  else if ('o' in x) for (const v of Object.values(x.o as Record<string, Arg | Expect>)) specs(v, out);
  return out;
}

describe('fixtures', () => {
  it('has one file per family, every id unique and prefixed by its family', () => {
    expect(families.length).toBeGreaterThanOrEqual(13);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    for (const f of families) for (const c of f.cases) expect(c.id.startsWith(`${f.family}/`)).toBe(true);
  });

  it('stores exactly numel values for every tensor with data', () => {
    for (const c of cases) {
      for (const s of [...c.args.flatMap((a) => specs(a)), ...specs(c.expect)]) {
        if (s.data) expect(s.data.length, c.id).toBe(s.shape.reduce((a, b) => a * b, 1));
      }
    }
  });

  it('names only error classes that @flint/core exports', () => {
    for (const c of cases) if ('error' in c.expect) expect(typeof (core as Record<string, unknown>)[c.expect.error], c.id).toBe('function');
  });
});
