// The backend conformance suite (PyTorch fixtures) on 'webgpu': Dawn in Node on whatever Vulkan driver the
// machine has (lavapipe in CI, from tooling/webgpu/setup-vulkan.sh). Only float64 cases are skipped: WGSL
// has no 64-bit floats. Without WebGPU the whole suite is skipped with the reason printed.
import { describe, it } from 'vitest';
import { loadFixtures } from '@flint/backend-testkit';
import { describeBackend } from '@flint/backend-testkit/vitest';
import type { Backend } from '@flint/core';
import { createWebGPU } from './index.js';
import { float64Skips, probeWebGPU } from './testing.js';

const why = await probeWebGPU();
if (why) {
  console.log(`webgpu conformance skipped: ${why}`);
  describe('backend conformance: webgpu', () => it.skip(`no WebGPU here (${why})`, () => {}));
} else {
  describeBackend(() => createWebGPU() as Promise<Backend>, { name: 'webgpu', skip: float64Skips(loadFixtures()) });
}
