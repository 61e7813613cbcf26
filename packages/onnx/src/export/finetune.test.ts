// Fine-tune after import: a PyTorch-exported classifier (fixtures/models, from tooling/onnx/gen_models.py)
// is loaded, trained a few steps with @flint/optim through the autograd tape, exported again, and the
// new file runs in ONNX Runtime with the trained weights' outputs.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import '@flint/backend-cpu';
import '@flint/autograd';
import { manualSeed, nllLoss, randint, type Tensor } from '@flint/core';
import { Adam } from '@flint/optim';
import { loadOnnx } from '../import/model.js';
import { decodeModel } from '../proto/index.js';
import { exportOnnx } from './index.js';
import { compare, hasOnnxChecker, onnxCheck, runOrt } from './ort.testutil.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/models/${name}`, import.meta.url));

describe('fine-tune after import, then export', () => {
  test('GRU text classifier from torch.onnx: 5 Adam steps lower the loss; the re-export runs in ORT with the new weights', async () => {
    manualSeed(11);
    const model = await loadOnnx(fixture('gru_classifier.onnx'));
    const before = new Map(model.namedParameters().map(([k, p]) => [k, p.dataSync().slice() as Float32Array]));
    const ids = randint(0, 50, [4, 7]), target = randint(0, 3, [4]);
    const opt = new Adam(model.parameters(), { lr: 0.02 });
    const losses: number[] = [];
    for (let step = 0; step < 5; step++) {
      const out = (await model.run({ ids })).out!;
      const loss = nllLoss(out, target);
      losses.push(loss.itemSync());
      loss.backward();
      opt.step();
      opt.zeroGrad();
    }
    console.log(`fine-tune losses: ${losses.map((l) => l.toFixed(4)).join(' -> ')}`);
    expect(losses[4]!).toBeLessThan(losses[0]! - 0.05);

    const bytes = await exportOnnx(model, ids, { dynamicAxes: { ids: { 0: 'batch' }, out: { 0: 'batch' } } });
    if (hasOnnxChecker()) await onnxCheck(bytes);
    // the trained parameters are initializers under their names in the imported file, with the new values
    const inits = new Map((decodeModel(bytes).graph!.initializer ?? []).map((t) => [t.name!, t]));
    let changed = 0;
    for (const [k, old] of before) {
      const t = inits.get(k);
      if (!t) continue;
      const now = new Float32Array(Uint8Array.from(t.raw_data!).buffer);
      if (now.some((v, i) => v !== old[i])) changed++;
    }
    expect(changed).toBeGreaterThan(0);
    for (const n of [4, 6]) {
      const x = randint(0, 50, [n, 7]);
      const ours = (await model.run({ ids: x })).out as Tensor;
      const d = compare(ours, (await runOrt(bytes, [x])).out!);
      console.log(`re-exported GRU classifier batch ${n}: max |diff| ${d.maxAbs.toExponential(2)}, max rel ${d.maxRel.toExponential(2)}`);
      expect(d.ok).toBe(true);
    }
  });
});
