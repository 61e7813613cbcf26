// Vitest for the WebGPU backend: Dawn (the `webgpu` package) needs a private XDG_RUNTIME_DIR, and on a
// machine without a GPU the CPU Vulkan driver that tooling/webgpu/setup-vulkan.sh puts in <repo>/.vk.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { sharedConfig } from '../../tooling/vitest.shared.js';

const icd = fileURLToPath(new URL('../../.vk/lvp_icd.json', import.meta.url));
if (!process.env.VK_ICD_FILENAMES && existsSync(icd)) process.env.VK_ICD_FILENAMES = icd;
process.env.XDG_RUNTIME_DIR = mkdtempSync(join(tmpdir(), 'flint-webgpu-xdg-'));

export default defineConfig({ ...sharedConfig, test: { ...sharedConfig.test, pool: 'forks' } });
