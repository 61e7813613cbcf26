// OnnxError: every problem reading, checking or running an ONNX file, naming the field or node at fault.
import { FlintError } from '@flint/core';

/** Where in an ONNX file a problem is: a protobuf field path and/or a node. */
export interface OnnxErrorWhere {
  /** Field path from the model root, e.g. `ModelProto.graph.node[3].attribute[0].t.dims`. */
  field?: string;
  /** The node at fault, as `Conv 'conv1'` (op type and node name or first output). */
  node?: string;
}

/** A malformed, hostile or unsupported ONNX model; `field` and `node` say where. */
export class OnnxError extends FlintError {
  /** The protobuf field path at fault, when known. */
  readonly field: string | undefined;
  /** The node at fault, when known. */
  readonly node: string | undefined;

  constructor(message: string, where: OnnxErrorWhere = {}) {
    const at = [where.node !== undefined ? `node ${where.node}` : '', where.field !== undefined ? `field ${where.field}` : '']
      .filter((s) => s !== '')
      .join(', ');
    super(at === '' ? `onnx: ${message}` : `onnx: ${at}: ${message}`);
    this.field = where.field;
    this.node = where.node;
  }
}
