// Nested checkpoints (torch.save({...})): model, optimizer and scheduler state plus plain values in one
// atomic file, read back into the same structure; resuming from it continues training exactly.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import '@flint/autograd';
import { crossEntropy, manualSeed, memory, randint, randn, scope, tensor, type Tensor } from '@flint/core';
import { Adam, StepLR } from '@flint/optim';
import { Linear, ReLU, SafetensorsError, Sequential, checkpointFromBytes, checkpointToBytes, loadCheckpoint, save, saveCheckpoint, type CheckpointValue } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'flint-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function setup() {
  manualSeed(3);
  const model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3));
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  const sched = new StepLR(opt, 2, { gamma: 0.5 });
  return { model, opt, sched };
}
const x = randn([16, 4]), y = randint(0, 3, [16]);
function step(s: ReturnType<typeof setup>): number {
  return scope(() => {
    s.opt.zeroGrad();
    const l = crossEntropy(s.model.call(x), y);
    l.backward();
    s.opt.step();
    s.sched.step();
    return Number(l.itemSync());
  });
}

describe('saveCheckpoint / loadCheckpoint', () => {
  it('round-trips model, optimizer and scheduler state, and a resumed run gives the same losses', async () => {
    const a = setup();
    for (let i = 0; i < 3; i++) step(a);
    const file = join(dir, 'run.ckpt');
    await saveCheckpoint(file, { model: a.model.stateDict(), optimizer: a.opt.stateDict(), scheduler: a.sched.stateDict(), epoch: 3, note: 'adam', best: [0.5, Infinity] });
    const next = [step(a), step(a)];

    const b = setup();
    const ck = loadCheckpoint(file) as { model: Record<string, Tensor>; optimizer: never; scheduler: never; epoch: number; note: string; best: number[] };
    expect([ck.epoch, ck.note, ck.best]).toEqual([3, 'adam', [0.5, Infinity]]);
    b.model.loadStateDict(ck.model);
    b.opt.loadStateDict(ck.optimizer);
    b.sched.loadStateDict(ck.scheduler);
    for (const t of Object.values(ck.model)) t.dispose();
    expect([step(b), step(b)]).toEqual(next);
  });

  it('keeps the structure: nested arrays and objects, NaN and infinities, bigints, null, keys with slashes', async () => {
    const state: CheckpointValue = { a: [1, [tensor([1, 2]), { 'b/c': tensor([[3n]]) }]], n: NaN, i: -Infinity, big: 2n ** 70n, z: null, s: 'x' };
    const before = memory().tensors;
    const back = checkpointFromBytes(await checkpointToBytes(state)) as { a: [number, [Tensor, { 'b/c': Tensor }]]; n: number; i: number; big: bigint; z: null; s: string };
    expect(back.a[0]).toBe(1);
    expect(back.a[1][0].tolistSync()).toEqual([1, 2]);
    expect(back.a[1][1]['b/c'].dtype).toBe('int64');
    expect([Number.isNaN(back.n), back.i, back.big, back.z, back.s]).toEqual([true, -Infinity, 2n ** 70n, null, 'x']);
    expect(memory().tensors).toBe(before + 2);
    back.a[1][0].dispose(); back.a[1][1]['b/c'].dispose();
  });

  it('refuses what a checkpoint cannot hold, and files that are not one, with clear errors', async () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    await expect(checkpointToBytes(cyclic as CheckpointValue)).rejects.toThrow(/'\/self' refers back to one of its parents/);
    await expect(checkpointToBytes({ m: new Map() } as unknown as CheckpointValue)).rejects.toThrow(/'\/m' is a Map; save its state/);
    await expect(checkpointToBytes({ f: () => 1 } as unknown as CheckpointValue)).rejects.toThrow(/'\/f' is a function/);
    const plain = join(dir, 'plain.safetensors');
    await save({ w: tensor([1]) }, plain);
    expect(() => loadCheckpoint(plain)).toThrow(/no 'flint.checkpoint' metadata, so it is not a nested checkpoint; read a plain state dict with load\(\).*plain\.safetensors/);
    const bad = join(dir, 'bad.ckpt');
    writeFileSync(bad, new Uint8Array([1, 2, 3]));
    expect(() => loadCheckpoint(bad)).toThrow(SafetensorsError);
  });
});
