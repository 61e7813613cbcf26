// Every example runs as written and prints what it promises.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));
const run = (file: string, ...args: string[]): string =>
  execFileSync(process.execPath, ['--import', 'tsx', join(here, file), ...args], { encoding: 'utf8', cwd: here });

describe('examples', () => {
  it('polynomial-fit: all four ways fit sin(x) with a cubic as PyTorch\'s tutorial does', () => {
    const lines = run('polynomial-fit.ts').trim().split('\n');
    expect(lines.map((l) => l.split(':')[0])).toEqual(['tensors', 'autograd', 'nn', 'optim']);
    for (const l of lines) {
      const loss = Number(/loss ([\d.]+)/.exec(l)![1]);
      const [a, b, c, d] = (/y = (.*) \+ (.*) x \+ (.*) x\^2 \+ (.*) x\^3/.exec(l)!.slice(1)).map(Number);
      // PyTorch's tutorial ends near loss 8.8 with y ≈ 0 + 0.84 x + 0 x² − 0.09 x³
      expect(loss).toBeLessThan(12);
      expect(Math.abs(a!) + Math.abs(c!)).toBeLessThan(0.05);
      expect(b!).toBeCloseTo(0.85, 1);
      expect(d!).toBeCloseTo(-0.092, 2);
    }
  });

  it('fashion-cnn: trains, evaluates in eval mode, and the reloaded checkpoint scores the same', () => {
    const out = run('fashion-cnn.ts', '--limit', '640', '--epochs', '2');
    const acc = [...out.matchAll(/test accuracy ([\d.]+)%/g)].map((m) => Number(m[1]));
    expect(acc).toHaveLength(3);
    expect(acc[1]!).toBeGreaterThan(60); // chance is 10%
    expect(acc[2]).toBe(acc[1]);
    expect(out).toMatch(/epoch 2: train loss [\d.]+, lr 0\.0005/);
  });

  it('checkpoint-resume: a resumed run has exactly the losses of an uninterrupted one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-resume-'));
    try {
      const whole = run('checkpoint-resume.ts', '--epochs', '3').trim().split('\n');
      const first = run('checkpoint-resume.ts', '--epochs', '2', '--save', join(dir, 'run.ckpt')).trim().split('\n');
      const rest = run('checkpoint-resume.ts', '--epochs', '3', '--resume', join(dir, 'run.ckpt')).trim().split('\n');
      expect([...first.slice(0, 2), ...rest]).toEqual(whole);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
