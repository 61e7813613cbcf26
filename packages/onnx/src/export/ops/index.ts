// The op -> ONNX table (keyed by the schema's op names, as autograd's rules are) and the modules that
// export whole.
import type { Module } from '@flint/nn';
import type { ModuleExporter, OpExporter } from '../context.js';
import { ELEMENTWISE } from './elementwise.js';
import { EXTRA } from './extra.js';
import { LOSS } from './loss.js';
import { NN } from './nn.js';
import { REDUCE } from './reduce.js';
import { MODULES, RNN_OPS } from './rnn.js';
import { SHAPE } from './shape.js';

/** Every op with an ONNX mapping, by Flint op name. */
export const OPS: Readonly<Record<string, OpExporter>> = { ...ELEMENTWISE, ...REDUCE, ...SHAPE, ...NN, ...RNN_OPS, ...EXTRA, ...LOSS };

/** The exporter of a module that exports whole (its class or a base class registered), if any. */
export function moduleExporter(m: Module): ModuleExporter | undefined {
  return MODULES.find(([cls]) => m instanceof cls)?.[1];
}
