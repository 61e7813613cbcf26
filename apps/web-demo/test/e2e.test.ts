// End to end: build the demo with Vite, serve it from 127.0.0.1, train 300 steps in headless Chromium and
// check the test accuracy, that the page names the device it really trained on, that ?backend=cpu is obeyed,
// and save the screenshot shown in the README. Skipped, saying why, when Chromium is not installed.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoResult } from '../src/main.js';
import { APP_DIR, CHROMIUM, buildDemo, launchChromium, serve } from './browser.js';

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`web-demo end-to-end test skipped: ${CHROMIUM} is missing (apt-get install chromium, or set CHROMIUM)`);

/** Chance is 10%; 300 steps reach about 84% on the CPU backend (measured), so 70% leaves room for seeds and devices. */
const MIN_ACCURACY = 70;
const STATUS_END = /test accuracy (\d+\.\d)% on (webgpu|cpu)$/;

interface Run { text: string; accuracy: number; device: string; result: DemoResult; banner: string }

async function runPage(page: Page, url: string, timeoutMs: number): Promise<Run> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => ['done', 'error'].includes(document.getElementById('status')?.dataset.state ?? ''), null, { timeout: timeoutMs });
  const text = (await page.textContent('#status')) ?? '';
  expect(errors, `the page threw: ${errors.join('; ')}`).toEqual([]);
  const m = STATUS_END.exec(text);
  expect(m, `#status should end with "test accuracy NN.N% on <device>", got: ${text}`).not.toBeNull();
  const result = (await page.evaluate(() => window.flintDemo)) as DemoResult;
  return { text, accuracy: Number(m![1]), device: m![2]!, result, banner: (await page.textContent('#backend')) ?? '' };
}

describe.skipIf(!hasChromium)('web demo in headless Chromium', () => {
  let out: string, server: Server, base: string, browser: Browser;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'flint-web-demo-'));
    await buildDemo(out);
    ({ server, url: base } = await serve(out));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('trains 300 steps above 70% test accuracy and names the device it trained on', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 820 } });
    const adapter = await page.goto(base).then(() => page.evaluate(async () => {
      const a = await navigator.gpu?.requestAdapter();
      return a ? `${a.info.vendor} ${a.info.architecture}`.trim() : null;
    }));
    const run = await runPage(page, `${base}?steps=300`, 80_000);
    console.log(`web demo: ${run.text} (WebGPU adapter: ${adapter ?? 'none'}${run.result.fallbackReason ? `; CPU because ${run.result.fallbackReason}` : ''})`);
    expect(run.accuracy).toBeGreaterThan(MIN_ACCURACY);
    expect(run.result.testAccuracy).toBeCloseTo(run.accuracy / 100, 3);
    // the status names the device the parameters really live on
    expect(run.result.device).toBe(run.device);
    expect(run.result.parameterDevice).toBe(run.device);
    if (run.device === 'cpu') {
      // a fallback says why, on the page
      expect(run.result.fallbackReason).toBeTruthy();
      expect(run.banner).toContain(run.result.fallbackReason!);
    } else {
      expect(adapter).not.toBeNull();
      expect(run.result.fallbackReason).toBeNull();
    }
    expect(await page.locator('#grid figure').count()).toBe(36);
    expect(await page.locator('#download').isEnabled()).toBe(true);
    await page.screenshot({ path: join(APP_DIR, 'screenshot.png') });
    await page.close();
  });

  it('trains on the CPU when the page asks for it with ?backend=cpu', async () => {
    const page = await browser.newPage();
    const run = await runPage(page, `${base}?steps=20&backend=cpu&eval=20`, 40_000);
    expect(run.device).toBe('cpu');
    expect(run.result.parameterDevice).toBe('cpu');
    expect(run.result.fallbackReason).toMatch(/\?backend=cpu/);
    expect(run.banner).toMatch(/CPU backend/);
    await page.close();
  });

  it('offers the trained weights as a safetensors file', async () => {
    const page = await browser.newPage();
    await runPage(page, `${base}?steps=5&backend=cpu&eval=5`, 40_000);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(download.suggestedFilename()).toBe('fashion-cnn.safetensors');
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    const { loadFromBytes } = await import('@flint/nn');
    await import('@flint/backend-cpu');
    const weights = loadFromBytes(new Uint8Array(readFileSync(path)));
    expect(Object.fromEntries(Object.entries(weights).map(([k, t]) => [k, t.shape]))).toEqual({
      'conv1.weight': [16, 1, 5, 5], 'conv1.bias': [16], 'conv2.weight': [32, 16, 5, 5], 'conv2.bias': [32], 'fc.weight': [10, 512], 'fc.bias': [10],
    });
    await page.close();
  });
});
