// ONNX export: trace a Flint model and write it as an ONNX model.
export { exportOnnx } from './export.js';
export type { Exportable, RunnableModel } from './export.js';
export type { ExportOptions, DynamicAxes } from './options.js';
export { OPSET_RANGE } from './options.js';
export { OnnxExportError } from './errors.js';
export type { OnnxExportErrorInfo } from './errors.js';
export { exportableOps } from './ops/list.js';
