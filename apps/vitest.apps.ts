// Vitest settings of the sample apps: the shared ones, plus what `--backend webgpu` needs in Node. Dawn (the
// `webgpu` package) wants a private XDG_RUNTIME_DIR and runs in child processes, not worker threads; without a
// GPU it uses the CPU Vulkan driver that tooling/webgpu/setup-vulkan.sh puts in <repo>/.vk, when it is there and
// VK_ICD_FILENAMES is unset (`VK_ICD_FILENAMES= npx vitest run` tests as on a machine without that driver).
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedConfig } from '../tooling/vitest.shared.js';

const icd = fileURLToPath(new URL('../.vk/lvp_icd.json', import.meta.url));
if (process.env.VK_ICD_FILENAMES === undefined && existsSync(icd)) process.env.VK_ICD_FILENAMES = icd;
process.env.XDG_RUNTIME_DIR = mkdtempSync(join(tmpdir(), 'flint-apps-xdg-'));

/** The apps' vitest config (pass `include` and the like through `test`). */
export const appsConfig = { ...sharedConfig, test: { ...sharedConfig.test, pool: 'forks' as const } };
