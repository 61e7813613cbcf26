// A process whose worker threads use the native BLAS one after another, each ending in turn, as a test
// runner's threads or an app's job workers do. koffi closes a thread's handle on the library as the thread
// ends; the last close unmapped OpenBLAS and its OpenMP runtime while threads they had started were still
// there, and the next worker to load it crashed the process (SIGSEGV, every run here before the library was
// pinned). Runs the built package (dist/) in a child process, so a crash fails this test and not the runner.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { setBlas } from '../index.js';

const LIB = 'libopenblas.so.0';
const dist = (pkg: string): string => fileURLToPath(new URL(`../../../${pkg}/dist/index.js`, import.meta.url));
const available = process.platform === 'linux' ? setBlas({ path: LIB }) : { kind: 'wasm', reason: 'this check reads /proc/self/maps (Linux)' };
setBlas('auto');
const built = existsSync(dist('backend-cpu')) && existsSync(dist('core'));
const why = available.kind !== 'native' ? `no native BLAS (${available.reason})` : !built ? 'the packages are not built (pnpm run build)' : '';
if (why) console.log(`worker-exit case skipped: ${why}`);

describe('native BLAS in worker threads that end', () => {
  (why ? it.skip : it)('four workers in turn, each with threaded products and a split convolution, then the library is still mapped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-worker-exit-'));
    try {
      const url = (p: string): string => JSON.stringify(pathToFileURL(p).href);
      writeFileSync(join(dir, 'inner.mjs'), `
        import { setBlas, setNumThreads } from ${url(dist('backend-cpu'))};
        import { conv2d, manualSeed, matmul, randn } from ${url(dist('core'))};
        import { parentPort } from 'node:worker_threads';
        if (setBlas({ path: '${LIB}' }).kind !== 'native') throw new Error('no native BLAS in the worker');
        setNumThreads(2);
        manualSeed(0);
        const a = randn([400, 400]);
        matmul(a, a).dataSync();
        conv2d(randn([4, 8, 12, 12]), randn([6, 8, 3, 3]), null, { padding: [1, 1] }).dataSync();
        parentPort.postMessage('done');
      `);
      writeFileSync(join(dir, 'outer.mjs'), `
        import { Worker } from 'node:worker_threads';
        import { readFileSync } from 'node:fs';
        for (let i = 0; i < 4; i++) {
          const w = new Worker(new URL('./inner.mjs', import.meta.url));
          await new Promise((done, fail) => { w.on('message', done); w.on('error', fail); });
          if (i % 2) await w.terminate(); else await new Promise((done) => w.on('exit', done));
        }
        console.log(/openblas/.test(readFileSync('/proc/self/maps', 'utf8')) ? 'mapped' : 'unmapped');
      `);
      const r = spawnSync(process.execPath, [join(dir, 'outer.mjs')], { encoding: 'utf8', timeout: 60_000 });
      expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
      expect(r.stdout.trim()).toBe('mapped');
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});
