// The public list of what export maps, for docs and for callers checking a model before exporting.
import { OPS } from './index.js';

/** The Flint op names that have an ONNX mapping. */
export function exportableOps(): string[] {
  return Object.keys(OPS).sort();
}
