// Bundles ./page.ts for a browser with esbuild: @flint/* from source, the testkit's fixture files embedded in
// place of node:fs (the only Node module the suite touches), and the Node-only `webgpu` package left out.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';

const packages = fileURLToPath(new URL('../../../', import.meta.url));

function fixtureFiles(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) Object.assign(out, fixtureFiles(p, `${prefix}${f}/`));
    else if (f.endsWith('.json')) out[`${prefix}${f}`] = readFileSync(p, 'utf8');
  }
  return out;
}

const flint: Plugin = {
  name: 'flint-source',
  setup(b) {
    b.onResolve({ filter: /^@flint\/[^/]+(\/[^/]+)?$/ }, (a) => {
      const [, pkg, sub] = /^@flint\/([^/]+)(?:\/([^/]+))?$/.exec(a.path)!;
      return { path: join(packages, pkg!, 'src', `${sub ?? 'index'}.ts`) };
    });
    b.onResolve({ filter: /^node:(fs|url)$/ }, (a) => ({ path: a.path, namespace: 'shim' }));
    b.onLoad({ filter: /.*/, namespace: 'shim' }, (a) => {
      if (a.path === 'node:url') return { contents: 'export const fileURLToPath = (u) => String(u);', loader: 'js' };
      const files = fixtureFiles(join(packages, 'backend-testkit', 'fixtures'));
      return {
        loader: 'js',
        contents: `const files = ${JSON.stringify(files)};
const key = (p) => { const s = String(p); return s.slice(s.lastIndexOf('fixtures/') + 'fixtures/'.length).replace(/^\\/+/, ''); };
export function readFileSync(p) { const f = files[key(p)]; if (f === undefined) throw new Error('no embedded fixture ' + p); return f; }
export function readdirSync(p) { const k = key(p).replace(/\\/$/, ''); return Object.keys(files).filter((f) => (k ? f.startsWith(k + '/') : !f.includes('/'))).map((f) => f.slice(k ? k.length + 1 : 0)); }`,
      };
    });
  },
};

/** Bundles the browser conformance page into `outfile` (an ES module). */
export async function bundlePage(outfile: string): Promise<void> {
  await build({
    entryPoints: [fileURLToPath(new URL('./page.ts', import.meta.url))], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    outfile, logLevel: 'silent', plugins: [flint], external: ['webgpu', 'node:*'],
    // the testkit's runner names devices with process.pid: a stand-in inside the bundle's scope only
    banner: { js: 'const process = { pid: 1, env: {}, versions: {} };' },
  });
}
