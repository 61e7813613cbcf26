// Quick start: train a small CNN on Fashion-MNIST and report test accuracy.
//   pnpm demo            (from the repository root)
//   pnpm --filter @flint/app-fashion-mnist start -- --epochs 2 --out /tmp/fmnist
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AMP_FLAG, ProgressBar, ampFlag, intFlag, lineChartSvg, parseFlags, useBackend, writeAtomic, type AppSpec, type Series } from '@flint/app-kit';
import '@flint/autograd';
import { Subset } from '@flint/data/node';
import { SUBSET_DIR, loadFashionMnist } from './data.js';
import { startDistributed } from './distributed.js';
import { trainModel, type EpochMetrics } from './train.js';

export const APP: AppSpec = {
  name: 'fashion-mnist',
  summary: 'train a small CNN on Fashion-MNIST and report test accuracy',
  flags: {
    data: { type: 'string', help: 'folder with the released train-/t10k- IDX files (.gz or not); default: /usr/share/datasets/fashion-mnist when installed, else the subset in apps/fashion-mnist/data' },
    epochs: { type: 'string', help: 'passes over the training images (default: 1 on the full data set, 8 on the committed subset)' },
    'batch-size': { type: 'string', help: 'images per step', default: '64' },
    lr: { type: 'string', help: 'Adam learning rate at the start, decayed linearly to 0 over the run', default: '0.005' },
    limit: { type: 'string', help: 'train on the first N training images only' },
    backend: { type: 'string', help: 'cpu, webgpu or cuda', default: 'cpu' },
    seed: { type: 'string', help: 'seeds the initial weights and the shuffling', default: '0' },
    out: { type: 'string', help: 'where metrics.json and curves.svg go', default: 'apps/fashion-mnist/out' },
    amp: AMP_FLAG,
    distributed: { type: 'boolean', help: 'data-parallel training on the ranks started by `flint-run -n N src/main.ts --distributed` (DistributedDataParallel; --batch-size is per rank); rank 0 prints the report' },
  },
};

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));

export interface RunResult { epochs: EpochMetrics[]; metricsPath: string; plotPath: string }

