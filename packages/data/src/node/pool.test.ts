import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import * as F from '@flint/core';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DataLoader, DataLoaderError, DataLoaderTimeoutError, FormatError } from '@flint/data/node';
import type { Fault } from '../testing/hostile-worker.js';
import { Faulty } from '../testing/hostile-worker.js';

const module = fileURLToPath(new URL('../testing/hostile-worker.ts', import.meta.url));
const packageDir = fileURLToPath(new URL('../..', import.meta.url));

/** A loader over Faulty(n, at, fault) in `numWorkers` threads; batch b goes to worker b % numWorkers. */
function loader(n: number, at: number, fault: Fault, opts: { numWorkers?: number; timeout?: number; tensors?: boolean; prefetch?: number } = {}) {
  const { numWorkers = 2, tensors = false, ...rest } = opts;
  return new DataLoader(new Faulty(n, at, fault, tensors), { batchSize: 2, numWorkers, ...rest, worker: { module, export: 'Faulty', args: [n, at, fault, tensors] } });
}

/** Labels of the batches received before the loader failed, and the error. */
async function consume(l: ReturnType<typeof loader>): Promise<{ got: number[][]; error: unknown }> {
  const got: number[][] = [];
  try {
    for await (const [x, y] of l) { got.push((await y.tolist()) as number[]); x.dispose(); y.dispose(); }
  } catch (error) { return { got, error }; }
  return { got, error: undefined };
}

describe('DataLoader workers that die, hang or throw', () => {
  it('a worker that calls process.exit(0) mid-batch fails that batch, naming the worker and the item', async () => {
    const { got, error } = await consume(loader(8, 5, 'exit0'));
    expect(got).toEqual([[0, 1], [2, 3]]);
    expect(error).toBeInstanceOf(DataLoaderError);
    expect((error as Error).message).toMatch(/^DataLoader worker 0 exited \(exit code 0\) while loading item 5 \(batch 2, items \[4, 5\]\)/);
  }, 30_000);
  it('a non-zero exit names the item too', async () => {
    const { error } = await consume(loader(8, 3, 'exit3'));
    expect((error as Error).message).toMatch(/^DataLoader worker 1 exited \(exit code 3\) while loading item 3 \(batch 1, items \[2, 3\]\)/);
  }, 30_000);
  it('timeout (seconds): a getItem that never returns fails the batch, naming the worker, the item and the timeout', async () => {
    for (const fault of ['hang', 'never'] as const) {
      const start = Date.now();
      const { got, error } = await consume(loader(8, 3, fault, { timeout: 0.5 }));
      expect(error).toBeInstanceOf(DataLoaderTimeoutError);
      expect((error as Error).message).toMatch(/^DataLoader worker 1 timed out after 0\.5 s \(timeout\) loading item 3 \(batch 1, items \[2, 3\]\)/);
      expect(got).toEqual([[0, 1]]);
      expect(Date.now() - start).toBeLessThan(15_000);
    }
  }, 60_000);
  it('timeout counts from when a worker starts a batch, so a queue of slow batches is not a timeout; 0 (the default) waits', async () => {
    // 200 ms an item: batches end at 0.2, 0.6, 1.0, 1.4 s, but none takes more than 0.4 s once started
    expect((await consume(loader(8, 1, 'slow', { numWorkers: 1, prefetch: 4, timeout: 0.9 }))).got).toEqual([[0, 1], [2, 3], [4, 5], [6, 7]]);
    expect((await consume(loader(4, 1, 'slow'))).got).toEqual([[0, 1], [2, 3]]); // no timeout
    expect(() => loader(4, 1, 'slow', { timeout: -1 })).toThrow(/timeout should be a non-negative number of seconds, got -1/);
  }, 60_000);
  it('a FormatError (or RangeError) raised in a worker keeps its class, with the worker and item in the message', async () => {
    const { error } = await consume(loader(8, 3, 'format'));
    expect(error).toBeInstanceOf(FormatError);
    expect(error).toBeInstanceOf(F.FlintError);
    expect((error as Error).name).toBe('FormatError');
    expect((error as Error).message).toMatch(/^DataLoader worker 1, item 3: scan_3\.png: truncated: no IEND chunk/);
    expect((error as Error).stack).toMatch(/hostile-worker\.ts/); // the worker's frames
    const { error: range } = await consume(loader(8, 4, 'range'));
    expect(range).toBeInstanceOf(RangeError);
    expect((range as Error).message).toMatch(/^DataLoader worker 0, item 4: index 4 is cursed/);
  }, 30_000);
});

describe('DataLoader workers and early exits', () => {
  it('break frees the batches loaded ahead by workers', async () => {
    const before = F.memory().tensors;
    for (const tensors of [false, true]) {
      for await (const [x, y] of loader(16, -1, 'none', { tensors, prefetch: 2 })) { x.dispose(); y.dispose(); break; }
      expect(F.memory().tensors).toBe(before);
    }
    // break does not wait for batches still loading: here one never finishes (worker 1 hangs on item 3)
    const start = Date.now();
    for await (const [x, y] of loader(8, 3, 'hang')) { x.dispose(); y.dispose(); break; }
    expect(Date.now() - start).toBeLessThan(10_000);
    expect(F.memory().tensors).toBe(before);
    const it = loader(16, -1, 'none')[Symbol.asyncIterator]();
    const first = await it.next();
    for (const t of first.value as F.Tensor[]) t.dispose();
    await it.return?.(undefined);
    expect(F.memory().tensors).toBe(before);
  }, 30_000);

  /** Run src/testing/drop-iterator.ts in a child process; its exit code (null if it had to be killed) and output. */
  function child(mode: 'drop' | 'return', limitMs: number): Promise<{ code: number | null; out: string }> {
    return new Promise((resolve) => {
      const p = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'src/testing/drop-iterator.ts', mode], {
        cwd: packageDir, env: { ...process.env, TSX_TSCONFIG_PATH: `${packageDir}/tsconfig.workers.json` }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      p.stdout.on('data', (d) => { out += d; });
      p.stderr.on('data', (d) => { out += d; });
      const timer = setTimeout(() => p.kill('SIGKILL'), limitMs);
      p.on('close', (code) => { clearTimeout(timer); resolve({ code, out }); });
    });
  }
  it('a process that takes one batch and drops the iterator exits on its own (idle workers do not keep it alive), and the pool is closed', async () => {
    for (const mode of ['drop', 'return'] as const) {
      const { code, out } = await child(mode, 30_000);
      expect({ mode, code }).toEqual({ mode, code: 0 });
      expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ tensors: 0, closed: true }); // 'drop': closed by the garbage collector
    }
  }, 90_000);
});
