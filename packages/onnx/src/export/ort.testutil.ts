// Test helpers: run an exported model in ONNX Runtime next to Flint and compare, and run onnx.checker
// (Debian's python3-onnx) on the bytes when it is installed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Tensor } from '@flint/core';
import { noGrad } from '@flint/autograd';
import type { Module } from '@flint/nn';

const ORT_TYPES: Record<string, ort.Tensor.Type> = { float32: 'float32', int64: 'int64', int32: 'int32', bool: 'bool', float64: 'float64' };

/** Runs `bytes` in ONNX Runtime on the given tensors (fed to the graph inputs in order). */
export async function runOrt(bytes: Uint8Array, inputs: readonly Tensor[]): Promise<ort.InferenceSession.ReturnType> {
  const session = await ort.InferenceSession.create(bytes);
  const feeds: Record<string, ort.Tensor> = {};
  session.inputNames.forEach((n, i) => {
    const t = inputs[i]!;
    feeds[n] = new ort.Tensor(ORT_TYPES[t.dtype]!, t.dataSync() as never, [...t.shape]);
  });
  const out = await session.run(feeds);
  await session.release();
  return out;
}

/** Largest |a - b| and largest |a - b| / |b| (where |b| > 1e-3), over every element. */
export interface Diff { maxAbs: number; maxRel: number; ok: boolean }

/** Compares Flint's values to ORT's with rtol (and an absolute floor of rtol / 10 near zero). */
export function compare(flint: Tensor, onnx: ort.Tensor, rtol = 1e-4): Diff {
  const a = flint.dataSync() as ArrayLike<number>, b = onnx.data as ArrayLike<number>;
  if (a.length !== b.length || flint.shape.join() !== onnx.dims.join()) {
    throw new Error(`shape mismatch: Flint [${flint.shape.join(', ')}], ORT [${onnx.dims.join(', ')}]`);
  }
  let maxAbs = 0, maxRel = 0, ok = true;
  for (let i = 0; i < a.length; i++) {
    const x = Number(a[i]), y = Number(b[i]), d = Math.abs(x - y);
    maxAbs = Math.max(maxAbs, d);
    if (Math.abs(y) > 1e-3) maxRel = Math.max(maxRel, d / Math.abs(y));
    if (!(d <= rtol * Math.abs(y) + rtol / 10)) ok = false;
  }
  return { maxAbs, maxRel, ok };
}

/** Flint's outputs of `model(...inputs)`, flattened. */
export function flintRun(model: Module | ((...a: Tensor[]) => unknown), inputs: readonly Tensor[]): Tensor[] {
  return noGrad(() => {
    const r = typeof model === 'function' ? model(...inputs) : model.call(...(inputs as []));
    return (Array.isArray(r) ? r.flat(3) : [r]) as Tensor[];
  });
}

const PY = '/usr/bin/python3';
let checkerState: boolean | undefined;
/** Whether Debian's python3-onnx is importable (asked once). */
export function hasOnnxChecker(): boolean {
  if (checkerState === undefined) {
    try { execFileSync(PY, ['-c', 'import onnx'], { stdio: 'ignore' }); checkerState = true; } catch { checkerState = false; }
    if (!checkerState) console.log(`onnx.checker skipped: '${PY} -c "import onnx"' failed (install python3-onnx to run it)`);
  }
  return checkerState;
}

/** Runs onnx.checker.check_model(full_check=True) on the bytes; throws with its message on failure. */
export function onnxCheck(bytes: Uint8Array): void {
  const dir = mkdtempSync(join(tmpdir(), 'flint-onnx-'));
  try {
    const file = join(dir, 'model.onnx');
    writeFileSync(file, bytes);
    execFileSync(PY, ['-c', 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`onnx.checker rejected the model: ${err.stderr?.toString().trim().split('\n').slice(-3).join(' ') ?? err.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
