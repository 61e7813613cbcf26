// --amp in the shared harness: parsed by commonConfig, and trainEpoch runs the model's products in the low
// precision (seen by a dispatch hook), with a GradScaler for float16, leaking nothing from step to step.
import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import { addHook, manualSeed, memory, randint, randn, type Tensor } from '@flint/core';
import { CrossEntropyLoss, Linear, ReLU, Sequential } from '@flint/nn';
import { SGD } from '@flint/optim';
import { AmpStep, SyntheticBatches, commonConfig, trainEpoch, type AmpMode, type Task } from './index.js';

function task(amp?: AmpMode): Task {
  const model = new Sequential(new Linear(6, 16), new ReLU(), new Linear(16, 3));
  const lossFn = new CrossEntropyLoss();
  return { model, optimizer: new SGD(model.parameters(), { lr: 0.1 }), loss: (o, y) => lossFn.call(o, y), metric: 'accuracy', amp };
}
const batches = (n: number) => new SyntheticBatches(n * 8, 8, (k): [Tensor, Tensor] => [randn([k, 6]), randint(0, 3, [k], { dtype: 'int64' })]);

describe('--amp in the app harness', () => {
  it('commonConfig reads --amp (off by default) and rejects other values', () => {
    expect(commonConfig({ synthetic: true }).amp).toBeUndefined();
    expect(commonConfig({ synthetic: true, amp: 'bf16' }).amp).toBe('bf16');
    expect(() => commonConfig({ synthetic: true, amp: 'fp16' })).toThrow("--amp must be bf16 or f16, got 'fp16'");
  });

  for (const mode of ['bf16', 'f16'] as const) {
    it(`${mode}: linear layers run in ${mode === 'bf16' ? 'bfloat16' : 'float16'}, the loss and parameters stay float32, memory stays flat`, async () => {
      manualSeed(2);
      const t = task(mode), amp = new AmpStep(mode);
      const seen = new Set<string>();
      const remove = addHook({ afterOp: (c) => { if (c.op === 'linear' || c.op === 'crossEntropy') seen.add(`${c.op}:${c.outputs[0]!.dtype}`); } });
      try {
        await trainEpoch(t, batches(1), 'warm-up', amp);
        const before = memory();
        const stats = await trainEpoch(t, batches(4), 'train', amp);
        expect(memory().tensors).toBe(before.tensors);
        expect(Number.isFinite(stats.loss)).toBe(true);
      } finally { remove(); }
      expect([...seen].sort()).toEqual(['crossEntropy:float32', `linear:${mode === 'bf16' ? 'bfloat16' : 'float16'}`]);
      expect([...t.model.parameters()].every((p) => p.dtype === 'float32')).toBe(true);
      expect(amp.scaler?.getScale()).toBe(mode === 'f16' ? 65536 : undefined);
      t.optimizer.dispose(); t.model.dispose();
    });
  }
});
