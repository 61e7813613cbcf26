// CI-sized run of the benchmark: tiny batches, one step, no PyTorch.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));

describe('apps/bench', () => {
  it('prints one table and writes bench.json/bench.svg', () => {
    const out = mkdtempSync(join(tmpdir(), 'bench-'));
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', main, '--models', 'vgg,gru,densenet', '--steps', '1', '--infer-steps', '1',
      '--batch', '2', '--densenet-batch', '1', '--image-size', '64', '--no-torch', '--out', out], { encoding: 'utf8', cwd: fileURLToPath(new URL('..', import.meta.url)) });
    expect(stdout).toMatch(/\| VGG-style CNN/);
    expect(stdout).toMatch(/\| GRU\(100\)/);
    expect(stdout).toMatch(/\| DenseNet-121/);
    const json = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8'));
    expect(json.rows).toHaveLength(3);
    for (const r of json.rows) expect(Number.isFinite(r.flint.lastLoss) && r.flint.trainSamplesPerSec > 0).toBe(true);
    expect(existsSync(join(out, 'bench.svg'))).toBe(true);
  });
  it('--help lists the flags', () => {
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', main, '--help'], { encoding: 'utf8' });
    expect(stdout).toContain('--torch-threads');
  });
});
