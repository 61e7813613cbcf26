// A progress bar for epochs: redraws in place on a terminal, prints a few plain lines otherwise.

export interface ProgressInfo { [key: string]: number | string }

export class ProgressBar {
  private start = performance.now();
  private lastLine = 0;
  private readonly tty: boolean;
  constructor(private readonly total: number, private readonly label: string, private readonly out: NodeJS.WriteStream = process.stderr) {
    this.tty = !!out.isTTY;
  }

  update(done: number, info: ProgressInfo = {}): void {
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const width = 28, filled = Math.round(frac * width);
    const secs = (performance.now() - this.start) / 1000;
    const extras = Object.entries(info).map(([k, v]) => `${k} ${typeof v === 'number' ? fmt(v) : v}`).join('  ');
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(frac * 100)).padStart(3)}% ${done}/${this.total}  ${secs.toFixed(1)}s  ${extras}`;
    if (this.tty) {
      this.out.write(`\r${line}\x1b[K`);
    } else if (done === this.total || performance.now() - this.lastLine > 5000) {
      this.out.write(`${line}\n`);
      this.lastLine = performance.now();
    }
  }

  finish(info: ProgressInfo = {}): void {
    this.update(this.total, info);
    if (this.tty) this.out.write('\n');
  }
}

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4));
