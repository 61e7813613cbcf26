// The release flow of CONTRIBUTING.md, rehearsed in a throwaway copy of the workspace (never in the
// checkout): `changeset version` on the pending changesets (or, with none pending, a patch of every public
// package), then `pnpm publish --dry-run` and `pnpm pack` of each public package. Checks the versions
// moved as the changesets ask, each CHANGELOG.md gained its version, and the published manifests carry
// the new versions in place of `workspace:` ranges. Needs `pnpm run build` first (the tarballs take dist/).
// Run by .ci/run: `pnpm release:dry-run`; `--strict` also fails on a bump larger than any changeset asked for.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { CheckError, packChecked, publicPackages, root, runChecks, sh, step, type PublicPackage } from './shared.js';

const BUMPS = ['none', 'patch', 'minor', 'major'] as const;
type Bump = (typeof BUMPS)[number];

/** The workspace's root files, .changeset/ and packages/ (without node_modules) in a fresh folder. */
function copyWorkspace(): string {
  const copy = mkdtempSync(join(tmpdir(), 'flint-release-'));
  // dereference: a linked folder copied as a link would let `changeset version` write into the checkout
  for (const f of ['package.json', 'pnpm-workspace.yaml', 'LICENSE', '.changeset']) cpSync(join(root, f), join(copy, f), { recursive: true, dereference: true });
  cpSync(join(root, 'packages'), join(copy, 'packages'), {
    recursive: true, dereference: true,
    filter: (src) => !/\/(node_modules|\.turbo)$/.test(src),
  });
  // the changelog generator named in .changeset/config.json resolves from the copy
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
  return copy;
}

/** The bump each package's pending changesets ask for (the largest), read from their front matter. */
function requestedBumps(copy: string, pkgs: PublicPackage[]): Map<string, Bump> {
  const dir = join(copy, '.changeset');
  let files = readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md');
  if (files.length === 0) {
    writeFileSync(join(dir, 'release-dry-run.md'), `---\n${pkgs.map((p) => `"${p.name}": patch`).join('\n')}\n---\n\nRelease dry run.\n`);
    files = ['release-dry-run.md'];
    console.log('   no pending changesets: rehearsing a patch release of every public package');
  }
  const asked = new Map<string, Bump>();
  for (const f of files) {
    const front = /^---\n([\s\S]*?)\n---/.exec(readFileSync(join(dir, f), 'utf8'))?.[1] ?? '';
    for (const m of front.matchAll(/^\s*["']?([^"':]+)["']?\s*:\s*(patch|minor|major|none)\s*$/gm)) {
      const [name, bump] = [m[1]!, m[2] as Bump];
      if (BUMPS.indexOf(bump) > BUMPS.indexOf(asked.get(name) ?? 'none')) asked.set(name, bump);
    }
  }
  console.log(`   pending: ${files.join(', ')}`);
  return asked;
}

function bumpOf(from: string, to: string): Bump {
  const [a, b] = [from, to].map((v) => v.split(/[.-]/).slice(0, 3).map(Number)) as [number[], number[]];
  return a[0] !== b[0] ? 'major' : a[1] !== b[1] ? 'minor' : a[2] !== b[2] ? 'patch' : 'none';
}

/** Runs `changeset version` in the copy and checks versions, changelogs and consumed changesets; returns warnings. */
function version(copy: string, before: PublicPackage[], asked: Map<string, Bump>): string[] {
  const cli = createRequire(join(root, 'package.json')).resolve('@changesets/cli/bin.js');
  sh(process.execPath, [cli, 'version'], { cwd: copy });
  const after = new Map(publicPackages(copy).map((p) => [p.name, p]));
  const warnings: string[] = [];
  for (const old of before) {
    const now = after.get(old.name)!, bump = bumpOf(old.version, now.version), want = asked.get(old.name) ?? 'none';
    const changelog = join(now.dir, 'CHANGELOG.md');
    if (bump !== 'none' && !(existsSync(changelog) && readFileSync(changelog, 'utf8').includes(`## ${now.version}\n`))) {
      throw new CheckError(`${old.name}: changeset version moved it to ${now.version} but its CHANGELOG.md has no "## ${now.version}"`);
    }
    if (BUMPS.indexOf(bump) < BUMPS.indexOf(want)) throw new CheckError(`${old.name}: its changesets ask for a ${want} bump, changeset version made ${old.version} -> ${now.version}`);
    const note = bump === want ? '' : `  (changesets ask for ${want})`;
    console.log(`   ${old.name}: ${old.version} -> ${now.version}${note}`);
    if (BUMPS.indexOf(bump) > BUMPS.indexOf(want) && bump === 'major') {
      const peers = Object.keys((old.manifest.peerDependencies ?? {}) as Record<string, string>).filter((d) => after.has(d));
      warnings.push(`${old.name} would be published as ${now.version} (a major bump nobody asked for)${peers.length ? `: changesets bumps the dependents of a peer dependency (${peers.join(', ')}) by a major when that peer takes a minor or major bump` : ''}`);
    }
  }
  const left = readdirSync(join(copy, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
  if (left.length) throw new CheckError(`changeset version left these changesets unconsumed: ${left.join(', ')}`);
  return warnings;
}

/** `pnpm publish --dry-run` and `pnpm pack` of every public package in the copy; checks internal ranges name the new versions. */
function publishDryRun(copy: string): void {
  const pkgs = publicPackages(copy), versions = new Map(pkgs.map((p) => [p.name, p.version]));
  const dest = join(copy, '.tarballs');
  for (const pkg of pkgs) {
    const pub = JSON.parse(sh('pnpm', ['publish', '--dry-run', '--no-git-checks', '--json'], { cwd: pkg.dir })) as { id: string; files: unknown[]; size: number };
    if (pub.id !== `${pkg.name}@${pkg.version}`) throw new CheckError(`pnpm publish --dry-run in ${pkg.name} would publish ${pub.id}, not ${pkg.name}@${pkg.version}`);
    const packed = packChecked(pkg.dir, dest, { changelog: true });
    const internal: string[] = [];
    for (const field of ['dependencies', 'peerDependencies'] as const) {
      for (const [dep, range] of Object.entries(packed.manifest[field] ?? {})) {
        const v = versions.get(dep);
        if (v === undefined) continue;
        if (range.replace(/^[\^~]/, '') !== v) throw new CheckError(`${pkg.name}: its published ${field} has ${dep}@${range}, but ${dep} is released as ${v}`);
        internal.push(`${dep}@${range}`);
      }
    }
    console.log(`   ${pub.id}: ${pub.files.length} files, ${(pub.size / 1024).toFixed(0)} KiB packed${internal.length ? `; ${internal.join(', ')}` : ''}`);
  }
}

await runChecks('release:dry-run', async () => {
  const missing = publicPackages().filter((p) => !existsSync(join(p.dir, 'dist'))).map((p) => basename(p.dir));
  if (missing.length) throw new CheckError(`no dist/ in ${missing.join(', ')}: run \`pnpm run build\` first`);
  const copy = await step('copy workspace', copyWorkspace);
  try {
    const before = publicPackages(copy);
    const warnings = await step('changeset version', () => version(copy, before, requestedBumps(copy, before)));
    await step('pnpm publish --dry-run', () => publishDryRun(copy));
    for (const w of warnings) console.log(`WARNING: ${w}`);
    if (warnings.length && process.argv.includes('--strict')) throw new CheckError(`${warnings.length} unrequested major bumps (--strict)`);
  } finally {
    if (process.argv.includes('--keep')) console.log(`   kept ${copy}`);
    else rmSync(copy, { recursive: true, force: true });
  }
});
