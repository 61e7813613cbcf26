// The published build, not just the sources: bundling must keep every gradient rule (they register
// themselves on import, which a bundler drops if it believes the modules are side-effect free).
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const cpu = fileURLToPath(new URL('../../backend-cpu/dist/index.js', import.meta.url));
const core = fileURLToPath(new URL('../../core/dist/index.js', import.meta.url));

describe.skipIf(!existsSync(dist) || !existsSync(cpu))('the built @flint/autograd', () => {
  it('trains through the nn ops with every rule present', () => {
    const script = `
      await import(${JSON.stringify(cpu)});
      const A = await import(${JSON.stringify(dist)});
      const F = await import(${JSON.stringify(core)});
      const x = F.randn([2, 3, 6, 6]), w = F.randn([4, 3, 3, 3]).requiresGrad_();
      const y = F.maxPool2d(F.conv2d(x, w, null, { padding: 1 }).relu(), 2).flatten(1);
      F.crossEntropy(y, F.tensor([1n, 3n])).backward();
      console.log(A.ruleNames().length, w.grad.shape.join(','));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim();
    const [rules, shape] = out.split(' ');
    expect(Number(rules)).toBeGreaterThan(60);
    expect(shape).toBe('4,3,3,3');
  });
});
