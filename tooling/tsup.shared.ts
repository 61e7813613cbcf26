// The build every Flint package shares: ESM + CJS with .d.ts, sourcemaps, ES2022. Packages pass what
// differs (extra entries, shims). Workspace packages stay external through their peerDependencies.
import { defineConfig, type Options } from 'tsup';

export function flintBuild(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'es2022',
    ...overrides,
  });
}
