// The progress bar: what it prints to a log (plain lines) and to a terminal (one line redrawn in place).
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProgressBar } from './index.js';

/** A stream that records what is written to it; `isTTY` decides whether the bar draws in place. */
function sink(isTTY: boolean): Writable & { isTTY: boolean; columns?: number; text: () => string } {
  const chunks: string[] = [];
  const s = new Writable({ write(chunk, _enc, done) { chunks.push(String(chunk)); done(); } });
  return Object.assign(s, { isTTY, columns: 160, text: () => chunks.join('') });
}

// escape sequences a terminal interprets (cursor moves, clear line, wrap on/off, save/restore)
// eslint-disable-next-line no-control-regex
const plain = (s: string) => s.replace(/\x1b(\[[0-9;?]*[A-Za-z]|[78])/g, '');

afterEach(() => { vi.useRealTimers(); });

describe('ProgressBar in a log (not a terminal)', () => {
  it('prints a line at the start, one when the interval has passed, and the final one on finish', () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const out = sink(false);
    const bar = new ProgressBar(10, 'epoch 1/2', { out, samplesPerStep: 32, logEvery: 5 });
    vi.advanceTimersByTime(1000);
    bar.update(2, { loss: 0.5 }); // before the interval: no line
    expect(out.text().split('\n').filter(Boolean)).toHaveLength(1);
    vi.advanceTimersByTime(4000);
    bar.update(4, { loss: 0.25, acc: 0.75 }); // 5 s in: a line
    vi.advanceTimersByTime(5000);
    bar.finish({ loss: 0.125, acc: 0.875 });
    const lines = out.text().split('\n');
    expect(lines.pop()).toBe(''); // every line ended, and no blank line after the last
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('epoch 1/2 [....................] 0% 0/10 | 0s elapsed, ETA ? | ? steps/s, ? samples/s');
    // 4 steps of 32 in 5 s; cli-progress's ETA from its rate over the updates so far: 6 steps at 0.8/s → 8 s
    expect(lines[1]).toMatch(/^epoch 1\/2 \[#+\.+\] 40% 4\/10 \| 5s elapsed, ETA \d+s \| 0\.8 steps\/s, 25\.6 samples\/s \| loss 0\.2500 {2}acc 0\.7500$/);
    expect(lines[1]).toContain('ETA 8s');
    expect(lines[2]).toBe('epoch 1/2 [####################] 100% 10/10 | 10s elapsed, ETA 0s | 1.0 steps/s, 32.0 samples/s | loss 0.1250  acc 0.8750');
    expect(out.text()).not.toContain('\x1b');
  });

  it('counts samples the caller gives (a short last batch) and leaves samples/s out without a batch size', () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const counted = sink(false), steps = sink(false);
    const a = new ProgressBar(3, 'eval', { out: counted }), b = new ProgressBar(3, 'train', steps);
    vi.advanceTimersByTime(2000);
    a.finish({ loss: 1 }, 250);
    b.finish({ loss: 1 });
    expect(counted.text()).toContain('3/3 | 2s elapsed, ETA 0s | 1.5 steps/s, 125 samples/s | loss 1\n');
    expect(steps.text()).toContain('3/3 | 2s elapsed, ETA 0s | 1.5 steps/s | loss 1\n');
    expect(steps.text()).not.toContain('samples/s');
  });

  it('draws nothing more once closed', () => {
    const out = sink(false);
    const bar = new ProgressBar(5, 'x', { out });
    bar.close();
    const before = out.text();
    bar.update(3, { loss: 1 });
    bar.finish();
    expect(out.text()).toBe(before);
  });
});

describe('ProgressBar on a terminal', () => {
  it('redraws one line in place with ETA, steps/s, samples/s and the info, and ends it on finish', () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const out = sink(true);
    const bar = new ProgressBar(8, 'epoch 2/3', { out, samplesPerStep: 64 });
    vi.advanceTimersByTime(2000);
    bar.update(4, { loss: 0.5 });
    expect(plain(out.text())).toContain('epoch 2/3 [');
    expect(plain(out.text())).toContain('] 50% 4/8 | 2s elapsed, ETA 2s | 2.0 steps/s, 128 samples/s | loss 0.5000');
    vi.advanceTimersByTime(2000);
    bar.finish({ loss: 0.25 });
    const text = out.text();
    expect(text).toContain('\x1b['); // drawn in place, not line by line
    expect(text.split('\n')).toHaveLength(2); // one line, ended once
    expect(text.endsWith('\n')).toBe(true);
    const last = plain(text.split('\x1b[1G').pop()!).trimEnd(); // the last frame drawn
    expect(last).toBe(`epoch 2/3 [${'\u2588'.repeat(24)}] 100% 8/8 | 4s elapsed, ETA 0s | 2.0 steps/s, 128 samples/s | loss 0.2500`);
  });
});
