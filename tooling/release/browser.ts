// The README example in a browser: bundled by esbuild from an installed npm project, served from
// 127.0.0.1 and run in headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core.
import { build } from 'esbuild';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { DONE } from './readme-example.js';
import { CheckError } from './shared.js';

/**
 * The minified bundle's budget in bytes. First set at 350,000 over 291,213 bytes (87,105 gzipped). Raised for
 * the CPU-speed work (issue 14), measured at 398,575 bytes (110,561 gzipped): core 147 KiB, backend-cpu
 * 178 KiB (its generated elementwise loops, one per op and dtype, are unrolled by 4, which made them 25-40%
 * faster in V8; the native-BLAS glue is Node-only but small), autograd 32.5, optim 19.6, nn 11.5. The budget
 * leaves 10% headroom.
 */
export const BUNDLE_BUDGET = 440_000;

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Bundles `entry` (resolving `@flint/*` from its project's node_modules) for the browser; returns the bundle's path. */
export async function bundle(project: string, entry: string): Promise<string> {
  const outfile = join(project, 'public', 'bundle.js');
  const result = await build({
    absWorkingDir: project, entryPoints: [entry], outfile, bundle: true, platform: 'browser', format: 'esm',
    target: 'es2022', minify: true, metafile: true, logLevel: 'silent',
  }).catch((e: Error) => { throw new CheckError(`esbuild could not bundle the example for the browser:\n${e.message}`); });
  const size = statSync(outfile).size, gz = gzipSync(readFileSync(outfile)).length;
  // bytes each package contributes, so a jump names its source
  const byPackage = new Map<string, number>();
  for (const [file, info] of Object.entries(result.metafile.outputs[Object.keys(result.metafile.outputs).find((f) => f.endsWith('bundle.js'))!]!.inputs)) {
    const pkg = /node_modules\/(@[^/]+\/[^/]+|[^/]+)/.exec(file)?.[1] ?? 'example';
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + info.bytesInOutput);
  }
  const parts = [...byPackage].sort((a, b) => b[1] - a[1]).map(([p, b]) => `${p} ${(b / 1024).toFixed(1)} KiB`).join(', ');
  console.log(`   bundle: ${size} bytes (${gz} gzipped), budget ${BUNDLE_BUDGET} bytes (${((100 * size) / BUNDLE_BUDGET).toFixed(0)}%): ${parts}`);
  if (size > BUNDLE_BUDGET) {
    throw new CheckError(`the browser bundle is ${size} bytes, over its budget of ${BUNDLE_BUDGET} (tooling/release/browser.ts); shrink it or raise the budget with a reason`);
  }
  return outfile;
}

/** Serves `bundle` on 127.0.0.1, opens it in headless Chromium and returns the page's console lines up to the done marker. */
export async function runInChromium(bundlePath: string, timeoutMs = 120_000): Promise<string[]> {
  if (!existsSync(CHROMIUM)) throw new CheckError(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) or set CHROMIUM`);
  const html = '<!doctype html><meta charset="utf-8"><title>flint</title><script type="module" src="/bundle.js"></script>';
  const server = createServer((req, res) => {
    if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    else if (req.url === '/bundle.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(bundlePath));
    else res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true, chromiumSandbox: false,
    // without these, Chromium keeps trying hosts this closed network refuses
    args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const lines: string[] = [];
    const finished = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new CheckError(`chromium: no "${DONE}" after ${timeoutMs / 1000}s; console so far:\n${lines.join('\n')}`)), timeoutMs);
      page.on('console', (msg) => {
        lines.push(msg.text());
        if (msg.type() === 'error') { clearTimeout(timer); reject(new CheckError(`chromium: console error: ${msg.text()}\n${lines.join('\n')}`)); }
        if (msg.text().endsWith(DONE)) { clearTimeout(timer); resolve(); }
      });
      page.on('pageerror', (e) => { clearTimeout(timer); reject(new CheckError(`chromium: the page threw: ${e.stack ?? e.message}`)); });
    });
    finished.catch(() => {}); // it may settle while goto is pending; awaited below
    await page.goto(url);
    await finished;
    return lines;
  } finally {
    await browser.close();
    server.close();
  }
}

