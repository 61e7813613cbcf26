import { flintBuild } from '../../tooling/tsup.shared.js';

export default flintBuild({
  // worker: the script each DataLoader worker thread runs (loaded by path from node/pool.ts, not exported)
  entry: { index: 'src/index.ts', node: 'src/node.ts', worker: 'src/node/worker.ts' },
  dts: { entry: { index: 'src/index.ts', node: 'src/node.ts' } },
  // shared chunks, so '@flint/data' and '@flint/data/node' hand out the same classes (instanceof works)
  splitting: true,
  shims: true,
});
