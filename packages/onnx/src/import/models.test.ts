// Models nobody on the project wrote (torchvision architectures, GRU/LSTM classifiers, a scripted Loop/If
// model, exported by tooling/onnx/gen_models.py) run in Flint on the CPU and match ONNX Runtime.
import '@flint/backend-cpu';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareWithOrt, type InputSpec } from './testing/compare.js';

const dir = new URL('../../fixtures/models/', import.meta.url);
const load = (name: string) => new Uint8Array(readFileSync(new URL(`${name}.onnx`, dir)));

// tolerance: max |flint - ort| / max(|ort|, 1e-3 * max|ort|) per element
const cases: [string, number, Record<string, InputSpec>[]][] = [
  ['mobilenet_v3_small', 1e-4, [{ input: { shape: [1, 3, 64, 64] } }, { input: { shape: [2, 3, 64, 64] } }]],
  ['shufflenet_v2_x0_5', 1e-4, [{ input: { shape: [1, 3, 64, 64] } }, { input: { shape: [3, 3, 64, 64] } }]],
  ['small_cnn_opset9', 1e-4, [{ input: { shape: [2, 3, 16, 16] } }]],
  ['gru_classifier', 1e-4, [{ ids: { shape: [2, 7], intHigh: 50 } }, { ids: { shape: [3, 11], intHigh: 50 } }]],
  ['lstm_classifier', 1e-4, [{ ids: { shape: [1, 5], intHigh: 50 } }, { ids: { shape: [4, 9], intHigh: 50 } }]],
  ['text_transformer', 1e-4, [{ ids: { shape: [2, 9], intHigh: 60 } }, { ids: { shape: [3, 16], intHigh: 60 } }]],
  ['text_cnn', 1e-4, [{ ids: { shape: [2, 9], intHigh: 60 } }, { ids: { shape: [1, 30], intHigh: 60 } }]],
  ['decoder_resize', 1e-4, [{ x: { shape: [2, 4, 5, 6] } }]],
  ['scripted_loop_if', 1e-4, [{ x: { shape: [2, 8] }, n: { shape: [], value: 3 } }, { x: { shape: [1, 8] }, n: { shape: [], value: 0 } }]],
];

describe('imported PyTorch exports match ONNX Runtime', () => {
  for (const [name, tol, feeds] of cases) {
    it(`${name} (relative ${tol})`, async () => {
      const bytes = load(name);
      for (const [k, spec] of feeds.entries()) {
        const diffs = await compareWithOrt(bytes, spec, k + 1);
        for (const d of diffs) {
          console.log(`${name} #${k} ${d.name}: max abs ${d.maxAbs.toExponential(2)}, max rel ${d.maxRel.toExponential(2)} (scale ${d.scale.toExponential(2)})`);
          expect(d.maxRel).toBeLessThan(tol);
        }
      }
    });
  }
});
