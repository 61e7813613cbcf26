// Without WebGPU, initWebGPU rejects with a BackendError that says what it tried and what to install: the
// package is bundled into a folder where the `webgpu` package cannot be found, and run there by Node.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { expect, it } from 'vitest';

const src = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

it('initWebGPU without navigator.gpu or the webgpu package names both and says what to install', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-nowebgpu-'));
  try {
    const entry = join(dir, 'entry.ts');
    writeFileSync(entry, `import { initWebGPU } from ${JSON.stringify(src('./index.ts'))};
initWebGPU().then(() => console.log('UNEXPECTED: got a device'), (e) => console.log(e.name + ': ' + e.message));`);
    await build({
      entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile: join(dir, 'out.mjs'), logLevel: 'silent',
      alias: { '@flint/core': src('../../core/src/index.ts') }, external: ['webgpu'],
    });
    const out = execFileSync(process.execPath, [join(dir, 'out.mjs')], { cwd: dir, encoding: 'utf8' });
    expect(out).toMatch(/^BackendError: initWebGPU: no WebGPU: navigator\.gpu is absent; the 'webgpu' package \(Dawn for Node\) did not load/);
    expect(out).toMatch(/npm install webgpu/);
    expect(out).toMatch(/@flint\/backend-cpu/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
