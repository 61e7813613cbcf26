// Test helper: run a TypeScript snippet that imports this package's sources in a fresh Node process
// (bundled with esbuild, keepNames on as tsx and vitest compile), for what needs its own process:
// exiting, engine flags.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const src = fileURLToPath(new URL('.', import.meta.url)), core = fileURLToPath(new URL('../../core/src/index.ts', import.meta.url));

/**
 * Bundles `code` (where `$src/` stands for this package's src folder) and runs it with `nodeArgs` and `args`
 * (process.argv[2] on), as a file or imported from `--input-type=module -e`; returns stdout and the exit status.
 */
export function runBundled(code: string, nodeArgs: string[] = [], args: string[] = [], opts: { evalModule?: boolean } = {}): { stdout: string; status: number } {
  const dir = mkdtempSync(join(tmpdir(), 'flint-cpu-test-'));
  try {
    const entry = join(dir, 'entry.ts'), bundle = join(dir, 'entry.mjs');
    writeFileSync(entry, code.replaceAll('$src/', `${src}/`));
    buildSync({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', outfile: bundle, alias: { '@flint/core': core }, logLevel: 'silent', keepNames: true });
    try {
      // evalModule: as `node --input-type=module -e "await import(...)"` (workers inherit that flag by default)
      const run = opts.evalModule ? ['--input-type=module', '-e', `await import(${JSON.stringify(bundle)})`, '--', ...args] : [bundle, ...args];
      return { stdout: execFileSync(process.execPath, [...nodeArgs, ...run], { encoding: 'utf8', timeout: 30_000, stdio: 'pipe' }), status: 0 };
    } catch (e) {
      const err = e as { status: number | null; stdout?: string };
      return { stdout: err.stdout ?? '', status: err.status ?? -1 };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
