// Helpers of the end-to-end test: build the demo with Vite's API, serve dist/ from 127.0.0.1 with node:http,
// and open pages in Debian's headless Chromium through playwright-core with WebGPU enabled.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'vite';

/** The app's folder. */
export const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
/** Debian's chromium, or $CHROMIUM. */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Builds the demo into `outDir` with the app's vite.config.ts. */
export async function buildDemo(outDir: string): Promise<void> {
  await build({ root: APP_DIR, configFile: join(APP_DIR, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.gz': 'application/gzip', '.json': 'application/json',
};

/** Serves the files under `root` on 127.0.0.1 (an ephemeral port); resolves to the server and its base URL. */
export async function serve(root: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) { res.writeHead(404).end('not found'); return; }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/** Headless Chromium making no attempts to reach the network, with WebGPU on (SwiftShader without a GPU) unless `webgpu` is false. */
export function launchChromium(webgpu = true): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM, headless: true, chromiumSandbox: false,
    args: [...(webgpu ? ['--enable-unsafe-webgpu'] : ['--disable-gpu']), '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
