// The runner itself: it must catch a wrong kernel, honour skips with their reasons, and count results.
import { describe, expect, it } from 'vitest';
import type { Backend, Kernel } from '@flint/core';
import { runConformance } from '../src/index.js';
import { createMinimalBackend } from '../src/reference/minimal.js';

function withKernel(name: string, k: Kernel<Float64Array>): () => Backend {
  return () => {
    const b = createMinimalBackend();
    return { ...b, kernels: { ...b.kernels, [name]: k as unknown as Kernel } };
  };
}

describe('runConformance', () => {
  it('reports a wrong add kernel as failures with the differing values', async () => {
    const broken = withKernel('add', ([a, b], [out]) => {
      for (let i = 0; i < out!.shape.reduce((x, y) => x * y, 1); i++) out!.buffer[i] = 0;
      void a; void b;
    });
    const lines: string[] = [];
    const r = await runConformance(broken, { filter: /^binary\/add\/(f32|f64)$/, log: (l) => lines.push(l) });
    expect(r.failed).toBe(2);
    expect(r.passed).toBe(0);
    expect(r.results[0]!.message).toMatch(/values differ/);
    expect(lines.join('\n')).toMatch(/FAIL binary\/add\/f32/);
  });

  it('passes a correct case and lists skips with their reasons', async () => {
    const lines: string[] = [];
    const r = await runConformance(createMinimalBackend, {
      filter: /^binary\/(add|sub)\/f32$/, skip: { sub: 'not yet' }, log: (l) => lines.push(l),
    });
    expect([r.passed, r.failed, r.skipped]).toEqual([1, 0, 1]);
    expect(lines).toEqual(['SKIP binary/sub/f32: not yet']);
  });

  it('checks the error class of error cases', async () => {
    const r = await runConformance(createMinimalBackend, { filter: 'binary/add/shape_mismatch', log: () => {} });
    expect(r.results.map((x) => x.status)).toEqual(['pass']);
  });
});
