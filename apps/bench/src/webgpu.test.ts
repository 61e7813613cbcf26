// `flint-bench --backend webgpu`: the command line trains and times a benchmark model on WebGPU, says so, exits,
// and its loss after the warm-up and one timed step (same seed) is the CPU's within float32 tolerance.
// Skipped, saying why, where no WebGPU adapter is available; FLINT_COMPARE_DEVICE=mockgpu runs it against the
// testkit's mock GPU.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deviceUnderTest, tempDir } from '@flint/app-kit/testing';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));

const { device, reason } = await deviceUnderTest();
if (reason) console.warn(`flint-bench --backend ${device} skipped: ${reason}`);

/** The VGG model for one warm-up and one timed step at batch 2: its stdout and bench.json. */
function bench(backend: string): { stdout: string; json: { backend: string; rows: { model: string; flint: { lastLoss: number; trainSamplesPerSec: number } }[] } } {
  const out = tempDir(`bench-${backend}`);
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', main, '--backend', backend, '--models', 'vgg', '--steps', '1', '--infer-steps', '1', '--batch', '2', '--no-torch', '--out', out],
    { encoding: 'utf8', cwd: fileURLToPath(new URL('..', import.meta.url)), timeout: 100_000 });
  return { stdout, json: JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8')) };
}

describe.skipIf(reason !== undefined)(`flint-bench --backend ${device}`, () => {
  it('times the VGG model on the device and reaches the CPU\'s loss', () => {
    const gpu = bench(device), cpu = bench('cpu');
    expect(gpu.stdout).toContain(`Flint backend: ${device}`);
    expect(gpu.json.backend).toBe(device);
    const [g, c] = [gpu.json.rows[0]!.flint, cpu.json.rows[0]!.flint];
    console.log(`flint-bench vgg, batch 2: loss after 2 steps ${g.lastLoss} on ${device}, ${c.lastLoss} on cpu; ${g.trainSamplesPerSec.toFixed(1)} train samples/s on ${device}`);
    expect(g.trainSamplesPerSec).toBeGreaterThan(0);
    expect(Math.abs(g.lastLoss - c.lastLoss) / c.lastLoss).toBeLessThan(1e-4);
  });
});
