// Tracing: runs a model once with a dispatch hook installed and records every public op it calls, in
// order. Modules whose class has a composite exporter (GRU, LSTM) are recorded as one call: their forward
// runs with hooks off, so the trace holds the module, not its parts.
import { addHook, isTensor, keep, withoutHooks, type OpCall, type OpName, type Tensor } from '@flint/core';
import { noGrad } from '@flint/autograd';
import type { Module } from '@flint/nn';

/** One recorded public op. */
export interface TracedOp {
  readonly kind: 'op';
  readonly op: OpName;
  readonly inputs: readonly Tensor[];
  readonly attrs: Readonly<Record<string, unknown>>;
  readonly outputs: readonly Tensor[];
  readonly inShapes: readonly (readonly number[])[];
  readonly outShapes: readonly (readonly number[])[];
}

/** One call of a module that exports as a whole. */
export interface TracedModule {
  readonly kind: 'module';
  readonly module: Module;
  /** The module's dotted path from the root (its state-dict prefix). */
  readonly path: string;
  /** forward's arguments as given (tensors, null or undefined). */
  readonly args: readonly unknown[];
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly inShapes: readonly (readonly number[])[];
  readonly outShapes: readonly (readonly number[])[];
}

/** A recorded call. */
export type TracedCall = TracedOp | TracedModule;

/** What one traced run gives. */
export interface Trace {
  readonly calls: TracedCall[];
  /** The model's result's tensors, flattened in order. */
  readonly outputs: Tensor[];
  /**
   * Copies made during the run of constants: tensors no traced op produced that
   * are not inputs or state, and the outputs of ops that read constants only. The model may dispose the
   * originals before export reads them; the copies belong to no scope, so the caller disposes them.
   */
  readonly snapshots: Map<Tensor, Tensor>;
}

/** Tensors in a nested result (tensors, arrays, plain objects), flattened in order. */
export function flatTensors(r: unknown, out: Tensor[] = []): Tensor[] {
  if (isTensor(r)) out.push(r);
  else if (Array.isArray(r)) for (const v of r) flatTensors(v, out);
  else if (r && typeof r === 'object' && Object.getPrototypeOf(r) === Object.prototype) for (const v of Object.values(r)) flatTensors(v, out);
  return out;
}

const RANDOM = new Set<string>(['rand', 'randn', 'randint', 'dropout']);
const shapes = (ts: readonly Tensor[]) => ts.map((t) => [...t.shape]);

/**
 * Runs `fn(...args)` with grad off and the tracing hook installed (until its promise settles, for an
 * async fn); modules under `root` for which `isComposite` holds are recorded whole. `known` are tensors
 * that are not constants (inputs, parameters, buffers); every other tensor an op reads that no traced op
 * produced is copied, so its values survive the run.
 */
export async function traceRun(fn: (...a: Tensor[]) => unknown, args: readonly Tensor[], root: Module | null, isComposite: (m: Module) => boolean, known: ReadonlySet<Tensor>): Promise<Trace> {
  const calls: TracedCall[] = [];
  const produced = new Set<Tensor>();
  const snapshots = new Map<Tensor, Tensor>();
  // kept out of every scope (a layer's forward may run in its own): the caller disposes them
  const copy = (t: Tensor) => { if (!snapshots.has(t)) snapshots.set(t, keep(withoutHooks(() => t.clone()))); };
  const record = (c: TracedCall) => {
    for (const t of c.inputs) if (!produced.has(t) && !known.has(t)) copy(t);
    calls.push(c);
    for (const o of c.outputs) produced.add(o);
    // an op of constants only gives constants (folded at export when both traces agree)
    if (c.kind === 'op' && !RANDOM.has(c.op) && c.inputs.every((t) => snapshots.has(t))) for (const o of c.outputs) copy(o);
  };
  const restore: (() => void)[] = [];
  // composite modules: their own forward property shadows the class's for the run
  for (const [path, m] of root ? root.namedModules() : []) {
    if (!isComposite(m)) continue;
    const orig = m.forward;
    const wrapped = (...a: unknown[]): unknown => {
      const inputs = a.flatMap((v) => flatTensors(v));
      const r = withoutHooks(() => orig.apply(m, a));
      const outputs = flatTensors(r);
      record({ kind: 'module', module: m, path, args: a, inputs, outputs, inShapes: shapes(inputs), outShapes: shapes(outputs) });
      return r;
    };
    // a forward the instance itself holds (an arrow-function field) is put back as it was
    const own = Object.getOwnPropertyDescriptor(m, 'forward');
    Object.defineProperty(m, 'forward', { value: wrapped, configurable: true, writable: true, enumerable: false });
    restore.push(() => (own ? Object.defineProperty(m, 'forward', own) : delete (m as { forward?: unknown }).forward));
  }
  const remove = addHook({
    afterOp(c: OpCall) {
      record({ kind: 'op', op: c.op, inputs: c.inputs, attrs: c.attrs, outputs: c.outputs, inShapes: shapes(c.inputs), outShapes: shapes(c.outputs) });
    },
  });
  try {
    // an async model (an imported graph's run) is traced until its promise settles
    const result: unknown = await noGrad(() => fn(...args));
    return { calls, outputs: flatTensors(result), snapshots };
  } catch (e) {
    for (const t of snapshots.values()) t.dispose();
    throw e;
  } finally {
    remove();
    for (const r of restore) r();
  }
}
