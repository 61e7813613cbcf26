// Test helpers: run an exported model in ONNX Runtime next to Flint and compare, and run onnx.checker
// (Debian's python3-onnx) on the bytes when it is installed.
import { execFileSync, spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as ort from 'onnxruntime-node';
import { floatToHalfBits, type Tensor } from '@flint/core';
import { noGrad } from '@flint/autograd';
import { afterAll } from 'vitest';
import type { Module } from '@flint/nn';

const ORT_TYPES: Record<string, ort.Tensor.Type> = { float16: 'float16', float32: 'float32', int64: 'int64', int32: 'int32', bool: 'bool', float64: 'float64' };

const sessions = new WeakMap<Uint8Array, Promise<ort.InferenceSession>>();

/** Runs `bytes` in ONNX Runtime on the given tensors (fed to the graph inputs in order); one session per model. */
export async function runOrt(bytes: Uint8Array, inputs: readonly Tensor[]): Promise<ort.InferenceSession.ReturnType> {
  let pending = sessions.get(bytes);
  if (!pending) sessions.set(bytes, (pending = ort.InferenceSession.create(bytes)));
  const session = await pending;
  const feeds: Record<string, ort.Tensor> = {};
  session.inputNames.forEach((n, i) => {
    const t = inputs[i]!;
    // float16 travels as its bit patterns
    const data = t.dtype === 'float16' ? Uint16Array.from(t.dataSync() as Float32Array, floatToHalfBits) : t.dataSync();
    feeds[n] = new ort.Tensor(ORT_TYPES[t.dtype]!, data as never, [...t.shape]);
  });
  return session.run(feeds);
}

/** Largest |a - b| and largest |a - b| / |b| (where |b| > 1e-3), over every element. */
export interface Diff { maxAbs: number; maxRel: number; ok: boolean }

/** Compares Flint's values to ORT's with rtol (and an absolute floor of rtol / 10 near zero). */
export function compare(flint: Tensor, onnx: { readonly data: unknown; readonly dims: readonly number[] }, rtol = 1e-4): Diff {
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

// one Python process per test file, checking models as their paths arrive on stdin (a line back per model)
const CHECKER = `
import sys, onnx
for line in sys.stdin:
    try:
        onnx.checker.check_model(onnx.load(line.strip()), full_check=True)
        print('ok', flush=True)
    except Exception as e:
        print('error ' + str(e).replace('\\n', ' '), flush=True)
`;
interface Checker { proc: ChildProcessByStdio<Writable, Readable, null>; lines: AsyncIterator<string>; dir: string }
let checker: Checker | undefined;
let queue: Promise<unknown> = Promise.resolve();

// each test file has its own copy of this module: its checker ends with the file
afterAll(() => {
  if (!checker) return;
  checker.proc.stdin.end();
  rmSync(checker.dir, { recursive: true, force: true });
  checker = undefined;
});

/** Runs onnx.checker.check_model(full_check=True) on the bytes; rejects with its message on failure. */
export function onnxCheck(bytes: Uint8Array): Promise<void> {
  const run = async () => {
    if (!checker) {
      const proc = spawn(PY, ['-u', '-c', CHECKER], { stdio: ['pipe', 'pipe', 'inherit'] });
      proc.unref();
      const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
      checker = { proc, lines, dir: mkdtempSync(join(tmpdir(), 'flint-onnx-check-')) };
    }
    const c: Checker = checker;
    const file = join(c.dir, 'model.onnx');
    writeFileSync(file, bytes);
    c.proc.stdin.write(`${file}\n`);
    const { value } = await c.lines.next();
    if (value !== 'ok') throw new Error(`onnx.checker rejected the model: ${String(value)}`);
  };
  // one model at a time through the one process
  const p = queue.then(run);
  queue = p.catch(() => undefined);
  return p;
}
