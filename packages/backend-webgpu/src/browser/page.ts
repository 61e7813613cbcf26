// The conformance suite in a browser page: bundled by ./bundle.ts (fixtures embedded), it runs the testkit on
// navigator.gpu's device and leaves the report on window.__flintReport for the driver (../browser.test.ts).
import { loadFixtures, runConformance } from '@flint/backend-testkit';
import type { Backend } from '@flint/core';
import { createWebGPU } from '../index.js';
import { float64Skips } from '../testing.js';

interface PageReport { passed: number; failed: number; skipped: number; failures: string[]; adapter: string; error?: string }
const w = globalThis as unknown as { __flintReport?: PageReport; __flintLog?: string[] };
w.__flintLog = [];

async function main(): Promise<void> {
  let adapter = 'none';
  const report = await runConformance(async () => {
    const b = await createWebGPU();
    adapter = b.vendor?.webgpu ?? 'unknown';
    return b as Backend;
  }, { skip: float64Skips(loadFixtures()), log: (line) => { w.__flintLog!.push(line); } });
  w.__flintReport = {
    passed: report.passed, failed: report.failed, skipped: report.skipped, adapter,
    failures: report.results.filter((r) => r.status === 'fail').map((r) => `${r.id}: ${r.message ?? ''}`),
  };
}

main().catch((e: unknown) => {
  w.__flintReport = { passed: 0, failed: 1, skipped: 0, failures: [], adapter: 'none', error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
});
