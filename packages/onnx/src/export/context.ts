// What an op mapping sees: the traced call (example tensors, and shapes and attributes from the run with
// the dynamic axes changed), the graph to add nodes to, and a way to fail naming the op and the opset.
import type { Tensor } from '@flint/core';
import type { Module } from '@flint/nn';
import type { Graph } from './graph.js';

/** One traced op, as its ONNX mapping sees it. */
export interface OpContext {
  /** The graph under construction (its opset is the target opset). */
  readonly g: Graph;
  /** The Flint op's name. */
  readonly op: string;
  /** The value names of the op's tensor inputs. */
  readonly inputs: readonly string[];
  /** The example run's input tensors (shapes and dtypes). */
  readonly x: readonly Tensor[];
  /** The input shapes in the run with the dynamic axes changed. */
  readonly xB: readonly (readonly number[])[];
  /** The op's attributes in the example run. */
  readonly attrs: Readonly<Record<string, unknown>>;
  /** The op's attributes in the run with the dynamic axes changed. */
  readonly attrsB: Readonly<Record<string, unknown>>;
  /** The example run's outputs. */
  readonly out: readonly Tensor[];
  /** The output shapes in the run with the dynamic axes changed. */
  readonly outB: readonly (readonly number[])[];
  /** Throws an OnnxExportError naming the op and the opset. */
  fail(message: string, hint?: string): never;
}

/** Maps one traced op to ONNX nodes; returns a value name per output of the op ('' where unused). */
export type OpExporter = (c: OpContext) => string | readonly string[];

/** One traced call of a module that exports whole (GRU, LSTM). */
export interface ModuleContext {
  readonly g: Graph;
  readonly module: Module;
  /** The module's state-dict prefix ('' for the root). */
  readonly path: string;
  /** The value names of forward's tensor arguments, flattened in order (`(x, [h, c])` gives x, h, c). */
  readonly args: readonly string[];
  /** The example run's tensors for those arguments. */
  readonly argTensors: readonly Tensor[];
  /** The initializer name of one of the module's own parameters, by attribute name. */
  param(name: string): string;
  /** The example run's outputs, flattened. */
  readonly out: readonly Tensor[];
  /** Throws an OnnxExportError naming the module. */
  fail(message: string, hint?: string): never;
}

/** Maps one module call to ONNX nodes; returns a value name per flattened output. */
export type ModuleExporter = (c: ModuleContext) => readonly string[];
