// metrics.json and curves.svg: what a run leaves behind, rewritten atomically after every epoch.
import { join } from 'node:path';
import { lineChartSvg, writeAtomic } from '../report.js';
import type { EpochRecord, Task } from './epochs.js';

export interface RunInfo {
  app: string;
  model: string;
  dataset: string;
  /** 'synthetic' or the --data folder. */
  source: string;
  hyperparameters: Record<string, number | string | boolean | null>;
  parameters: number;
}

export type Report = RunInfo & { metric: string; epochs: EpochRecord[] } & Record<string, unknown>;

/** metrics.json, and curves.svg with loss above and accuracy (or mean AUC) below. */
export async function writeReport(out: string, report: Report, metric: Task['metric']): Promise<void> {
  writeAtomic(join(out, 'metrics.json'), `${JSON.stringify(report, null, 2)}\n`);
  const pts = (f: (r: EpochRecord) => number | null): [number, number][] => report.epochs.map((r) => [r.epoch, f(r) ?? NaN]);
  const loss = await lineChartSvg([{ name: 'train loss', points: pts((r) => r.train.loss) }, { name: 'eval loss', points: pts((r) => r.test.loss) }],
    { title: `${report.model}: loss`, xLabel: 'epoch', yLabel: 'loss' });
  const name = metric === 'accuracy' ? 'accuracy' : 'mean AUC';
  const series = metric === 'accuracy'
    ? [{ name: 'train accuracy', points: pts((r) => r.train.metric) }, { name: 'eval accuracy', points: pts((r) => r.test.metric) }]
    : [{ name: 'eval mean AUC', points: pts((r) => r.test.metric) }];
  const quality = await lineChartSvg(series, { title: `${report.model}: ${name}`, xLabel: 'epoch', yLabel: name });
  writeAtomic(join(out, 'curves.svg'), stackSvgs([loss, quality], 640, 400));
}

/** Standalone SVG documents, one above the other, in a single document. */
function stackSvgs(docs: string[], width: number, height: number): string {
  const body = docs.map((d, i) => `<g transform="translate(0 ${i * height})">${d.trim()}</g>`).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height * docs.length}" viewBox="0 0 ${width} ${height * docs.length}">\n${body}\n</svg>\n`;
}
