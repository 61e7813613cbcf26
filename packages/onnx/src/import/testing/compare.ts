// Test helper: runs a model in onnxruntime-node and in Flint on the same seeded inputs and reports the
// largest difference per output (absolute, and relative to the output's largest magnitude).
import { fromBlob, type Tensor } from '@flint/core';
import { noGrad } from '@flint/autograd';
import * as ort from 'onnxruntime-node';
import { loadOnnx, type ValueInfo } from '../model.js';

/** A seeded input: shape (dynamic dims filled), float values in [-1, 1) (or `data`), ints in [0, intHigh) (or `value`). */
export interface InputSpec { shape: number[]; intHigh?: number; value?: number; data?: Float32Array }

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Per-output differences between Flint and ONNX Runtime. */
export interface Comparison { name: string; maxAbs: number; maxRel: number; scale: number }

function makeInput(info: ValueInfo, spec: InputSpec, rnd: () => number): { flint: Tensor; ort: ort.Tensor } {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  if (info.dtype === 'int64') {
    const data = BigInt64Array.from({ length: n }, () => BigInt(spec.value ?? Math.floor(rnd() * (spec.intHigh ?? 10))));
    return { flint: fromBlob(data, spec.shape, { dtype: 'int64' }), ort: new ort.Tensor('int64', data, spec.shape) };
  }
  const data = spec.data ?? Float32Array.from({ length: n }, () => rnd() * 2 - 1);
  return { flint: fromBlob(data, spec.shape), ort: new ort.Tensor('float32', data, spec.shape) };
}

/** Runs `bytes` in both runtimes on seeded inputs; resolves to the differences of every output. */
export async function compareWithOrt(bytes: Uint8Array, specs: Record<string, InputSpec>, seed = 1): Promise<Comparison[]> {
  const model = await loadOnnx(bytes, { device: 'cpu' });
  const session = await ort.InferenceSession.create(bytes);
  const rnd = seeded(seed);
  const feedsF: Record<string, Tensor> = {};
  const feedsO: Record<string, ort.Tensor> = {};
  for (const info of model.inputs) {
    const spec = specs[info.name];
    if (spec === undefined) throw new Error(`no input spec for '${info.name}'`);
    const { flint, ort: o } = makeInput(info, spec, rnd);
    feedsF[info.name] = flint;
    feedsO[info.name] = o;
  }
  const expected = await session.run(feedsO);
  const got = await noGrad(() => model.run(feedsF));
  const out: Comparison[] = [];
  for (const name of model.outputNames) {
    const e = expected[name]!;
    const g = got[name]!;
    if (JSON.stringify(g.shape) !== JSON.stringify(e.dims)) throw new Error(`${name}: Flint shape [${g.shape}] vs ONNX Runtime [${e.dims}]`);
    const a = Array.from((await g.data()) as ArrayLike<number | bigint>, Number);
    const b = Array.from(e.data as ArrayLike<number | bigint>, Number);
    let maxAbs = 0;
    let scale = 0;
    let maxRel = 0;
    for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i]! - b[i]!);
      maxAbs = Math.max(maxAbs, d);
      maxRel = Math.max(maxRel, d / Math.max(Math.abs(b[i]!), scale * 1e-3, 1e-12));
    }
    out.push({ name, maxAbs, maxRel, scale });
  }
  await session.release();
  return out;
}
