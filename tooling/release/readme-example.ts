// The README's "Ten lines" example as the files a user would write: an ES module as written, and its
// CommonJS twin (imports become `require`, the body runs in an async function for its `await`s).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckError, root } from './shared.js';

/** Marks the end of the example's output; what precedes it on the line is the live tensor count. */
export const DONE = 'flint-example-done';

/** The code of README.md's "## Ten lines" block (the same extraction as apps/kit's readme test). */
export function readmeExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const code = /## Ten lines\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!code) throw new CheckError('README.md has no "## Ten lines" ```ts block');
  return code;
}

/** The example as an ES module, printing `live <n>` and the done marker after it. */
export function asEsm(code: string): string {
  return `${code}\nconst { memory: flintMemory } = await import('@flint/core');\nconsole.log('live', flintMemory().tensors, '${DONE}');\n`;
}

const IMPORT = /^import\s+(?:(['"])([^'"]+)\1|(.+?)\s+from\s+(['"])([^'"]+)\4)\s*;?\s*$/;

/** The example as CommonJS: its top-level `import` lines become `require` calls, the rest runs in an async IIFE. */
export function asCjs(code: string): string {
  const requires: string[] = [], body: string[] = [];
  for (const line of code.split('\n')) {
    if (!/^import[\s{'"*]/.test(line)) { body.push(line); continue; }
    const m = IMPORT.exec(line);
    if (!m) throw new CheckError(`the README example's import line \`${line}\` has no CommonJS rewrite; use \`import '...'\` or \`import { a, b } from '...'\``);
    const [, , bare, clause, , from] = m;
    if (bare) { requires.push(`require('${bare}');`); continue; }
    const named = /^\{([^}]*)\}$/.exec(clause!.trim()), star = /^\*\s+as\s+(\w+)$/.exec(clause!.trim());
    if (named) requires.push(`const { ${named[1]!.trim().replace(/\s+as\s+/g, ': ')} } = require('${from}');`);
    else if (star) requires.push(`const ${star[1]} = require('${from}');`);
    else throw new CheckError(`the README example's import \`${line}\` has no CommonJS rewrite (default imports are not supported)`);
  }
  return [
    `'use strict';`,
    ...requires,
    `(async () => {`,
    ...body,
    `console.log('live', require('@flint/core').memory().tensors, '${DONE}');`,
    `})().catch((e) => { console.error(e); process.exitCode = 1; });`,
    '',
  ].join('\n');
}

export interface ExampleRun { losses: number[]; live: number }

/** Reads the example's output: `step loss` lines, then `live <n> <DONE>`; throws unless the loss fell. */
export function checkOutput(setting: string, lines: string[]): ExampleRun {
  const done = lines.findIndex((l) => l.endsWith(DONE));
  if (done < 0) throw new CheckError(`${setting}: the example did not finish; its output was:\n${lines.join('\n')}`);
  const losses = lines.slice(0, done).filter((l) => /^\d+ /.test(l)).map((l) => Number(l.split(' ')[1]));
  const live = Number(lines[done]!.split(' ')[1]);
  if (losses.length < 2 || losses.some((l) => !Number.isFinite(l)) || !(losses.at(-1)! < losses[0]!)) {
    throw new CheckError(`${setting}: expected the printed losses to fall, got [${losses.join(', ')}]; output:\n${lines.join('\n')}`);
  }
  console.log(`   ${setting}: loss ${losses.map((l) => l.toFixed(4)).join(' -> ')}, ${live} live tensors`);
  return { losses, live };
}
