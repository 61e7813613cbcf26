// What a user gets from npm, checked before we publish it: `pnpm pack` every public package (after
// `pnpm run build`), install five of the tarballs into a fresh npm project outside the repository, and run
// the README's "Ten lines" example there as an ES module and as CommonJS with plain node, and bundled by
// esbuild in headless Chromium. Run by .ci/run: `pnpm release:pack-check` (`--keep` leaves the project).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { bundle, runInChromium } from './browser.js';
import { asCjs, asEsm, checkOutput, readmeExample } from './readme-example.js';
import { CheckError, packChecked, publicPackages, runChecks, sh, step } from './shared.js';

/** The packages the README example needs: a user installs exactly these. */
const INSTALLED = ['@flint/core', '@flint/backend-cpu', '@flint/autograd', '@flint/nn', '@flint/optim'];

/** Packs each public package into `dest` and checks each tarball; returns the tarballs by package name. */
function packAll(dest: string): Map<string, string> {
  const tarballs = new Map<string, string>();
  for (const pkg of publicPackages()) {
    const res = packChecked(pkg.dir, dest);
    console.log(`   ${basename(res.filename)}: ${res.files.length} files`);
    tarballs.set(res.name, res.filename);
  }
  return tarballs;
}

/** A fresh npm project with the five tarballs installed in one `npm install`, and no registry to fall back on. */
function install(project: string, tarballs: Map<string, string>): void {
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'flint-pack-check', private: true, version: '0.0.0' }, null, 2));
  const paths = INSTALLED.map((n) => {
    const t = tarballs.get(n);
    if (!t) throw new CheckError(`${n} is not a public package under packages/`);
    return t;
  });
  // offline, with an unreachable registry: a dependency the tarballs don't satisfy fails at once (ENOTCACHED).
  // None of the five has a registry dependency today; one that gains one needs it allowed here.
  sh('npm', ['install', '--offline', '--no-audit', '--no-fund', '--no-update-notifier', '--registry=http://127.0.0.1:9/', ...paths], { cwd: project });
  const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; resolved?: string }> };
  for (const name of INSTALLED) {
    const entry = lock.packages[`node_modules/${name}`];
    if (!entry?.resolved?.startsWith('file:')) throw new CheckError(`npm resolved ${name} to ${entry?.resolved ?? 'nothing'}, not the local tarball`);
  }
  const others = Object.keys(lock.packages).filter((k) => k && !INSTALLED.some((n) => k === `node_modules/${n}`));
  if (others.length) throw new CheckError(`npm installed packages beyond the five: ${others.join(', ')}`);
  console.log(`   installed ${INSTALLED.map((n) => `${n}@${lock.packages[`node_modules/${n}`]!.version}`).join(', ')} from tarballs`);
}

/** Runs a file with plain node in `project` and returns its stdout lines. */
function runNode(project: string, file: string): string[] {
  return sh(process.execPath, [file], { cwd: project, timeout: 120_000 }).trim().split('\n');
}

await runChecks('release:pack-check', async () => {
  const work = mkdtempSync(join(tmpdir(), 'flint-pack-check-'));
  const project = join(work, 'project');
  mkdirSync(join(project, 'public'), { recursive: true });
  try {
    const tarballs = await step('pnpm pack', () => packAll(work));
    await step('npm install (5 tarballs)', () => install(project, tarballs));
    const code = readmeExample();
    writeFileSync(join(project, 'example.mjs'), asEsm(code));
    writeFileSync(join(project, 'example.cjs'), asCjs(code));
    await step('node ESM', () => checkOutput('node, ES module', runNode(project, 'example.mjs')));
    await step('node CommonJS', () => checkOutput('node, CommonJS', runNode(project, 'example.cjs')));
    const out = await step('esbuild bundle', () => bundle(project, './example.mjs'));
    await step('chromium', async () => checkOutput('chromium, esbuild bundle', await runInChromium(out)));
  } finally {
    if (process.argv.includes('--keep')) console.log(`   kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
});
