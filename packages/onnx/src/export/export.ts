// exportOnnx: traces a model (on the example inputs, then again with every dynamic axis grown when there
// are any), maps each recorded op to ONNX nodes, and writes the model. The second trace tells which sizes
// follow the dynamic axes, so reshapes and created tensors get run-time shapes there and constants elsewhere.
import { CORE_VERSION, isTensor, scope, type Tensor } from '@flint/core';
import { Module } from '@flint/nn';
import type { ModuleContext, OpContext } from './context.js';
import { OnnxExportError } from './errors.js';
import { grow, varying, type Changing } from './dynamic.js';
import { Graph, prune } from './graph.js';
import { writeModel, type ValueSpec } from './model.js';
import { OPS, moduleExporter } from './ops/index.js';
import { DYNAMIC_ATTRS } from './ops/shape.js';
import { resolveOptions, type ExportOptions, type Resolved } from './options.js';
import { traceRun, type Trace, type TracedCall } from './trace.js';

/**
 * A model that runs on named feeds and has named parameters, such as an imported OnnxModel (loadOnnx): it
 * exports with its own input, output and parameter names.
 */
export interface RunnableModel {
  /** Its input names, in the order the example args are given. */
  readonly inputNames: readonly string[];
  /** Its output names. */
  readonly outputNames: readonly string[];
  /** Its parameters by name (they become initializers of the same names). */
  namedParameters(): Iterable<[string, Tensor]>;
  /** Runs it. */
  run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>>;
}

/** What can be exported: a Module (run in eval mode), a runnable model (an imported one), or a function of tensors (sync or async). */
export type Exportable = Module | RunnableModel | ((...args: Tensor[]) => unknown);

const isRunnable = (m: unknown): m is RunnableModel =>
  typeof m === 'object' && m !== null && typeof (m as RunnableModel).run === 'function' && typeof (m as RunnableModel).namedParameters === 'function';

interface Built { graph: Graph; inputs: ValueSpec[]; outputs: ValueSpec[]; owned: Tensor[] }

/** What to do about an op with no mapping. */
function hintFor(op: string): string {
  if (op === 'rand' || op === 'randn' || op === 'randint') return 'draw random values before the traced call and pass them in (ONNX\'s random ops would not reproduce Flint\'s stream)';
  if (/Backward|Step$|Stats$/.test(op)) return 'export the forward pass only (training ops have no inference mapping)';
  return 'write the model with ops that have one (exportableOps() lists them), or file an issue naming the op';
}

const sameAttrs = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const label = (c: TracedCall) => (c.kind === 'op' ? c.op : `${c.module.constructor.name} '${c.path}'`);

