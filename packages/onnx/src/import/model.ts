// loadOnnx: bytes -> a checked, runnable OnnxModel whose float initializers are Flint Parameters, so the
// imported graph runs on any backend and is differentiable through the autograd tape.
import * as F from '@flint/core';
import { listBackends, type DType, type Tensor } from '@flint/core';
import { isGradEnabled } from '@flint/autograd';
import { Parameter } from '@flint/nn';
import { OnnxError } from '../errors.js';
import { decodeModel, type GraphProto, type ModelProto, type ReadLimits, type ValueInfoProto } from '../proto/index.js';
import { checkGraph, type Checked } from './graph.js';
import { runGraph, type Program } from './interpreter.js';
import { dtypeOf, tensorFromProto, type ExternalDataReader } from './tensor-data.js';

/** Options of {@link loadOnnx}. */
export interface LoadOnnxOptions {
  /** The device the model runs on (default: core's default device). */
  device?: string;
  /** Reads external tensor data (`@flint/onnx/node` supplies one that stays inside the model's folder). */
  externalData?: ExternalDataReader;
  /** Limits on decoding (nesting depth). */
  limits?: ReadLimits;
}

/** A graph input or output: name, dtype (undefined for non-tensor types) and shape (a name for dynamic axes). */
export interface ValueInfo {
  /** The value's name in the graph. */
  name: string;
  /** Its Flint dtype; undefined for sequences, maps and untyped values. */
  dtype: DType | undefined;
  /** Its shape: numbers, names of dynamic axes, null for unknown dims; undefined when the file gives none. */
  shape: (number | string | null)[] | undefined;
}

const MIN_OPSET = 7;
const MAX_OPSET = 21;
/** Integer initializers up to this size stay on the host device for shape arithmetic. */
const HOST_INT_ELEMENTS = 1 << 16;

function valueInfo(v: ValueInfoProto, field: string): ValueInfo {
  const tt = v.type?.tensor_type;
  const shape = tt?.shape?.dim?.map((d) => (d.dim_param ? d.dim_param : d.dim_value != null ? Number(d.dim_value) : null));
  return { name: v.name ?? '', dtype: tt?.elem_type ? dtypeOf(tt.elem_type, `${field}.type.tensor_type.elem_type`) : undefined, shape };
}

/** An imported ONNX model, runnable on any Flint backend. */
export class OnnxModel {
  /** Names of the inputs `run` needs (initializers listed as inputs are left out). */
  readonly inputNames: string[];
  /** Names of the outputs `run` returns. */
  readonly outputNames: string[];
  /** Input names, dtypes and shapes as declared in the file. */
  readonly inputs: ValueInfo[];
  /** Output names, dtypes and shapes as declared in the file. */
  readonly outputs: ValueInfo[];
  /** The default-domain opset the model was exported with. */
  readonly opsetVersion: number;
  /** The decoded protobuf (read-only use). */
  readonly proto: ModelProto;

  /** Use {@link loadOnnx}. @internal */
  constructor(proto: ModelProto, private readonly program: Program, private readonly params: Map<string, Parameter>) {
    const g = proto.graph!;
    const inits = new Set((g.initializer ?? []).map((t) => t.name));
    this.proto = proto;
    this.inputs = (g.input ?? []).filter((v) => !inits.has(v.name ?? '')).map((v, i) => valueInfo(v, `ModelProto.graph.input[${i}]`));
    this.outputs = (g.output ?? []).map((v, i) => valueInfo(v, `ModelProto.graph.output[${i}]`));
    this.inputNames = this.inputs.map((v) => v.name);
    this.outputNames = this.outputs.map((v) => v.name);
    this.opsetVersion = program.opsets.get('') ?? 0;
  }

  /** The float initializers as trainable Parameters, in file order. */
  parameters(): Parameter[] { return [...this.params.values()]; }

  /** The float initializers by their ONNX names (PyTorch exports name them by state-dict key). */
  namedParameters(): [string, Parameter][] { return [...this.params.entries()]; }

