// What an operator implementation sees: its inputs as Flint tensors, its attributes, the opset, and helpers
// to read small integer inputs (shapes, axes) on the host and to run subgraphs (If/Loop).
import type { Tensor } from '@flint/core';
import type { Attrs } from '../attrs.js';
import type { GraphProto } from '../../proto/index.js';

/** The state an operator runs with. */
export interface OpContext {
  /** `OpType 'name'`, for error messages. */
  readonly where: string;
  /** The node's attributes. */
  readonly attrs: Attrs;
  /** The model's opset for the node's domain. */
  readonly opset: number;
  /** Where this node's new tensors go. */
  readonly device: string;
  /** Where shape arithmetic runs (the CPU when registered): Shape, Size and constants put their results here. */
  readonly hostDevice: string;
  /** How many outputs the node declares (optional trailing outputs count only when named). */
  readonly outputCount: number;
  /** The values of a small integer (or float) tensor, read on the host. */
  ints(t: Tensor, what: string): Promise<number[]>;
  /** Runs a subgraph with extra named values in scope; resolves to its outputs in order. */
  runGraph(g: GraphProto, feeds: Map<string, Tensor>): Promise<Tensor[]>;
  /** Throws an OnnxError naming this node. */
  fail(message: string): never;
}

/** One ONNX operator: how to run it, and which inputs are read on the host (shapes, axes, pads). */
export interface OpDef {
  run(ctx: OpContext, inputs: (Tensor | undefined)[]): Tensor[] | Promise<Tensor[]>;
  /** Input positions left where they are (read on the host, or only their shape used), not moved to the device. */
  host?: readonly number[];
}

/** Operators by op type (default ONNX domain). */
export type OpTable = Record<string, OpDef>;

/** An input the operator requires; a missing one is an OnnxError naming the node and position. */
export function need(ctx: OpContext, inputs: readonly (Tensor | undefined)[], i: number, name: string): Tensor {
  const t = inputs[i];
  if (t === undefined) ctx.fail(`input ${i} (${name}) is required`);
  return t;
}
