// Every generated file of the repository, from its generator: `pnpm codegen` rewrites them,
// `pnpm codegen:check` (run by CI) fails when a committed one is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendsMd } from './backends-md.js';
import { cpuElementwise } from './cpu-elementwise.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const GENERATED = [cpuElementwise, backendsMd];
const check = process.argv.includes('--check');
let stale = 0;
for (const g of GENERATED) {
  const text = g.render(), name = relative(root, g.target);
  const current = (() => { try { return readFileSync(g.target, 'utf8'); } catch { return ''; } })();
  if (text === current) continue;
  if (check) {
    console.error(`${name} is stale: it differs from what its generator writes; run \`pnpm codegen\` and commit the result`);
    stale++;
  } else {
    writeFileSync(g.target, text);
    console.log(`wrote ${name}`);
  }
}
if (check && stale === 0) console.log(`codegen: ${GENERATED.length} generated files are up to date`);
process.exit(stale ? 1 : 0);
