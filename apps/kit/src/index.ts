// @flint/app-kit: what the sample apps share.
export { parseFlags, helpText, intFlag } from './flags.js';
export type { AppSpec, FlagSpec } from './flags.js';
export { ProgressBar } from './progress.js';
export type { ProgressInfo, ProgressOptions } from './progress.js';
export { writeAtomic, lineChartSvg } from './report.js';
export type { Series, PlotOptions } from './report.js';
export { useBackend } from './backend.js';
// What the benchmark apps share: common flags and CLI main, synthetic batches and --limit, train/eval
// epochs with on-device running sums, exact ROC-AUC, and the metrics JSON + SVG written after every epoch.
export { commonFlags, commonConfig, defaultWorkers, cliMain } from './harness/flags.js';
export type { CommonConfig, FlagValues } from './harness/flags.js';
export { SyntheticBatches, firstN, limitSamples } from './harness/batches.js';
export type { Batches } from './harness/batches.js';
export { trainEpoch, evaluate, runEpochs, runTask, countParameters } from './harness/epochs.js';
export type { Task, EpochStats, EpochRecord } from './harness/epochs.js';
export { rocAuc, perLabelAuc, meanDefined } from './harness/auc.js';
export { writeReport } from './harness/report.js';
export type { RunInfo, Report } from './harness/report.js';
export { AMP_FLAG, AmpStep, ampFlag } from './amp.js';
export type { AmpMode } from './amp.js';
