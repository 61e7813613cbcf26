// Runs a checked graph: values live in nested scopes (subgraphs see enclosing values), small integer values
// (shapes, axes) stay on the host device, everything else runs on the model's device through core's ops.
import * as F from '@flint/core';
import { FlintError, type Tensor } from '@flint/core';
import { OnnxError } from '../errors.js';
import type { GraphProto, NodeProto } from '../proto/index.js';
import { Attrs } from './attrs.js';
import { nodeLabel, type Opsets } from './graph.js';
import { OPS, type OpContext } from './ops/index.js';

/** Values by name, falling back to the enclosing graph's scope. */
export class Scope {
  private readonly values = new Map<string, Tensor>();
  constructor(private readonly parent?: Scope) {}
  /** The value called `name`, searching enclosing scopes. */
  get(name: string): Tensor | undefined { return this.values.get(name) ?? this.parent?.get(name); }
  /** Binds `name` in this scope. */
  set(name: string, t: Tensor): void { this.values.set(name, t); }
}

/** What a graph run needs besides its inputs. */
export interface Program {
  order: WeakMap<GraphProto, NodeProto[]>;
  /** Each graph's initializers, decoded once at load. */
  constants: WeakMap<GraphProto, Map<string, Tensor>>;
  opsets: Opsets;
  device: string;
  hostDevice: string;
}

/** Reads a small tensor's values as numbers (int64 exactly up to 2^53). */
export async function hostValues(t: Tensor): Promise<number[]> {
  const data = t.device === 'cpu' ? t.dataSync() : await t.data();
  return Array.from(data as ArrayLike<number | bigint | boolean>, (v) => Number(v));
}

/** Runs `g` in a new scope under `parent` with `feeds` bound; resolves to its outputs in order. */
export async function runGraph(p: Program, g: GraphProto, parent: Scope | undefined, feeds: Map<string, Tensor>): Promise<Tensor[]> {
  const scope = new Scope(parent);
  for (const [k, v] of p.constants.get(g) ?? []) scope.set(k, v);
  for (const [k, v] of feeds) scope.set(k, v);
  for (const node of p.order.get(g) ?? []) await runNode(p, node, scope);
  return (g.output ?? []).map((o) => scope.get(o.name ?? '') ?? fail(`graph output '${o.name}' has no value`));
}

const fail = (message: string, node?: string): never => { throw new OnnxError(message, node === undefined ? {} : { node }); };

async function runNode(p: Program, node: NodeProto, scope: Scope): Promise<void> {
  const where = nodeLabel(node);
  const def = OPS[node.op_type ?? '']!;
  const names = node.input ?? [];
  let inputs = names.map((n) => (n === '' ? undefined : scope.get(n) ?? fail(`input '${n}' has no value`, where)));
  const keep = new Set(def.host ?? []);
  const onHost = inputs.every((t, i) => t === undefined || keep.has(i) || t.device === p.hostDevice);
  const device = onHost ? p.hostDevice : p.device;
  if (!onHost) inputs = inputs.map((t, i) => (t === undefined || keep.has(i) || t.device === device ? t : F.toDevice(t, device)));
  const outputs = node.output ?? [];
  const ctx: OpContext = {
    where, device, hostDevice: p.hostDevice, attrs: new Attrs(node, where),
    opset: p.opsets.get(node.domain === 'ai.onnx' ? '' : node.domain ?? '') ?? 0,
    outputCount: outputs.reduce((n, o, i) => (o !== '' ? i + 1 : n), 0),
    ints: (t) => hostValues(t),
    runGraph: (sub, feeds) => runGraph(p, sub, scope, feeds),
    fail: (message) => fail(message, where),
  };
  let results: Tensor[];
  try {
    results = await def.run(ctx, inputs);
  } catch (e) {
    if (e instanceof OnnxError) throw e;
    const kind = e instanceof FlintError ? `${e.name}: ` : '';
    throw new OnnxError(`${kind}${(e as Error).message}`, { node: where });
  }
  outputs.forEach((name, i) => {
    if (name === '') return;
    const t = results[i];
    if (t === undefined) fail(`produced ${results.length} output(s), the node names ${outputs.length}`, where);
    scope.set(name, t!);
  });
}
