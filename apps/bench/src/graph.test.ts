// --graph: the training step is captured once and the timed loop only replays it. Without a GPU the capture
// is a stand-in that records the step and replays it by running it again, which checks the plumbing (warm-up
// outside the capture, replays timed, the captured loss read at the end, nothing leaked); the real capture is
// @flint/backend-cuda's captureStep, tested against its fake driver there.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import { manualSeed, memory, type Tensor } from '@flint/core';
import { measure, type CaptureStep } from './measure.js';
import { workload } from './models.js';

describe('apps/bench --graph', () => {
  it('captures the training step once and times replays of it', async () => {
    manualSeed(0);
    const before = memory().tensors;
    const w = workload('vgg', { imageSize: 32 });
    let captures = 0, replays = 0, warmup = -1;
    const capture: CaptureStep = <R>(step: () => R, opts: { warmup: number }) => {
      captures++; warmup = opts.warmup;
      let out = step();
      return {
        get outputs() { return out; },
        replay: () => { replays++; (out as Tensor).dispose(); out = step(); },
      };
    };
    const figures = await measure(w, 2, 3, 1, capture);
    expect(captures).toBe(1);
    expect(warmup).toBe(0);
    expect(replays).toBe(3 + 1); // the timed steps and the untimed first run
    expect(Number.isFinite(figures.lastLoss) && figures.trainSamplesPerSec > 0).toBe(true);
    w.model.dispose();
    w.optimizer.dispose();
    expect(memory().tensors).toBe(before);
  });

  it('refuses --graph on a backend other than cuda', () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    let message = '';
    try {
      execFileSync(process.execPath, ['--import', 'tsx', main, '--graph', '--no-torch', '--models', 'vgg'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) { message = String((e as { stderr?: string }).stderr); }
    expect(message).toContain('--graph captures the training step as a CUDA graph: it needs --backend cuda, not cpu');
  });
});
