// OnnxExportError: an export that can't be written (an op with no ONNX mapping at the chosen opset, a shape
// that can't follow the dynamic axes, bad options), naming the op and what to do instead.
import { OnnxError } from '../errors.js';

/** What an export error is about. */
export interface OnnxExportErrorInfo {
  /** The Flint op (or module) that couldn't be exported. */
  op?: string;
  /** The opset the export targeted. */
  opset?: number;
  /** What to do about it. */
  hint?: string;
}

/** An export that can't be written; `op` and `opset` say which op at which opset, the message what to do. */
export class OnnxExportError extends OnnxError {
  /** The Flint op (or module) at fault, when known. */
  readonly op: string | undefined;
  /** The target opset, when known. */
  readonly opset: number | undefined;

  /**
   * @param message - what went wrong
   * @param info - the op, the opset and a hint on what to do
   */
  constructor(message: string, info: OnnxExportErrorInfo = {}) {
    const at = info.op ? `${info.op}${info.opset ? ` (opset ${info.opset})` : ''}: ` : '';
    super(`export: ${at}${message}${info.hint ? `; ${info.hint}` : ''}`);
    this.op = info.op;
    this.opset = info.opset;
  }
}
