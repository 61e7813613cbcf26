/**
 * `@flint/onnx/node`: the parts of @flint/onnx that use Node's file system.
 * @module @flint/onnx/node
 */
export { exportOnnxFile } from './export/file.js';
