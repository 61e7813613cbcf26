// Shared vitest settings: tests import every @flint/* package (and subpath entries such as
// '@flint/backend-testkit/vitest') from TypeScript source, so a change in core is seen everywhere
// without a rebuild. The sample apps' modules (@flint/app-kit, @flint/app-<name>/<module>) live under apps/.
import { fileURLToPath } from 'node:url';

const packagesDir = fileURLToPath(new URL('../packages', import.meta.url));
const appsDir = fileURLToPath(new URL('../apps', import.meta.url));

export const flintAliases = [
  { find: /^@flint\/app-kit$/, replacement: `${appsDir}/kit/src/index.ts` },
  { find: /^@flint\/app-([^/]+)\/([^/]+)$/, replacement: `${appsDir}/$1/src/$2.ts` },
  { find: /^@flint\/([^/]+)$/, replacement: `${packagesDir}/$1/src/index.ts` },
  { find: /^@flint\/([^/]+)\/([^/]+)$/, replacement: `${packagesDir}/$1/src/$2.ts` },
];

export const sharedConfig = {
  resolve: { alias: flintAliases },
  test: { testTimeout: 120_000, hookTimeout: 60_000, pool: 'threads' as const },
};