export async function main(argv: string[] = process.argv.slice(2), log: (line: string) => void = console.log): Promise<RunResult> {
  const flags = parseFlags(APP, argv);
  const lr = Number(flags.lr);
  if (!(lr > 0)) throw new Error(`--lr must be a positive number, got '${String(flags.lr)}'`);
  const seed = Number(flags.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer, got '${String(flags.seed)}'`);
  const batchSize = intFlag(flags, 'batch-size')!, limit = intFlag(flags, 'limit'), amp = ampFlag(flags.amp);
  // `pnpm demo --data d` runs in the app's folder: resolve paths against where the command was typed
  const here = process.env.INIT_CWD ?? process.cwd();
  const outDir = flags.out === APP.flags.out!.default ? join(APP_DIR, 'out') : resolve(here, String(flags.out));
  const dataDir = flags.data === undefined ? undefined : resolve(here, String(flags.data));

  const backend = await useBackend(String(flags.backend));
  const distributed = flags.distributed ? await startDistributed() : undefined;
  const lead = !distributed || distributed.rank === 0; // the rank that prints and writes the report
  if (!lead) log = () => undefined;
  const data = loadFashionMnist(dataDir);
  const epochs = intFlag(flags, 'epochs') ?? (data.dir === SUBSET_DIR ? 8 : 1);
  const train = limit !== undefined && limit < data.train.length ? new Subset(data.train, Array.from({ length: limit }, (_, i) => i)) : data.train;
  log(`Data: ${data.description}.`);
  if (train !== data.train) log(`Training on the first ${train.length} training images (--limit).`);
  log(`Model: conv(1→16, 5x5) → maxpool 2 → relu → conv(16→32, 5x5) → maxpool 2 → relu → linear(512→10); Adam lr ${lr} decaying linearly to 0, batch ${batchSize}, ${epochs} epoch${epochs > 1 ? 's' : ''}, backend ${backend}, seed ${seed}${distributed ? `, ${distributed.size} ranks (DistributedDataParallel, global batch ${batchSize * distributed.size})` : ''}${amp ? `, ${amp} autocast${amp === 'f16' ? ' with a GradScaler' : ''}` : ''}.`);

  const metricsPath = join(outDir, 'metrics.json'), plotPath = join(outDir, 'curves.svg');
  const writeReport = async (ms: readonly EpochMetrics[]): Promise<void> => {
    const report = {
      data: { dir: data.dir, subset: data.dir === SUBSET_DIR, trainImages: train.length, testImages: data.test.length },
      config: { epochs, batchSize, lr, seed, backend, optimizer: 'Adam', schedule: 'linear decay to 0 per step', amp: amp ?? 'off' },
      testAccuracy: ms[ms.length - 1]!.testAccuracy,
      epochs: ms.map(({ order: _order, stepLosses: _steps, ...m }) => m),
      stepLosses: ms.flatMap((m) => m.stepLosses.map(([x, l]) => [round(x), round(l)])),
    };
    // one [x, loss] pair per line keeps the file short enough to read
    writeAtomic(metricsPath, `${JSON.stringify(report, null, 1).replace(/\[\s+([-\d.e]+),\s+([-\d.e]+)\s+\]/g, '[$1, $2]')}\n`);
    writeAtomic(plotPath, await lineChartSvg(curves(ms), { title: 'Fashion-MNIST CNN', xLabel: 'epoch', yLabel: 'loss / accuracy' }));
  };

  const done: EpochMetrics[] = [];
  let reported = Promise.resolve(), bar: ProgressBar | undefined;
  const { epochs: metrics } = await trainModel({
    train, test: data.test, epochs, batchSize, lr, seed, amp, distributed,
    onStep: (epoch, step, total, loss) => {
      if (!lead) return;
      if (step === 1) bar = new ProgressBar(total, `epoch ${epoch}/${epochs}`, { samplesPerStep: batchSize * (distributed?.size ?? 1) });
      if (step === total) bar!.finish({ loss }, train.length); // the last batch may be short
      else bar!.update(step, { loss });
    },
    onEpoch: (m) => {
      log(`epoch ${m.epoch}/${epochs}: train loss ${m.trainLoss.toFixed(4)}, test accuracy ${(100 * m.testAccuracy).toFixed(2)}% (test loss ${m.testLoss.toFixed(4)}); ${m.seconds.toFixed(1)} s, ${m.samplesPerSecond.toFixed(0)} samples/s (+${m.evalSeconds.toFixed(1)} s test)`);
      done.push(m);
      const upTo = [...done];
      if (lead) reported = reported.then(() => writeReport(upTo)); // after every epoch, so a stopped run leaves its curves so far
    },
  });
  await reported;
  await distributed?.finish();

  const last = metrics[metrics.length - 1]!;
  log(`Test accuracy: ${(100 * last.testAccuracy).toFixed(2)}% on ${data.test.length} test images. Metrics: ${metricsPath}, plot: ${plotPath}`);
  return { epochs: metrics, metricsPath, plotPath };
}

const round = (v: number): number => Number(v.toPrecision(5));

/** Training loss (averaged over ~1/20 epoch, so the plot is readable), test loss and test accuracy. */
function curves(metrics: readonly EpochMetrics[]): Series[] {
  const steps = metrics.flatMap((m) => m.stepLosses);
  const chunk = Math.max(1, Math.round(steps.length / (20 * metrics.length)));
  const smooth: [number, number][] = [];
  for (let i = 0; i < steps.length; i += chunk) {
    const part = steps.slice(i, i + chunk);
    smooth.push([part[part.length - 1]![0], part.reduce((a, p) => a + p[1], 0) / part.length]);
  }
  return [
    { name: 'train loss', points: smooth },
    { name: 'test loss', points: metrics.map((m) => [m.epoch, m.testLoss]) },
    { name: 'test accuracy', points: metrics.map((m) => [m.epoch, m.testAccuracy]) },
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    process.stderr.write(`fashion-mnist: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
