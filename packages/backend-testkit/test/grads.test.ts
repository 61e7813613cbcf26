// Gradient checks in the runner: "<case id>/grad" compares grad(sum(out * w)) with PyTorch's, a wrong rule
// shows up with the differing values, and gradients can be turned off or skipped on their own.
import { describe, expect, it } from 'vitest';
import { initBackend, registerBackend, removeBackend, setDefaultDevice } from '@flint/core';
import { defineRule, gradcheck } from '@flint/autograd';
import { gradcheckCases, runConformance, uniqueDeviceName } from '../src/index.js';
import { createMinimalBackend } from '../src/reference/minimal.js';

const quiet = { log: () => {} };

describe('gradient checks', () => {
  it('follow each differentiable case and pass with correct rules', async () => {
    const r = await runConformance(createMinimalBackend, { ...quiet, filter: /^(binary\/mul\/f32|shape\/split\/size|reduction\/max\/dim1)(\/grad)?$/ });
    expect(Object.fromEntries(r.results.map((x) => [x.id, x.status]))).toEqual({
      'binary/mul/f32': 'pass', 'binary/mul/f32/grad': 'pass',
      'reduction/max/dim1': 'pass', 'reduction/max/dim1/grad': 'pass', // {values, indices}: w for values only
      'shape/split/size': 'pass', 'shape/split/size/grad': 'pass', // three outputs, each with its own w
    });
  });

  it('are left out with grads: false, and skipped alone by "<op>/grad"', async () => {
    const off = await runConformance(createMinimalBackend, { ...quiet, grads: false, filter: 'binary/mul/f32' });
    expect(off.results.map((x) => x.id)).toEqual(['binary/mul/f32']);
    const skipped = await runConformance(createMinimalBackend, { ...quiet, skip: { 'mul/grad': 'no autograd here' }, filter: 'binary/mul/f32' });
    expect(skipped.results.map((x) => [x.id, x.status])).toEqual([['binary/mul/f32', 'pass'], ['binary/mul/f32/grad', 'skip']]);
  });

  it('report a wrong gradient rule with the differing values, and gradcheck catches it too', async () => {
    // expm1' = exp(x); this rule forgets the factor (the worker is this file's alone, so the change stays here)
    defineRule('expm1', { backward: (_ctx, [g]) => [g!] });
    const r = await runConformance(createMinimalBackend, { ...quiet, filter: /^unary\/expm1\/f64/ });
    expect(r.results.map((x) => [x.id, x.status])).toEqual([['unary/expm1/f64', 'pass'], ['unary/expm1/f64/grad', 'fail']]);
    expect(r.results[1]!.message).toMatch(/^grad of args\[0\]: \d+\/6 values differ/);

    const device = uniqueDeviceName();
    registerBackend(device, () => createMinimalBackend());
    await initBackend(device);
    setDefaultDevice(device);
    try {
      const gc = gradcheckCases().find((c) => c.id === 'unary/expm1/f64/gradcheck')!;
      const s = gc.setup(device);
      try {
        expect((await gradcheck(s.fn, s.inputs, { raiseException: false })).ok).toBe(false);
      } finally { s.dispose(); }
    } finally { removeBackend(device); }
  });
});
