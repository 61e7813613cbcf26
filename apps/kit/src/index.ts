// @flint/app-kit: what the sample apps share.
export { parseFlags, helpText, intFlag } from './flags.js';
export type { AppSpec, FlagSpec } from './flags.js';
export { ProgressBar } from './progress.js';
export type { ProgressInfo } from './progress.js';
export { writeAtomic, lineChartSvg } from './report.js';
export type { Series, PlotOptions } from './report.js';
export { useBackend } from './backend.js';
