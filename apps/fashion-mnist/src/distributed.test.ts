// --distributed end to end: flint-run starts the app on 2 ranks (mpirun); rank 0 alone prints the report and
// writes the metrics, with the global batch and both ranks' samples counted.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'fashion-mnist-ddp-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('fashion-mnist --distributed', () => {
  it('trains on 2 ranks with DistributedDataParallel and reports once, from rank 0', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '../../packages/distributed/src/launcher/cli.ts', '-n', '2', 'src/main.ts', '--distributed', '--data', 'data', '--limit', '512', '--epochs', '1', '--out', out], {
      cwd: appDir, encoding: 'utf8', timeout: 90_000, env: { ...process.env, FORCE_COLOR: '0' },
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.filter((l) => l.startsWith('Model:'))).toHaveLength(1);
    expect(lines.find((l) => l.startsWith('Model:'))).toContain('2 ranks (DistributedDataParallel, global batch 128)');
    expect(lines.filter((l) => l.startsWith('Test accuracy:'))).toHaveLength(1);
    const report = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as { testAccuracy: number; epochs: { trainLoss: number }[]; stepLosses: unknown[] };
    expect(report.stepLosses).toHaveLength(4); // 512 images, 2 ranks x 64 a step
    expect(report.testAccuracy).toBeGreaterThan(0.2); // above chance (0.1) after 4 steps
    expect(report.epochs[0]!.trainLoss).toBeLessThan(2.5);
  }, 100_000);
});
