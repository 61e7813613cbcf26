import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/vitest.ts', 'src/cli.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  // fixtures are located relative to the module; shims give CJS an import.meta.url
  shims: true,
  external: ['vitest', '@flint/core', '@flint/autograd'],
});
