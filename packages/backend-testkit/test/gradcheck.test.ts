// gradcheck over the op table: every smooth, differentiable fixture case, its floating args cast to float64,
// on the minimal backend (required kernels only, so every gradient flows through core's composites too),
// read back asynchronously (the backend has no readSync).
import { afterAll, beforeAll, describe, it } from 'vitest';
import { getDefaultDevice, initBackend, listBackends, registerBackend, removeBackend, setDefaultDevice } from '@flint/core';
import { gradcheck } from '@flint/autograd'; // importing it installs the tape
import { gradcheckCases, uniqueDeviceName } from '../src/index.js';
import { createMinimalBackend } from '../src/reference/minimal.js';

const device = uniqueDeviceName();
let previous: string | undefined;

describe('gradcheck (float64, minimal backend)', () => {
  beforeAll(async () => {
    registerBackend(device, () => createMinimalBackend());
    await initBackend(device);
    previous = listBackends().some((b) => b !== device) ? getDefaultDevice() : undefined;
    setDefaultDevice(device); // gradcheck makes its perturbed inputs on the default device
  });
  afterAll(() => {
    removeBackend(device);
    if (previous && previous !== device) setDefaultDevice(previous);
  });

  for (const gc of gradcheckCases()) {
    it(`${gc.id} [${gc.op}]`, async () => {
      const s = gc.setup(device);
      try {
        const r = await gradcheck(s.fn, s.inputs, { raiseException: false });
        if (!r.ok) throw new Error(`${gc.op}: ${r.report}`);
      } finally {
        s.dispose();
      }
    });
  }
});
