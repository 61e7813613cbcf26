// The conformance suite in headless Chromium on navigator.gpu (Debian's chromium, driven by playwright-core,
// page served from 127.0.0.1): the browser path of the backend. Skipped, with the reason printed, when
// chromium or playwright-core is absent, or FLINT_WEBGPU_BROWSER=0. FLINT_CHROMIUM overrides /usr/bin/chromium.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundlePage } from './browser/bundle.js';

const chromium = process.env.FLINT_CHROMIUM ?? '/usr/bin/chromium';
let playwright: typeof import('playwright-core') | undefined;
let why: string | undefined;
if (process.env.FLINT_WEBGPU_BROWSER === '0') why = 'FLINT_WEBGPU_BROWSER=0 (the browser run does not depend on the Node version: CI runs it once)';
else if (!existsSync(chromium)) why = `no chromium at ${chromium} (apt-get install chromium, or set FLINT_CHROMIUM)`;
else {
  try { playwright = await import('playwright-core'); } catch (e) { why = `playwright-core does not load (${e instanceof Error ? e.message : String(e)})`; }
}
if (why) console.log(`webgpu browser conformance skipped: ${why}`);

const FLAGS = ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe.skipIf(why !== undefined)('webgpu in headless Chromium', () => {
  it('passes the conformance suite on navigator.gpu with only float64 skips', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-webgpu-page-'));
    await bundlePage(join(dir, 'page.js'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>flint webgpu conformance</title><script type="module" src="page.js"></script>');
    const server = createServer((req, res) => {
      const file = join(dir, req.url === '/' ? 'index.html' : (req.url ?? '').replace(/^\//, ''));
      if (!file.startsWith(dir) || !existsSync(file)) { res.writeHead(404).end(); return; }
      res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const browser = await playwright!.chromium.launch({ executablePath: chromium, args: FLAGS, headless: true });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await page.waitForFunction(() => (globalThis as { __flintReport?: unknown }).__flintReport !== undefined, undefined, { timeout: 280_000, polling: 500 });
      const report = await page.evaluate(() => (globalThis as unknown as { __flintReport: { passed: number; failed: number; skipped: number; failures: string[]; adapter: string; error?: string } }).__flintReport);
      console.log(`webgpu in Chromium (${report.adapter}): ${report.passed} passed, ${report.skipped} skipped (float64), ${report.failed} failed`);
      expect(report.error, report.error).toBeUndefined();
      expect(errors).toEqual([]);
      expect(report.failures).toEqual([]);
      expect(report.passed).toBeGreaterThan(1000);
    } finally {
      await browser.close();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
