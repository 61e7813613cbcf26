// exportOnnx: traces a model twice (the example inputs, then with every dynamic axis grown), maps each
// recorded op to ONNX nodes, and writes the model. The second trace tells which sizes follow the dynamic
// axes, so reshapes and created tensors get run-time shapes there and constants everywhere else.
import { CORE_VERSION, arange, indexSelect, isTensor, scope, withoutHooks, type Tensor } from '@flint/core';
import { Module } from '@flint/nn';
import type { ModuleContext, OpContext } from './context.js';
import { OnnxExportError } from './errors.js';
import { Graph } from './graph.js';
import { writeModel, type ValueSpec } from './model.js';
import { OPS, moduleExporter } from './ops/index.js';
import { resolveOptions, type ExportOptions, type Resolved } from './options.js';
import { traceRun, type Trace, type TracedCall } from './trace.js';

/** What can be exported: a Module (run in eval mode) or a function of tensors. */
export type Exportable = Module | ((...args: Tensor[]) => unknown);

interface Built { graph: Graph; inputs: ValueSpec[]; outputs: ValueSpec[]; owned: Tensor[] }

/** Each input with its dynamic axes grown (by 1 for the first axis name, 2 for the second, ...). */
function grow(args: readonly Tensor[], o: Resolved): Tensor[] {
  const symbols: string[] = [];
  return args.map((t, i) => {
    const axes = o.axes.get(o.inputNames[i]!);
    let x = t;
    for (const [axis, sym] of axes ?? []) {
      if (axis >= t.ndim) throw new OnnxExportError(`dynamicAxes['${o.inputNames[i]}'] names axis ${axis}, but the input has ${t.ndim} dims (shape [${t.shape.join(', ')}])`);
      if (!symbols.includes(sym)) symbols.push(sym);
      const n = x.shape[axis]!, grown = n + symbols.indexOf(sym) + 1;
      // rows repeated from the start, so token ids and the like stay valid
      x = withoutHooks(() => indexSelect(x, axis, arange(grown).remainder(Math.max(n, 1))));
    }
    return x;
  });
}

const sameAttrs = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const label = (c: TracedCall) => (c.kind === 'op' ? c.op : `${c.module.constructor.name} '${c.path}'`);

function build(a: Trace, b: Trace, args: readonly Tensor[], argsB: readonly Tensor[], state: ReadonlyMap<Tensor, string>, o: Resolved): Graph {
  const g = new Graph(o.opset);
  const names = new Map<Tensor, string>();
  const constants = new Set<string>();
  args.forEach((t, i) => { names.set(t, o.inputNames[i]!); g.defineDims(o.inputNames[i]!, t.shape, argsB[i]!.shape); });
  const resolve = (t: Tensor, where: string): string => {
    const known = names.get(t);
    if (known !== undefined) return known;
    const key = state.get(t);
    let n: string;
    if (key !== undefined) n = g.initializer({ dtype: t.dtype, dims: [...t.shape], data: t }, key);
    else {
      const snap = a.snapshots.get(t);
      if (!snap) throw new OnnxExportError(`reads a tensor (shape [${t.shape.join(', ')}], ${t.dtype}) that no exported op produced`, { op: where, opset: o.opset, hint: 'an earlier op had no ONNX output for it' });
      n = g.initializer({ dtype: snap.dtype, dims: [...snap.shape], data: snap });
      constants.add(n);
    }
    names.set(t, n);
    return n;
  };
  const isConstant = (t: Tensor) => (names.has(t) ? constants.has(names.get(t)!) : a.snapshots.has(t) && !state.has(t));
  a.calls.forEach((ca, k) => {
    const cb = b.calls[k];
    if (!cb || label(cb) !== label(ca) || cb.inputs.length !== ca.inputs.length) {
      throw new OnnxExportError(`the model ran different ops when the dynamic axes changed size (call ${k}: ${label(ca)}, then ${cb ? label(cb) : 'nothing'})`,
        { op: label(ca), opset: o.opset, hint: 'its control flow depends on a dynamic size; make that axis static (drop it from dynamicAxes)' });
    }
    const fail = (message: string, hint?: string): never => { throw new OnnxExportError(message, { op: label(ca), opset: o.opset, hint }); };
    let outs: readonly string[];
    if (ca.kind === 'op' && cb.kind === 'op') {
      const foldable = o.fold && ca.outputs.every((t) => a.snapshots.has(t)) && ca.inputs.every(isConstant) &&
        sameAttrs(ca.outShapes, cb.outShapes) && sameAttrs(ca.attrs, cb.attrs);
      if (foldable) return; // outputs become initializers when something reads them
      const exporter = OPS[ca.op];
      if (!exporter) fail(`no ONNX mapping for this op at opset ${o.opset}`, 'write the model with ops that have one (see the README), or file an issue naming the op');
      const ctx: OpContext = {
        g, op: ca.op, inputs: ca.inputs.map((t) => resolve(t, ca.op)), x: ca.inputs, xB: cb.inShapes,
        attrs: ca.attrs, attrsB: cb.attrs, out: ca.outputs, outB: cb.outShapes, fail,
      };
      const r = exporter!(ctx);
      outs = typeof r === 'string' ? [r] : r;
    } else if (ca.kind === 'module') {
      const m = ca.module;
      const ctx: ModuleContext = {
        g, module: m, path: ca.path, args: ca.inputs.map((t) => resolve(t, label(ca))), argTensors: ca.inputs, out: ca.outputs, fail,
        param: (p) => {
          const t = (m as unknown as Record<string, unknown>)[p];
          if (!isTensor(t)) return fail(`has no parameter '${p}'`);
          return resolve(t, label(ca));
        },
      };
      outs = moduleExporter(m)!(ctx);
    } else return;
    ca.outputs.forEach((t, i) => {
      const n = outs[i];
      if (!n) return;
      names.set(t, n);
      g.defineDims(n, t.shape, cb.outShapes[i]!);
    });
  });
  // graph outputs: an Identity per output, so each has the requested name
  const outNames = o.outputNames ?? a.outputs.map((_, i) => (a.outputs.length === 1 ? 'output' : `output_${i}`));
  if (outNames.length !== a.outputs.length) throw new OnnxExportError(`outputNames has ${outNames.length} names but the model returned ${a.outputs.length} tensors; give one per output`);
  a.outputs.forEach((t, i) => { g.node('Identity', [resolve(t, 'output')], {}, [outNames[i]!]); });
  return g;
}

