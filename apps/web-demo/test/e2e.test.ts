// End to end: build the demo with Vite, serve it from 127.0.0.1 and, in headless Chromium, train 300 steps on
// the CPU (test accuracy, predictions, the safetensors download, the README's screenshot), then a few steps on
// the default backend: WebGPU (SwiftShader) when Chromium offers an adapter, checked against the CPU's losses,
// and the page must name the device it really used; and in a Chromium without WebGPU, the CPU with the reason
// on the page. Skipped, saying why, when Chromium is not installed.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import { loadFromBytes } from '@flint/nn';
import type { DemoResult } from '../src/main.js';
import { APP_DIR, CHROMIUM, buildDemo, launchChromium, serve } from './browser.js';

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`web-demo end-to-end test skipped: ${CHROMIUM} is missing (apt-get install chromium, or set CHROMIUM)`);

/** Chance is 10%; 300 steps reach 84.6-85.0% on the CPU backend (measured), so 70% leaves room for changes in the packages. */
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

  it('trains 300 steps on the CPU (?backend=cpu) above 70% test accuracy, shows predictions and offers the weights', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 820 } });
    const run = await runPage(page, `${base}?steps=300&backend=cpu`, 80_000);
    console.log(`web demo, cpu: ${run.text}`);
    expect(run.device).toBe('cpu');
    expect(run.accuracy).toBeGreaterThan(MIN_ACCURACY);
    expect(run.result.testAccuracy).toBeCloseTo(run.accuracy / 100, 3);
    expect(run.result.parameterDevice).toBe('cpu');
    // the page says why it is not on WebGPU
    expect(run.result.fallbackReason).toMatch(/\?backend=cpu/);
    expect(run.banner).toContain(run.result.fallbackReason!);
    expect(await page.locator('#grid figure').count()).toBe(36);
    // the README's screenshot is refreshed on request (FLINT_UPDATE_SCREENSHOT=1); a plain test run writes to
    // the ignored out/ folder, so running the tests leaves the checkout as it was
    const shot = process.env.FLINT_UPDATE_SCREENSHOT === '1' ? join(APP_DIR, 'screenshot.png') : join(APP_DIR, 'out', 'screenshot.png');
    await page.screenshot({ path: shot });
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(download.suggestedFilename()).toBe('fashion-cnn.safetensors');
    const weights = loadFromBytes(new Uint8Array(readFileSync(await download.path())));
    expect(Object.fromEntries(Object.entries(weights).map(([k, t]) => [k, t.shape]))).toEqual({
      'conv1.weight': [16, 1, 5, 5], 'conv1.bias': [16], 'conv2.weight': [32, 16, 5, 5], 'conv2.bias': [32], 'fc.weight': [10, 512], 'fc.bias': [10],
    });
    await page.close();
  });

  it('trains on WebGPU when Chromium offers an adapter (else on the CPU, saying why), to the CPU\'s losses', async () => {
    // SwiftShader's WebGPU compiles every pipeline on the CPU: a few small steps prove the path in CI time
    const query = '?steps=3&batch=8&eval=3&test=50';
    const page = await browser.newPage();
    await page.goto(`${base}?steps=1&backend=cpu&test=1`);
    const adapter = await page.evaluate(async () => {
      const a = await navigator.gpu?.requestAdapter();
      return a ? `${a.info.vendor} ${a.info.architecture}`.trim() : null;
    });
    const run = await runPage(page, `${base}${query}`, 80_000);
    console.log(`web demo, default backend: ${run.text} (WebGPU adapter: ${adapter ?? 'none'}${run.result.fallbackReason ? `; CPU because ${run.result.fallbackReason}` : ''})`);
    // the status names the device the parameters really live on
    expect(run.result.device).toBe(run.device);
    expect(run.result.parameterDevice).toBe(run.device);
    if (adapter === null) {
      expect(run.device).toBe('cpu');
      expect(run.banner).toContain(run.result.fallbackReason!);
    } else {
      expect(run.device, `Chromium offers ${adapter}, but the page fell back: ${run.result.fallbackReason}`).toBe('webgpu');
      expect(run.result.fallbackReason).toBeNull();
      const cpu = await runPage(page, `${base}${query}&backend=cpu`, 40_000);
      const worst = Math.max(...cpu.result.losses.map((l, i) => Math.abs(run.result.losses[i]! - l) / l));
      console.log(`web demo: losses on webgpu ${run.result.losses.join(', ')}; on cpu ${cpu.result.losses.join(', ')} (largest relative difference ${worst.toExponential(1)})`);
      expect(worst).toBeLessThan(1e-4);
    }
    await page.close();
  });

  it('falls back to the CPU, and says why on the page, in a Chromium without WebGPU', async () => {
    const plain = await launchChromium(false);
    try {
      const page = await plain.newPage();
      const run = await runPage(page, `${base}?steps=2&batch=8&eval=2&test=50`, 40_000);
      console.log(`web demo without WebGPU: ${run.banner}`);
      expect(run.device).toBe('cpu');
      expect(run.result.parameterDevice).toBe('cpu');
      expect(run.result.fallbackReason).toMatch(/WebGPU/);
      expect(run.banner).toContain(run.result.fallbackReason!);
    } finally {
      await plain.close();
    }
  });
});
