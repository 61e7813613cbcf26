// What the three benchmark apps (cifar10-vgg, imdb-gru, chestxray-densenet) share: common flags and CLI
// main, synthetic batches and --limit, train/eval epochs with on-device running sums, exact ROC-AUC, and the
// metrics JSON + SVG written after every epoch. Each app brings its model, data and loss.
// A candidate for @flint/app-kit; it lives here because this change could not touch apps/kit.
export { commonFlags, commonConfig, defaultWorkers, cliMain } from './harness/flags.js';
export type { CommonConfig, FlagValues } from './harness/flags.js';
export { SyntheticBatches, firstN, limitSamples } from './harness/batches.js';
export type { Batches } from './harness/batches.js';
export { trainEpoch, evaluate, runEpochs, runTask, countParameters } from './harness/epochs.js';
export type { Task, EpochStats, EpochRecord } from './harness/epochs.js';
export { rocAuc, perLabelAuc, meanDefined } from './harness/auc.js';
export { writeReport } from './harness/report.js';
export type { RunInfo, Report } from './harness/report.js';
