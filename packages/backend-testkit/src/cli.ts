// flint-testkit <module> [--export name] [--filter text] [--skip key=reason ...]
// Loads a module that exports a backend factory and runs the conformance suite on it without a test framework.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { BackendFactory } from '@flint/core';
import { runConformance } from './runner.js';

function usage(): never {
  console.error('usage: flint-testkit <module exporting a backend factory> [--export name] [--filter text] [--skip key=reason]...');
  process.exit(2);
}

async function main(argv: string[]): Promise<number> {
  let modulePath: string | undefined, exportName: string | undefined, filter: string | undefined;
  const skip: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--export') exportName = argv[++i];
    else if (a === '--filter') filter = argv[++i];
    else if (a === '--skip') {
      const [k, ...r] = (argv[++i] ?? '').split('=');
      if (!k) usage();
      skip[k] = r.join('=') || 'skipped from the command line';
    } else if (a.startsWith('--')) usage();
    else modulePath = a;
  }
  if (!modulePath) usage();
  const spec = modulePath.startsWith('.') || modulePath.startsWith('/') ? pathToFileURL(resolve(modulePath)).href : modulePath;
  const mod = (await import(spec)) as Record<string, unknown>;
  const candidates = exportName ? [exportName] : ['default', ...Object.keys(mod).filter((k) => /^create.*Backend$/.test(k))];
  const factory = candidates.map((k) => mod[k]).find((v): v is BackendFactory => typeof v === 'function');
  if (!factory) {
    console.error(`${modulePath} exports no backend factory (looked for ${candidates.join(', ')}); name it with --export`);
    return 2;
  }
  const report = await runConformance(factory, { skip, filter });
  console.log(`${report.backend} on device '${report.device}': ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`);
  return report.failed > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
