// --backend webgpu through useBackend: it starts WebGPU where a Vulkan driver is set up (VK_ICD_FILENAMES,
// which apps/vitest.apps.ts points at <repo>/.vk when tooling/webgpu/setup-vulkan.sh has run), and otherwise
// (try VK_ICD_FILENAMES= npx vitest run src/backend.test.ts)
// fails with @flint/backend-webgpu's own message saying what was tried and what to install.
import { afterEach, describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import { BackendError, getDefaultDevice, setDefaultDevice, tensor } from '@flint/core';
import { useBackend } from './backend.js';

afterEach(() => setDefaultDevice('cpu'));

describe('useBackend', () => {
  it("'webgpu' computes on WebGPU when a driver is set up, else fails with the package's clear message", async () => {
    const driver = process.env.VK_ICD_FILENAMES || undefined; // empty: the system's drivers only
    const outcome = await useBackend('webgpu').then((name) => ({ name }), (error: unknown) => ({ error }));
    if ('name' in outcome) {
      expect(outcome.name).toBe('webgpu');
      expect(getDefaultDevice()).toBe('webgpu');
      const y = tensor([1, 2, 3]).mul(2).add(0.5);
      expect(y.device).toBe('webgpu');
      expect(Array.from(await y.data<Float32Array>())).toEqual([2.5, 4.5, 6.5]);
      console.log(`useBackend('webgpu') started WebGPU (driver: ${driver ?? 'the system default'})`);
    } else {
      const e = outcome.error as Error;
      console.log(`useBackend('webgpu') refused: ${e.message}`);
      expect(driver, `VK_ICD_FILENAMES=${driver} is set, so WebGPU should start; it failed with: ${e.message}`).toBeUndefined();
      expect(e).toBeInstanceOf(BackendError);
      // what was tried, and what to do about it
      expect(e.message).toMatch(/^initWebGPU: /);
      expect(e.message).toMatch(/npm install webgpu/);
      expect(e.message).toMatch(/lavapipe/);
      expect(e.message).toMatch(/CPU backend/);
      expect(getDefaultDevice()).toBe('cpu');
    }
  });

  it('names the choices when the backend is unknown', async () => {
    await expect(useBackend('tpu')).rejects.toThrow("--backend 'tpu' is unknown; choose one of: cpu, webgpu, cuda, mockgpu");
  });
});
