// Shared vitest settings: tests import every @flint/* package from its TypeScript source,
// so a change in core is seen by every package's tests without a rebuild.
import { fileURLToPath } from 'node:url';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const packagesDir = fileURLToPath(new URL('../packages', import.meta.url));

export const flintAliases: Record<string, string> = Object.fromEntries(
  readdirSync(packagesDir).map((dir) => [`@flint/${dir}`, join(packagesDir, dir, 'src', 'index.ts')]),
);

export const sharedConfig = {
  resolve: { alias: flintAliases },
  test: { testTimeout: 60_000, hookTimeout: 60_000, pool: 'threads' as const },
};
