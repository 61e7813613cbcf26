// Every operator the importer runs, by op type (default ONNX domain, opsets 7-21).
import { controlOps } from './control.js';
import { convPoolOps } from './conv-pool.js';
import { elementwiseOps } from './elementwise.js';
import { nnOps } from './nn.js';
import { rnnOps } from './rnn.js';
import { shapeOps } from './shape.js';
import type { OpTable } from './types.js';

export type { OpContext, OpDef, OpTable } from './types.js';

/** The operator table. */
export const OPS: OpTable = { ...elementwiseOps, ...shapeOps, ...convPoolOps, ...nnOps, ...rnnOps, ...controlOps };

/** The op types the importer supports, sorted. */
export const supportedOps = (): string[] => Object.keys(OPS).sort();
