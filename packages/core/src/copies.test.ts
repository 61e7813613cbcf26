// Two copies of @flint/core in one process (the ESM and the CommonJS build, as real apps end up loading
// through `import` and `createRequire`): tensors of one work with ops of the other, and both draw from
// one random stream and one registry. Runs the built package (turbo builds before testing).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const cpu = fileURLToPath(new URL('../../backend-cpu/dist/index.js', import.meta.url));

describe('two copies of core in one process', () => {
  it('share tensors, the RNG and the registry', () => {
    expect(existsSync(`${dist}index.cjs`) && existsSync(cpu), 'built packages (pnpm run build)').toBe(true);
    const script = `
      import { createRequire } from 'node:module';
      const esm = await import(${JSON.stringify(`${dist}index.js`)});
      const cjs = createRequire(import.meta.url)(${JSON.stringify(`${dist}index.cjs`)});
      await import(${JSON.stringify(cpu)});
      const a = esm.tensor([1, 2]), b = cjs.tensor([10, 20]);
      const mixed = [await esm.add(a, b).tolist(), await cjs.mul(b, a).tolist(), await a.add(b).tolist()];
      esm.manualSeed(5);
      const one = [...(await esm.rand([4]).data())];
      esm.manualSeed(5);
      const two = [...(await esm.rand([2]).data()), ...(await cjs.rand([2]).data())];
      console.log(JSON.stringify({ mixed, sameStream: one.join() === two.join(), devices: cjs.listBackends() }));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
    expect(out.mixed).toEqual([[11, 22], [10, 40], [11, 22]]);
    expect(out.sameStream).toBe(true);
    expect(out.devices).toContain('cpu');
  });
});