function build(a: Trace, b: Trace, args: readonly Tensor[], argsB: readonly Tensor[], state: ReadonlyMap<Tensor, string>, changing: ReadonlyMap<Tensor, Changing>, o: Resolved): Graph {
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
      const ch = snap && changing.get(t);
      if (ch) {
        if (!ch.a || !ch.b) {
          throw new OnnxExportError(`reads a constant (shape [${t.shape.join(', ')}], ${t.dtype}) whose values change with the dynamic axes: it was computed on the host from a size (such as x.shape)`,
            { op: where, opset: o.opset, hint: 'compute it with tensor ops from the input, or make that axis static (drop it from dynamicAxes)' });
        }
        let v = g.cast(g.shape(ch.a, ch.b, where), 'int64', t.dtype);
        if (t.ndim === 0) v = g.op('Squeeze', [v, g.i64([0])]);
        names.set(t, v);
        return v;
      }
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
      // constants from ops with no mapping (tensor(), eye, ...) fold even when folding is off
      const foldable = (o.fold || !OPS[ca.op]) && ca.outputs.every((t) => a.snapshots.has(t)) && ca.inputs.every(isConstant) &&
        sameAttrs(ca.outShapes, cb.outShapes) && sameAttrs(ca.attrs, cb.attrs) && !ca.outputs.some((t) => changing.has(t));
      if (foldable) return; // outputs become initializers when something reads them
      const exporter = OPS[ca.op];
      const changed = Object.keys(ca.attrs).filter((key) => !sameAttrs(ca.attrs[key], cb.attrs[key]));
      if (changed.length && !DYNAMIC_ATTRS.has(ca.op) && !(changed.length === 1 && changed[0] === 'scalar')) {
        fail(`its ${changed.map((key) => `${key} (${JSON.stringify(ca.attrs[key])}, then ${JSON.stringify(cb.attrs[key])})`).join(', ')} changes with the dynamic axes`,
          'that value must not depend on a dynamic size: compute it with tensor ops, or drop that axis from dynamicAxes');
      }
      if (!exporter) fail(`no ONNX mapping for this op at opset ${o.opset}`, hintFor(ca.op));
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

/** The function to trace and the names of its state, from whatever kind of model was given. */
function target(model: Exportable): { fn: (...xs: Tensor[]) => unknown; root: Module | null; state: Map<Tensor, string> } {
  const state = new Map<Tensor, string>();
  if (model instanceof Module) {
    for (const [k, t] of model.namedParameters()) state.set(t, k);
    for (const [k, t] of model.namedBuffers()) if (!state.has(t)) state.set(t, k);
    return { fn: (...xs) => model.call(...(xs as [])), root: model, state };
  }
  if (isRunnable(model)) {
    for (const [k, t] of model.namedParameters()) if (!state.has(t)) state.set(t, k);
    const fn = async (...xs: Tensor[]) => {
      const r = await model.run(Object.fromEntries(model.inputNames.map((n, i) => [n, xs[i]!])));
      return model.outputNames.map((n) => r[n]);
    };
    return { fn, root: null, state };
  }
  return { fn: model, root: null, state };
}

/** Traces twice and builds the graph; tensors the runs make live only inside the scope. */
async function trace(model: Exportable, args: readonly Tensor[], o: Resolved): Promise<Built> {
  const { fn, root, state } = target(model);
  const outputNames = o.outputNames ?? (isRunnable(model) ? model.outputNames : undefined);
  for (const v of [...o.axes.keys()]) {
    if (!o.inputNames.includes(v) && !(outputNames ?? ['output']).includes(v) && !/^output_\d+$/.test(v)) {
      throw new OnnxExportError(`dynamicAxes names '${v}', which is neither an input (${o.inputNames.join(', ')}) nor an output name`);
    }
  }
  const modes = root ? [...root.modules()].map((m) => [m, m.training] as const) : [];
  root?.eval();
  try {
    return await scope(async () => {
      let argsB = grow(args, o, 'name');
      const composite = (m: Module) => moduleExporter(m) !== undefined;
      const a = await traceRun(fn, args, root, composite, new Set<Tensor>([...args, ...state.keys()]));
      let b: Trace | undefined;
      try {
        // with no dynamic input axes the second run would repeat the first
        const dynamic = o.inputNames.some((n) => (o.axes.get(n)?.size ?? 0) > 0);
        const second = () => traceRun(fn, argsB, root, composite, new Set<Tensor>([...argsB, ...state.keys()]));
        try {
          b = dynamic ? await second() : a;
        } catch (e) {
          // differently named axes that the model needs equal: grow them alike and try once more
          argsB = grow(args, o, 'size');
          try { b = await second(); } catch { throw new OnnxExportError(`the model fails when its dynamic axes change size: ${(e as Error).message}`, { hint: 'check that dynamicAxes names only axes the model accepts at any size' }); }
        }
        if (b.outputs.length !== a.outputs.length) throw new OnnxExportError('the model returned a different number of tensors when the dynamic axes changed size');
        const graph = prune(build(a, b, args, argsB, state, await varying(a, b), { ...o, outputNames }), a.outputs.length);
        const inputs = args.map((t, i) => ({ name: o.inputNames[i]!, dtype: t.dtype, dims: dimsOf(o.inputNames[i]!, t.shape, argsB[i]!.shape, o) }));
        const outNames = graph.nodes.slice(-a.outputs.length).map((n) => n.outputs[0]!);
        const outputs = a.outputs.map((t, i) => ({ name: outNames[i]!, dtype: t.dtype, dims: dimsOf(outNames[i]!, t.shape, b!.outputs[i]!.shape, o) }));
        return { graph, inputs, outputs, owned: [...a.snapshots.values()] };
      } catch (e) {
        for (const t of a.snapshots.values()) t.dispose();
        throw e;
      } finally {
        if (b !== a) for (const t of b?.snapshots.values() ?? []) t.dispose();
      }
    });
  } finally {
    for (const [m, t] of modes) m.training = t;
  }
}

/**
 * Exports a model to ONNX, as torch.onnx.export: traces `model(...args)` in eval mode (dropout off, batch norm
 * on running statistics), maps each op to its ONNX operator and returns the model's bytes. Parameters and
 * buffers become initializers named by their state-dict keys.
 * @param model - a Module, an imported model (anything with run() and namedParameters()), or a function of tensors (sync or async)
 * @param args - the example input(s)
 * @param options - opsetVersion, inputNames, outputNames, dynamicAxes, doConstantFolding, metadata
 * @example
 * const bytes = await exportOnnx(model, randn([1, 1, 28, 28]), { dynamicAxes: { input: { 0: 'batch' }, output: { 0: 'batch' } } });
 */
export async function exportOnnx(model: Exportable, args: Tensor | readonly Tensor[], options: ExportOptions = {}): Promise<Uint8Array> {
  const list = isTensor(args) ? [args] : [...args];
  if (!(model instanceof Module) && typeof model !== 'function' && !isRunnable(model)) {
    throw new TypeError('exportOnnx: model must be a Module, a model with run() and namedParameters() (an imported one), or a function of tensors');
  }
  if (list.some((t) => !isTensor(t))) throw new TypeError('exportOnnx: args must be a tensor or a list of tensors');
  const o = resolveOptions(options, list.length, isRunnable(model) ? model.inputNames : undefined);
  const built = await trace(model, list, o);
  try {
    return await writeModel(built.graph, { inputs: built.inputs, outputs: built.outputs, metadata: o.metadata }, CORE_VERSION);
  } finally {
    for (const t of built.owned) t.dispose();
  }
}
