// Core's modules form a DAG at run time: tensor.ts sits on top of the ops, which sit on dispatch, which
// knows the Tensor class only through registerTensorClass (type-only imports don't count).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = dirname(fileURLToPath(import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sources(p);
    return f.endsWith('.ts') && !f.endsWith('.test.ts') ? [p] : [];
  });
}

/** The relative modules a file imports or re-exports at run time. */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?([^;]*?)\s+from\s+'(\.[^']+)'/gms)) {
    const [, , typeOnly, names, spec] = m;
    if (typeOnly) continue;
    // `import { type A, type B } from` brings in nothing at run time
    const braces = /^\{([^}]*)\}$/.exec(names!.trim());
    if (braces && braces[1]!.split(',').map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith('type '))) continue;
    out.push(resolve(dirname(file), spec!.replace(/\.js$/, '.ts')));
  }
  return out;
}

describe('core modules', () => {
  it('have no import cycles', () => {
    const graph = new Map(sources(src).map((f) => [f, runtimeImports(f)]));
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') { cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(src, p)).join(' → ')); return; }
      state.set(f, 'open');
      for (const g of graph.get(f) ?? []) visit(g, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of graph.keys()) visit(f, []);
    expect(cycles).toEqual([]);
    expect(graph.size).toBeGreaterThan(30);
  });
});
