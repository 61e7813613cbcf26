// Test support for the PyTorch parity suites (layers.test.ts, attention.test.ts), not part of the package's
// API: one describe per suite, one test per safetensors case written by tooling/fixtures/gen_nn_layers.py (or
// gen_nn_attention.py). Each test loads the state dict, checks the print (and, when the fixture lists them,
// the state-dict keys in PyTorch's order), runs forward and L = sum(out * w) backward, and compares outputs,
// input and parameter gradients and buffers with PyTorch's.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { scope, type Tensor } from '@flint/core';
import { load, loadMetadata } from './checkpoint.js';
import type { Module } from './module.js';

export type ParityCall = (m: Module, ins: Tensor[]) => unknown;
export type ParityCases = Record<string, [() => Module, ParityCall?]>;

const flat = (v: unknown): Tensor[] => (Array.isArray(v) ? v.flatMap(flat) : [v as Tensor]);
const pick = (all: Record<string, Tensor>, prefix: string): Record<string, Tensor> =>
  Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
const indexed = (d: Record<string, Tensor>): Tensor[] => Object.keys(d).map(Number).sort((a, b) => a - b).map((i) => d[String(i)]!);

/** max |a - b|, after checking shapes and that every element is within atol + rtol * |b|. */
function compare(what: string, got: Tensor, want: Tensor, atol = 1e-5, rtol = 1e-4): number {
  expect(got.shape, `${what} shape`).toEqual(want.shape);
  const a = got.dataSync(), b = want.dataSync();
  let worst = 0, bad = -1;
  for (let i = 0; i < b.length; i++) {
    const x = Number(a[i]), y = Number(b[i]), d = Math.abs(x - y);
    if (!(d <= atol + rtol * Math.abs(y))) bad = bad < 0 ? i : bad;
    worst = Math.max(worst, d);
  }
  expect(bad, `${what}: element ${bad} is ${a[bad]}, PyTorch has ${b[bad]} (max abs diff ${worst})`).toBe(-1);
  return worst;
}

/** One parity case; returns the largest forward and backward differences. */
function runCase(file: string, make: () => Module, call: ParityCall): { forward: number; backward: number } {
  const meta = loadMetadata(readFileSync(file));
  return scope(() => {
    const all = load(file);
    const m = make().train(meta.training === '1');
    if (meta.state_keys !== undefined) expect(Object.keys(m.stateDict())).toEqual(meta.state_keys ? meta.state_keys.split(',') : []);
    m.loadStateDict(pick(all, 'state.'));
    expect(m.toString()).toBe(meta.repr);
    const grads = pick(all, 'grad.');
    const ins = indexed(pick(all, 'input.')).map((t, i) => (grads[`input.${i}`] ? t.clone().requiresGrad_() : t));
    const outs = flat(call(m, ins));
    const want = indexed(pick(all, 'output.')), ws = indexed(pick(all, 'w.'));
    expect(outs.length).toBe(want.length);
    let forward = 0, backward = 0;
    outs.forEach((o, i) => { forward = Math.max(forward, compare(`output.${i}`, o, want[i]!)); });
    outs.map((o, i) => o.mul(ws[i]!).sum()).reduce((a, b) => a.add(b)).backward();
    ins.forEach((x, i) => {
      const g = grads[`input.${i}`];
      if (g) backward = Math.max(backward, compare(`grad of input.${i}`, x.grad!, g, 1e-4));
    });
    for (const [k, p] of m.namedParameters()) backward = Math.max(backward, compare(`grad of ${k}`, p.grad!, grads[k]!, 1e-4));
    for (const [k, b] of m.namedBuffers()) {
      const after = all[`after.${k}`];
      if (after && !k.endsWith('weight')) compare(`buffer ${k} after forward`, b, after);
    }
    return { forward, backward };
  });
}

/** A describe with one test per case (fixtures in `dir`, named <case>.safetensors), and a table of differences. */
export function describeParity(title: string, dir: string, cases: ParityCases, defaultCall: ParityCall = (m, [x]) => m.forward(x)): void {
  const report: Record<string, { forward: number; backward: number }> = {};
  afterAll(() => {
    const rows = Object.entries(report).map(([k, v]) => `${k.padEnd(44)} forward ${v.forward.toExponential(2)}  backward ${v.backward.toExponential(2)}`);
    console.log(`max abs difference from PyTorch, per case:\n${rows.join('\n')}`);
  });
  describe(title, () => {
    for (const [name, [make, call = defaultCall]] of Object.entries(cases)) {
      it(name, () => { report[name] = runCase(`${dir}${name}.safetensors`, make, call); });
    }
  });
}
