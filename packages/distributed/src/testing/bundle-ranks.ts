// Vitest global setup: bundles the rank scripts (src/testing/*-rank.ts) with esbuild once per run, so the
// ranks mpirun starts load one JavaScript file each (~0.1 s of CPU) instead of compiling the sources through
// tsx (~0.7 s a rank). launch() uses a bundle when it is there, tsx otherwise.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { bundleDir, packageDir } from './launch.js';

export default async function setup(): Promise<() => void> {
  const dir = bundleDir();
  const entries = readdirSync(join(packageDir, 'src/testing')).filter((f) => f.endsWith('-rank.ts')).map((f) => join(packageDir, 'src/testing', f));
  await build({
    entryPoints: entries, bundle: true, platform: 'node', format: 'esm', target: 'node20', outdir: dir, outExtension: { '.js': '.mjs' },
    tsconfig: join(packageDir, 'tsconfig.ranks.json'),
    external: ['koffi', '@flint/backend-cuda'], // koffi is native; the CUDA backend only matters on a GPU machine
    ignoreAnnotations: true, // keep '@flint/backend-cpu' (a side-effect import of a source path its package.json doesn't list)
    logLevel: 'error',
  });
  return () => rmSync(dir, { recursive: true, force: true });
}
