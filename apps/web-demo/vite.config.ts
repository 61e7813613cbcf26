// Builds the demo from the workspace packages' TypeScript sources (the same aliases the tests use), so
// `vite build` and `vite` need no prior build of the packages. `base: './'` lets dist/ be served from any path.
import { defineConfig } from 'vite';
import { flintAliases } from '../../tooling/vitest.shared.js';

export default defineConfig({
  base: './',
  resolve: { alias: flintAliases },
  build: {
    target: 'es2022',
    // keep the data files as files (not inlined data: URLs) and the WebAssembly CPU kernels as they are
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
  },
  server: { host: '127.0.0.1' },
});
