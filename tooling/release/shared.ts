// What the release checks share: the public packages, running a command, timing named steps.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));

export interface PublicPackage { name: string; version: string; dir: string; manifest: Record<string, unknown> }

/** Every package under `packages/` that is not private, in directory order. */
export function publicPackages(workspace = root): PublicPackage[] {
  const base = join(workspace, 'packages');
  return readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => {
      const dir = join(base, d.name);
      let manifest: Record<string, unknown>;
      try { manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>; } catch { return []; }
      if (manifest.private === true) return [];
      return [{ name: String(manifest.name), version: String(manifest.version), dir, manifest }];
    });
}

export class CheckError extends Error {}

/** Runs a command and returns its stdout; a non-zero exit throws with the command's output in the message. */
export function sh(cmd: string, args: string[], opts: SpawnSyncOptions & { quiet?: boolean } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.error) throw new CheckError(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  const out = String(r.stdout ?? ''), err = String(r.stderr ?? '');
  if (r.status !== 0) {
    throw new CheckError(`\`${cmd} ${args.join(' ')}\` (in ${String(opts.cwd ?? process.cwd())}) exited with ${r.status ?? r.signal}:\n${(out + err).trim()}`);
  }
  return out;
}

export interface PackResult {
  name: string; version: string; filename: string; files: { path: string }[];
  manifest: Record<string, unknown> & { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
}

/**
 * `pnpm pack`s the package in `dir` into `dest` and checks the tarball: every file its manifest points at is in
 * it, and its LICENSE and README (and CHANGELOG.md when `changelog`), no sources or tests are, and no
 * `workspace:` range is left in its package.json.
 */
export function packChecked(dir: string, dest: string, { changelog = false } = {}): PackResult {
  const res = JSON.parse(sh('pnpm', ['pack', '--pack-destination', dest, '--json'], { cwd: dir })) as PackResult;
  const files = new Set(res.files.map((f) => f.path));
  // the licence the manifest names (copied from the root by the package's prepack script), and after
  // `changeset version` the changelog
  const needed = ['LICENSE', 'README.md', ...(changelog ? ['CHANGELOG.md'] : [])].filter((f) => !files.has(f));
  if (needed.length) throw new CheckError(`${res.name}: its tarball lacks ${needed.join(', ')}`);
  const missing = entryFiles(res.manifest).filter((f) => !files.has(f));
  if (missing.length) throw new CheckError(`${res.name}: its tarball lacks files its package.json points at: ${missing.join(', ')}`);
  const stray = [...files].filter((f) => /(^|\/)src\/|\.test\.|^tsconfig|^vitest\./.test(f));
  if (stray.length) throw new CheckError(`${res.name}: its tarball carries sources or tests: ${stray.slice(0, 5).join(', ')}`);
  const ranges = JSON.stringify(res.manifest).match(/"workspace:[^"]*"/g);
  if (ranges) throw new CheckError(`${res.name}: the packed package.json keeps ${ranges.join(', ')}`);
  return res;
}

/** The files a manifest's main/module/types/exports/bin name (exports patterns with `*` are skipped). */
function entryFiles(manifest: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') { if (v.startsWith('./') && !v.includes('*')) out.push(v.slice(2)); }
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk([manifest.main, manifest.module, manifest.types, manifest.exports, manifest.bin]);
  return [...new Set(out)];
}

const timings: [string, number][] = [];

/** Runs one named step, printing its name and how long it took; the summary prints them all. */
export async function step<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  const t0 = performance.now();
  console.log(`-- ${name}`);
  const result = await fn();
  timings.push([name, (performance.now() - t0) / 1000]);
  return result;
}

/** Runs `main`, then prints each step's time; a CheckError prints its message alone and exits 1. */
export async function runChecks(title: string, main: () => Promise<void>): Promise<void> {
  const t0 = performance.now();
  try {
    await main();
  } catch (e) {
    console.error(`${title}: FAILED\n${e instanceof CheckError ? e.message : e instanceof Error ? e.stack : String(e)}`);
    process.exitCode = 1;
  }
  const steps = timings.map(([n, s]) => `${n} ${s.toFixed(1)}s`).join(', ');
  console.log(`${title}: ${process.exitCode ? 'failed' : 'ok'} in ${((performance.now() - t0) / 1000).toFixed(1)}s (${steps})`);
}
