// The README's example is code a new user pastes first: run it exactly as written.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

describe('README example', () => {
  it('trains and prints a falling loss', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
    const code = /## Ten lines\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code, 'README has a "## Ten lines" ts block').toBeDefined();
    // inside this app, so the apps' tsconfig maps @flint/* to the sources
    const file = fileURLToPath(new URL('./readme-example.tmp.ts', import.meta.url));
    // ... and print the live tensors at the end: the loop must not grow them
    writeFileSync(file, `${code!}\nconst { memory: mem } = await import('@flint/core');\nconsole.log('live', mem().tensors);\n`);
    try {
      const out = execFileSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', cwd: fileURLToPath(new URL('..', import.meta.url)) });
      const lines = out.trim().split('\n');
      const live = Number(lines.pop()!.split(' ')[1]);
      const losses = lines.map((l) => Number(l.split(' ')[1]));
      expect(losses).toHaveLength(5);
      // the model's 4 parameters, their 4 gradients, 4 momentum buffers, x and y: nothing per step
      expect(live).toBe(14);
      expect(losses[4]!).toBeLessThan(losses[0]!);
    } finally {
      rmSync(file, { force: true });
    }
  });
});

// Each package's README example that runs on its own (it imports a backend) is run as written too.
describe('package README examples', () => {
  const pkgs = ['core', 'autograd', 'nn', 'optim', 'data'];
  for (const pkg of pkgs) {
    const readme = readFileSync(fileURLToPath(new URL(`../../../packages/${pkg}/README.md`, import.meta.url)), 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    const needsData = pkg === 'data' && !existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz');
    it.skipIf(needsData)(`@flint/${pkg}'s README example runs${needsData ? ' (skipped: needs Debian\'s dataset-fashion-mnist)' : ''}`, () => {
      expect(code, `packages/${pkg}/README.md has a ts block`).toBeDefined();
      expect(code).toContain("import '@flint/backend-cpu'");
      const dir = mkdtempSync(join(tmpdir(), `flint-readme-${pkg}-`));
      const file = fileURLToPath(new URL(`./readme-${pkg}.tmp.ts`, import.meta.url));
      writeFileSync(file, `process.chdir(${JSON.stringify(dir)});\n${code!}\nconsole.log('readme example: done');\n`);
      try {
        const out = execFileSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', cwd: fileURLToPath(new URL('..', import.meta.url)) });
        expect(out.trim().split('\n').pop()).toBe('readme example: done');
      } finally {
        rmSync(file, { force: true });
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  }
});