  /**
   * Runs the graph on `feeds` (one tensor per input name); resolves to every output by name. Under
   * `noGrad()` intermediate tensors are freed when the run ends; with grad mode on, the tape keeps them.
   */
  async run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    return isGradEnabled() ? this.runGraph(feeds) : F.scope(() => this.runGraph(feeds));
  }

  private async runGraph(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    const g = this.proto.graph!;
    const bound = new Map<string, Tensor>();
    for (const info of this.inputs) {
      const t = feeds[info.name];
      if (t === undefined) throw new OnnxError(`run: input '${info.name}' is missing (the model takes ${this.inputNames.map((n) => `'${n}'`).join(', ')})`);
      checkFeed(info, t);
      bound.set(info.name, t.device === this.program.device ? t : F.toDevice(t, this.program.device));
    }
    for (const k of Object.keys(feeds)) {
      if (!this.inputNames.includes(k)) throw new OnnxError(`run: '${k}' is not an input of the model (inputs: ${this.inputNames.join(', ')})`);
    }
    const outs = await runGraph(this.program, g, undefined, bound);
    const result: Record<string, Tensor> = {};
    this.outputNames.forEach((n, i) => {
      const t = outs[i]!;
      result[n] = t.device === this.program.device ? t : F.toDevice(t, this.program.device);
    });
    return result;
  }
}

function checkFeed(info: ValueInfo, t: Tensor): void {
  if (info.dtype !== undefined && t.dtype !== info.dtype) {
    throw new OnnxError(`run: input '${info.name}' is ${t.dtype}, the model declares ${info.dtype}; cast it with .to('${info.dtype}')`);
  }
  if (info.shape === undefined) return;
  const bad = t.shape.length !== info.shape.length || info.shape.some((d, i) => typeof d === 'number' && d !== t.shape[i]);
  if (bad) throw new OnnxError(`run: input '${info.name}' has shape [${t.shape.join(',')}], the model declares [${info.shape.map((d) => d ?? '?').join(',')}]`);
}

/**
 * Loads an ONNX model from its bytes: decodes defensively, checks the graph (cycles, undefined inputs,
 * tensor sizes, unsupported operators with their domain and opset) and uploads initializers to `device`.
 */
export async function loadOnnx(source: Uint8Array | ArrayBuffer, options: LoadOnnxOptions = {}): Promise<OnnxModel> {
  F.checkOptions('loadOnnx', options, ['device', 'externalData', 'limits']);
  F.checkOptions('loadOnnx: limits', options.limits, ['maxDepth']);
  const proto = decodeModel(source, options.limits);
  const g = proto.graph;
  if (g == null) throw new OnnxError('the model has no graph', { field: 'ModelProto.graph' });
  const opsets = new Map<string, number>();
  for (const o of proto.opset_import ?? []) opsets.set(o.domain === 'ai.onnx' ? '' : o.domain ?? '', Number(o.version ?? 0));
  const opset = opsets.get('');
  if (opset === undefined) throw new OnnxError('the model imports no default-domain (ai.onnx) opset', { field: 'ModelProto.opset_import' });
  if (opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new OnnxError(`default-domain opset ${opset} is outside the supported range ${MIN_OPSET}-${MAX_OPSET}`, { field: 'ModelProto.opset_import' });
  }
  const checked: Checked = { order: new WeakMap(), unsupported: new Map() };
  checkGraph(g, new Set(), opsets, 'ModelProto.graph', checked);
  if (checked.unsupported.size > 0) {
    const list = [...checked.unsupported].map(([op, node]) => `${op} at node ${node}`).join('; ');
    throw new OnnxError(`unsupported operator(s): ${list}`);
  }
  const device = options.device ?? F.getDefaultDevice();
  const hostDevice = listBackends().includes('cpu') ? 'cpu' : device;
  const params = new Map<string, Parameter>();
  const constants = new WeakMap<GraphProto, Map<string, Tensor>>();
  const upload = (graph: GraphProto, field: string, top: boolean): void => {
    const values = new Map<string, Tensor>();
    (graph.initializer ?? []).forEach((t, i) => {
      const f = `${field}.initializer[${i}]`;
      const dtype = dtypeOf(t.data_type ?? 0, `${f}.data_type`);
      const small = !F.isFloating(dtype) && (t.dims ?? []).reduce((a, b) => a * Number(b), 1) <= HOST_INT_ELEMENTS;
      const value = tensorFromProto(t, small ? hostDevice : device, f, options.externalData);
      if (top && F.isFloating(dtype)) {
        const p = new Parameter(value);
        params.set(t.name ?? '', p);
        values.set(t.name ?? '', p);
      } else values.set(t.name ?? '', F.keep(value));
    });
    constants.set(graph, values);
    (graph.node ?? []).forEach((n, i) => {
      for (const a of n.attribute ?? []) for (const s of [a.g, ...(a.graphs ?? [])]) if (s != null) upload(s, `${field}.node[${i}].attribute`, false);
    });
  };
  upload(g, 'ModelProto.graph', true);
  return new OnnxModel(proto, { order: checked.order, constants, opsets, device, hostDevice }, params);
}
