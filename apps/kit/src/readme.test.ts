// The README's example is code a new user pastes first: run it exactly as written.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
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
