import { flintBuild } from '../../tooling/tsup.shared.js';

export default flintBuild({
  entry: { index: 'src/index.ts', vitest: 'src/vitest.ts', cli: 'src/cli.ts', mock: 'src/mock.ts' },
  // fixtures are located relative to the module; shims give CJS an import.meta.url
  shims: true,
  external: ['vitest', '@flint/core', '@flint/autograd'],
});
