// Test helper: runs a rank script under mpirun (2 ranks by default) through tsx, with @flint/* resolved to
// sources, and returns each rank's output lines; a run past `limitMs` is killed with its process group.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package folder, found upwards from this module (which may run from a bundle elsewhere). */
export const packageDir = ((): string => {
  for (let d = dirname(fileURLToPath(import.meta.url)); d !== dirname(d); d = dirname(d)) {
    const pkg = join(d, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === '@flint/distributed') return d;
  }
  throw new Error('launch.ts: the @flint/distributed package folder was not found above this module');
})();

/** Where bundle-ranks.ts puts the bundled rank scripts (per vitest process: its worker threads share the pid, and parallel runs don't overwrite each other). */
export const bundleDir = (): string => join(packageDir, 'node_modules/.cache/flint-distributed-ranks', String(process.pid));

/** What a launched job printed, what its ranks reported (see {@link report}) and how it ended. */
export interface JobResult { code: number | null; signal: string | null; out: string; ms: number; killed: boolean; reports: unknown[] }

/** In a rank script: hands `value` to the test (a file per rank: long lines of two ranks interleave on mpirun's stdout). */
export function report(rank: number, value: unknown): void {
  const dir = process.env.FLINT_TEST_RESULTS;
  if (dir) writeFileSync(join(dir, `rank-${String(rank).padStart(4, '0')}.json`), JSON.stringify(value));
  else console.log(`RESULT ${JSON.stringify(value)}`);
}

/** `mpirun -n ranks node <bundle>` (or `node --import tsx <script>` without a bundle) `...args`, from the package folder. */
export function mpirunArgs(script: string, args: string[], ranks: number): string[] {
  const root = typeof process.getuid === 'function' && process.getuid() === 0 ? ['--allow-run-as-root'] : [];
  const bundle = join(bundleDir(), basename(script).replace(/\.ts$/, '.mjs'));
  const run = existsSync(bundle) ? [bundle] : ['--import', 'tsx', script];
  return ['--oversubscribe', ...root, '-n', String(ranks), process.execPath, ...run, ...args];
}

export function launch(script: string, args: string[] = [], opts: { ranks?: number; limitMs?: number; env?: Record<string, string> } = {}): Promise<JobResult> {
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'flint-ranks-'));
  return new Promise((resolve) => {
    const p = spawn('mpirun', mpirunArgs(script, args, opts.ranks ?? 2), {
      cwd: packageDir, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TSX_TSCONFIG_PATH: `${packageDir}/tsconfig.ranks.json`, FORCE_COLOR: '0', FLINT_TEST_RESULTS: dir, ...opts.env },
    });
    let out = '', killed = false;
    p.on('error', (e: NodeJS.ErrnoException) => {
      out += e.code === 'ENOENT' ? "mpirun not found: these tests need Open MPI ('apt-get install openmpi-bin libopenmpi-dev')\n" : `could not start mpirun: ${e.message}\n`;
    });
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => { killed = true; try { process.kill(-p.pid!, 'SIGKILL'); } catch { /* gone */ } }, opts.limitMs ?? 60_000);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      const reports = readdirSync(dir).sort().map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown);
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, signal, out, ms: Date.now() - t0, killed, reports });
    });
  });
}

/** The JSON objects a job's ranks printed on lines starting with `tag`. */
export function results<T>(out: string, tag = 'RESULT '): T[] {
  return out.split('\n').filter((l) => l.startsWith(tag)).map((l) => JSON.parse(l.slice(tag.length)) as T);
}
