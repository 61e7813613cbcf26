// The flags every benchmark app takes, their parsed form, and the CLI's main (errors as one line, exit 1).
import { cpus } from 'node:os';
import { intFlag, parseFlags, type AppSpec, type FlagSpec } from '../flags.js';
import { useBackend } from '../backend.js';
import { AMP_FLAG, ampFlag, type AmpMode } from '../amp.js';

/** Flags every benchmark app takes; apps add their own and set defaults. */
export function commonFlags(d: { epochs: number; batchSize: number; workers: number; out: string }): Record<string, FlagSpec> {
  return {
    data: { type: 'string', help: 'the data set in its released format (see the README for the layout)' },
    synthetic: { type: 'boolean', help: 'random data of the right shapes instead of --data (nothing is learnt)' },
    backend: { type: 'string', help: 'compute backend: cpu, webgpu or cuda', default: 'cpu' },
    epochs: { type: 'string', help: 'passes over the training set', default: String(d.epochs) },
    'batch-size': { type: 'string', help: 'samples per step', default: String(d.batchSize) },
    limit: { type: 'string', help: 'at most N batches per epoch, for training and again for evaluation (shuffled order for training)' },
    workers: { type: 'string', help: 'DataLoader worker threads that read and decode --data files', default: String(d.workers) },
    seed: { type: 'string', help: 'seed for weights, shuffling and augmentation', default: '0' },
    out: { type: 'string', help: 'folder for metrics.json and curves.svg', default: d.out },
    amp: AMP_FLAG,
  };
}

export interface CommonConfig {
  data: string | undefined;
  synthetic: boolean;
  backend: string;
  epochs: number;
  batchSize: number;
  /** At most this many batches per epoch, for training and for evaluation. */
  limit: number | undefined;
  workers: number;
  seed: number;
  out: string;
  /** --amp: train under bfloat16 or float16 autocast (undefined: float32). */
  amp?: AmpMode;
}

export type FlagValues = Record<string, string | boolean | undefined>;

export function commonConfig(v: FlagValues): CommonConfig {
  const synthetic = v.synthetic === true, data = v.data as string | undefined;
  if (!synthetic && !data) throw new Error('give --data DIR (the released data set) or --synthetic');
  if (synthetic && data) throw new Error('--data and --synthetic exclude each other');
  const workers = Number(v.workers ?? 0);
  if (!Number.isInteger(workers) || workers < 0) throw new Error(`--workers must be a non-negative integer, got '${String(v.workers)}'`);
  const seed = Number(v.seed ?? 0);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got '${String(v.seed)}'`);
  return {
    data, synthetic, backend: String(v.backend ?? 'cpu'), epochs: intFlag(v, 'epochs') ?? 1, batchSize: intFlag(v, 'batch-size') ?? 64,
    limit: intFlag(v, 'limit'), workers, seed, out: String(v.out ?? 'out'), amp: ampFlag(v.amp),
  };
}

/** One DataLoader worker per spare core, up to 4 (the main thread runs the model). */
export const defaultWorkers = (): number => Math.max(1, Math.min(4, cpus().length - 1));

/** Parse the flags, start the backend and train; an error ends the process with its message and exit code 1. */
export async function cliMain<C extends CommonConfig>(app: AppSpec, toConfig: (v: FlagValues) => C, train: (config: C) => Promise<unknown>): Promise<void> {
  try {
    const config = toConfig(parseFlags(app));
    await useBackend(config.backend);
    await train(config);
  } catch (e) {
    process.stderr.write(`${app.name}: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
