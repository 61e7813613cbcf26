import { flintBuild } from '../../tooling/tsup.shared.js';

export default flintBuild({
  entry: ['src/index.ts', 'src/vitest.ts', 'src/cli.ts'],
  // fixtures are located relative to the module; shims give CJS an import.meta.url
  shims: true,
  external: ['vitest', '@flint/core', '@flint/autograd'],
});
