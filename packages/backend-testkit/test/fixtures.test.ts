// The fixture files themselves: unique ids, data that fits each shape, and an error class core exports.
import { describe, expect, it } from 'vitest';
import * as core from '@flint/core';
import type { Arg, Expect, GradWeights, TensorSpec } from '../src/fixtures.js';
import { loadFixtures } from '../src/fixtures.js';

const families = loadFixtures();
const cases = families.flatMap((f) => f.cases);

function specs(x: Arg | Expect | GradWeights | null, out: TensorSpec[] = []): TensorSpec[] {
  if (x === null) return out;
  if ('t' in x) out.push(x.t);
  else if ('l' in x) for (const v of x.l as (Arg | Expect | null)[]) specs(v, out);
  else if ('o' in x) for (const v of Object.values(x.o as Record<string, Arg | Expect | null>)) specs(v, out);
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

  it('gives gradients only for floating tensor args, shaped like the arg, and w shaped like the result', () => {
    const at = (args: Arg[], path: string): Arg | undefined => {
      const [i, ...rest] = path.split('.');
      let a: Arg | undefined = args[Number(i)];
      for (const k of rest) a = a && 'l' in a ? a.l[Number(k)] : a && 'o' in a ? a.o[k] : undefined;
      return a;
    };
    const viewShape = (t: TensorSpec): number[] => (t.view ?? []).reduce((s, v) => ('permute' in v ? v.permute.map((d) => s[d]!)
      : 'transpose' in v ? s.map((d, i) => (i === v.transpose[0] ? s[v.transpose[1]]! : i === v.transpose[1] ? s[v.transpose[0]]! : d))
        : 'narrow' in v ? s.map((d, i) => (i === v.narrow[0] ? v.narrow[2] : d)) : v.expand), t.shape);
    const withGrad = cases.filter((c) => c.grad);
    expect(withGrad.length).toBeGreaterThan(500);
    for (const c of withGrad) {
      expect('error' in c.expect || c.same !== undefined, c.id).toBe(false);
      for (const [path, g] of Object.entries(c.grad!.inputs)) {
        const a = at(c.args, path);
        expect(a && 't' in a && ['float32', 'float64'].includes(a.t.dtype), `${c.id} ${path}`).toBe(true);
        if (g && a && 't' in a) expect([g.dtype, g.shape], `${c.id} ${path}`).toEqual([a.t.dtype, viewShape(a.t)]);
      }
      const ws = specs(c.grad!.w);
      const outs = specs(c.expect).filter((s) => s.dtype === 'float32' || s.dtype === 'float64');
      expect(ws.map((s) => [s.dtype, s.shape]), c.id).toEqual(outs.map((s) => [s.dtype, s.shape]));
    }
  });

  it('names only error classes that @flint/core exports', () => {
    for (const c of cases) if ('error' in c.expect) expect(typeof (core as Record<string, unknown>)[c.expect.error], c.id).toBe('function');
  });
});