function dimsOf(name: string, a: readonly number[], b: readonly number[], o: Resolved): (number | string)[] {
  const named = o.axes.get(name);
  return a.map((d, i) => named?.get(i) ?? (d === b[i] ? d : `${name}_dim_${i}`));
}

/** Traces and builds the graph (synchronous: tensors stay alive only for the run). */
function trace(model: Exportable, args: readonly Tensor[], o: Resolved): Built {
  const root = model instanceof Module ? model : null;
  const fn = root ? (...xs: Tensor[]) => root.call(...(xs as [])) : (model as (...xs: Tensor[]) => unknown);
  const state = new Map<Tensor, string>();
  if (root) {
    for (const [k, t] of root.namedParameters()) state.set(t, k);
    for (const [k, t] of root.namedBuffers()) if (!state.has(t)) state.set(t, k);
  }
  for (const v of [...o.axes.keys()]) {
    if (!o.inputNames.includes(v) && !(o.outputNames ?? ['output']).includes(v) && !/^output_\d+$/.test(v)) {
      throw new OnnxExportError(`dynamicAxes names '${v}', which is neither an input (${o.inputNames.join(', ')}) nor an output name`);
    }
  }
  const modes = root ? [...root.modules()].map((m) => [m, m.training] as const) : [];
  root?.eval();
  try {
    return scope(() => {
      const argsB = grow(args, o);
      const known = new Set<Tensor>([...args, ...state.keys()]);
      const a = traceRun(fn, args, root, (m) => moduleExporter(m) !== undefined, known, true);
      const b = traceRun(fn, argsB, root, (m) => moduleExporter(m) !== undefined, new Set([...argsB, ...state.keys()]), false);
      if (b.outputs.length !== a.outputs.length) throw new OnnxExportError('the model returned a different number of tensors when the dynamic axes changed size');
      const graph = build(a, b, args, argsB, state, o);
      const inputs = args.map((t, i) => ({ name: o.inputNames[i]!, dtype: t.dtype, dims: dimsOf(o.inputNames[i]!, t.shape, argsB[i]!.shape, o) }));
      const outNames = graph.nodes.slice(-a.outputs.length).map((n) => n.outputs[0]!);
      const outputs = a.outputs.map((t, i) => ({ name: outNames[i]!, dtype: t.dtype, dims: dimsOf(outNames[i]!, t.shape, b.outputs[i]!.shape, o) }));
      return { graph, inputs, outputs, owned: [...a.snapshots.values()] };
    });
  } finally {
    for (const [m, t] of modes) m.training = t;
  }
}

/**
 * Exports a model to ONNX, as torch.onnx.export: traces `model(...args)` in eval mode (dropout off, batch norm
 * on running statistics), maps each op to its ONNX operator and returns the model's bytes. Parameters and
 * buffers become initializers named by their state-dict keys.
 * @param model - a Module or a function of tensors
 * @param args - the example input(s)
 * @param options - opsetVersion, inputNames, outputNames, dynamicAxes, doConstantFolding, metadata
 * @example
 * const bytes = await exportOnnx(model, randn([1, 1, 28, 28]), { dynamicAxes: { input: { 0: 'batch' }, output: { 0: 'batch' } } });
 */
export async function exportOnnx(model: Exportable, args: Tensor | readonly Tensor[], options: ExportOptions = {}): Promise<Uint8Array> {
  const list = isTensor(args) ? [args] : [...args];
  if (!(model instanceof Module) && typeof model !== 'function') throw new TypeError('exportOnnx: model must be a Module or a function of tensors');
  if (list.some((t) => !isTensor(t))) throw new TypeError('exportOnnx: args must be a tensor or a list of tensors');
  const o = resolveOptions(options, list.length);
  const built = trace(model, list, o);
  try {
    return await writeModel(built.graph, { inputs: built.inputs, outputs: built.outputs, metadata: o.metadata }, CORE_VERSION);
  } finally {
    for (const t of built.owned) t.dispose();
  }
}
