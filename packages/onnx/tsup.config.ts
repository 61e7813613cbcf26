import { flintBuild } from '../../tooling/tsup.shared.js';

export default flintBuild({
  // node: loadOnnx from a path with external data beside the model (node:fs); the main entry stays browser-safe
  entry: { index: 'src/index.ts', node: 'src/node.ts' },
  // shared chunks, so '@flint/onnx' and '@flint/onnx/node' hand out the same classes (instanceof OnnxError works)
  splitting: true,
});
