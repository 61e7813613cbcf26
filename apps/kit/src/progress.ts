// A progress bar for epochs, drawn by cli-progress: steps, percent, elapsed time, ETA, steps/s and samples/s,
// then the caller's numbers (loss, accuracy). Redraws in place on a terminal; elsewhere (CI logs, pipes) it
// prints a plain line at the start, at most every few seconds, and at the end.
import cliProgress from 'cli-progress';

export interface ProgressInfo { [key: string]: number | string }

export interface ProgressOptions {
  /** Where the bar goes (default: process.stderr). */
  out?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Samples in one step (the batch size): the bar then shows samples/s as well as steps/s. */
  samplesPerStep?: number;
  /** Seconds between plain lines when `out` is not a terminal (default 5). */
  logEvery?: number;
}

const FORMAT = '{label} [{bar}] {percentage}% {value}/{total} | {duration_formatted} elapsed, ETA {eta_formatted} | {rate}{info}';

export class ProgressBar {
  private readonly bar: cliProgress.SingleBar;
  private readonly tty: boolean;
  private readonly samplesPerStep: number | undefined;
  private readonly logEveryMs: number;
  private readonly start = performance.now();
  private lastLine = performance.now();
  private open = true;

  /** `outOrOptions` is the stream to draw on (as before) or the options. */
  constructor(private readonly total: number, label: string, outOrOptions: ProgressOptions['out'] | ProgressOptions = {}) {
    const o: ProgressOptions = outOrOptions && 'write' in outOrOptions ? { out: outOrOptions } : (outOrOptions ?? {});
    const out = o.out ?? process.stderr;
    this.tty = out.isTTY === true;
    this.samplesPerStep = o.samplesPerStep;
    this.logEveryMs = 1000 * (o.logEvery ?? 5);
    this.bar = new cliProgress.SingleBar({
      stream: out, format: FORMAT, formatTime: formatSeconds, barsize: this.tty ? 24 : 20,
      // plain characters in logs; block shades on a terminal
      barCompleteChar: this.tty ? '\u2588' : '#', barIncompleteChar: this.tty ? '\u2591' : '.',
      noTTYOutput: true, notTTYSchedule: this.logEveryMs, etaBuffer: 50, fps: 5,
      // cli-progress ends a plain line itself; its closing newline would leave a blank line in logs
      clearOnComplete: !this.tty,
    });
    this.bar.on('redraw-post', () => { this.lastLine = performance.now(); });
    this.bar.start(total, 0, { label, ...this.payload(0, {}) });
  }

  /** `done` of `total` steps; `samples` (default done × samplesPerStep) gives samples/s when the last batch is short. */
  update(done: number, info: ProgressInfo = {}, samples?: number): void {
    if (!this.open) return;
    this.bar.update(done, this.payload(done, info, samples));
    // cli-progress prints plain lines from a timer, which a busy training loop may not let run
    if (!this.tty && (performance.now() - this.lastLine >= this.logEveryMs)) this.bar.render();
  }

  /** Draw the bar full with the final numbers and end its line. */
  finish(info: ProgressInfo = {}, samples?: number): void {
    if (!this.open) return;
    this.bar.update(this.total, this.payload(this.total, info, samples));
    this.close();
  }

  /** End the bar where it is (as after an error); it draws nothing more, and its redraw timer no longer keeps Node running. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.bar.stop();
  }

  private payload(done: number, info: ProgressInfo, samples = this.samplesPerStep === undefined ? undefined : done * this.samplesPerStep) {
    const secs = (performance.now() - this.start) / 1000;
    const rate = (n: number) => (secs > 0 && done > 0 ? (n / secs).toFixed(n / secs >= 100 ? 0 : 1) : '?');
    const extras = Object.entries(info).map(([k, v]) => `${k} ${typeof v === 'number' ? fmt(v) : v}`).join('  ');
    return {
      rate: `${rate(done)} steps/s${samples === undefined ? '' : `, ${rate(samples)} samples/s`}`,
      info: extras ? ` | ${extras}` : '',
    };
  }
}

// cli-progress's time format, with '?' for an ETA it can't tell yet (before two updates, or at no progress)
function formatSeconds(t: number | string, options: cliProgress.Options, roundTo: number): string {
  return typeof t === 'number' && Number.isFinite(t) ? cliProgress.Format.TimeFormat(t, options, roundTo) : '?';
}

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4));
