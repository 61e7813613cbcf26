// Load-time checks of a graph and its subgraphs: every input defined (here, in an enclosing graph, or as an
// initializer), no value produced twice, no cycle (nodes are put in topological order), every operator known.
import { OnnxError } from '../errors.js';
import type { GraphProto, NodeProto } from '../proto/index.js';
import { OPS } from './ops/index.js';

/** Opset versions by domain ('' is the default ONNX domain). */
export type Opsets = ReadonlyMap<string, number>;

/** `OpType 'name'` of a node, for messages (the first output when the node has no name). */
export const nodeLabel = (n: NodeProto): string => `${n.op_type ?? '?'} '${n.name || n.output?.[0] || '?'}'`;

const domainOf = (n: NodeProto): string => (n.domain === 'ai.onnx' ? '' : (n.domain ?? ''));

/** Subgraph attributes of a node (If branches, Loop body, any graph or graphs attribute). */
export function subgraphs(n: NodeProto): GraphProto[] {
  const out: GraphProto[] = [];
  for (const a of n.attribute ?? []) {
    if (a.g != null) out.push(a.g);
    for (const g of a.graphs ?? []) out.push(g);
  }
  return out;
}

/** Names a graph uses but does not define (values it reads from enclosing graphs). */
function freeNames(g: GraphProto): Set<string> {
  const defined = new Set<string>([...(g.input ?? []).map((v) => v.name ?? ''), ...(g.initializer ?? []).map((t) => t.name ?? '')]);
  for (const n of g.node ?? []) for (const o of n.output ?? []) defined.add(o);
  const free = new Set<string>();
  for (const n of g.node ?? []) {
    for (const i of n.input ?? []) if (i !== '' && !defined.has(i)) free.add(i);
    for (const s of subgraphs(n)) for (const f of freeNames(s)) if (!defined.has(f)) free.add(f);
  }
  for (const o of g.output ?? []) if (!defined.has(o.name ?? '')) free.add(o.name ?? '');
  return free;
}

/** The result of checking a model: each graph's nodes in run order, and unsupported operators. */
export interface Checked {
  order: WeakMap<GraphProto, NodeProto[]>;
  unsupported: Map<string, string>;
}

/** Checks `g` (and its subgraphs) given the names visible from enclosing graphs; fills `out`. */
export function checkGraph(g: GraphProto, outer: ReadonlySet<string>, opsets: Opsets, field: string, out: Checked): void {
  const nodes = g.node ?? [];
  const available = new Set<string>(outer);
  for (const v of g.input ?? []) available.add(v.name ?? '');
  for (const t of g.initializer ?? []) available.add(t.name ?? '');
  if ((g.sparse_initializer ?? []).length > 0) throw new OnnxError('sparse initializers are not supported', { field: `${field}.sparse_initializer` });
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.output ?? []) {
      if (o === '') continue;
      if (producer.has(o) || (g.input ?? []).some((v) => v.name === o)) {
        throw new OnnxError(`value '${o}' is produced twice (ONNX values are assigned once)`, { node: nodeLabel(n), field: `${field}.node[${i}].output` });
      }
      producer.set(o, i);
    }
  });
  // dependencies of each node: its inputs plus what its subgraphs read from this graph
  const deps = nodes.map((n, i) => {
    const names = new Set((n.input ?? []).filter((s) => s !== ''));
    for (const s of subgraphs(n)) for (const f of freeNames(s)) names.add(f);
    const d = new Set<number>();
    for (const name of names) {
      const p = producer.get(name);
      if (p !== undefined) d.add(p);
      else if (!available.has(name)) {
        throw new OnnxError(`input '${name}' is not a graph input, an initializer, or any node's output`, { node: nodeLabel(n), field: `${field}.node[${i}].input` });
      }
    }
    return d;
  });
  // Kahn's algorithm, stable in file order
  const waiting = deps.map((d) => d.size);
  const users = nodes.map(() => [] as number[]);
  deps.forEach((d, i) => d.forEach((p) => users[p]!.push(i)));
  const ready = waiting.flatMap((w, i) => (w === 0 ? [i] : []));
  const order: NodeProto[] = [];
  while (ready.length > 0) {
    const i = ready.shift()!;
    order.push(nodes[i]!);
    for (const u of users[i]!) if (--waiting[u]! === 0) ready.push(u);
  }
  if (order.length < nodes.length) {
    const stuck = waiting.findIndex((w) => w > 0);
    throw new OnnxError(`the graph has a cycle through this node (its inputs depend on its own output)`, { node: nodeLabel(nodes[stuck]!), field: `${field}.node[${stuck}]` });
  }
  for (const [k, o] of (g.output ?? []).entries()) {
    if (!producer.has(o.name ?? '') && !available.has(o.name ?? '')) {
      throw new OnnxError(`graph output '${o.name}' is never produced`, { field: `${field}.output[${k}]` });
    }
  }
  out.order.set(g, order);
  const visible = new Set<string>([...available, ...producer.keys()]);
  nodes.forEach((n, i) => {
    const domain = domainOf(n);
    const opset = opsets.get(domain);
    if (domain !== '' || OPS[n.op_type ?? ''] === undefined) {
      const key = `${n.op_type} (domain '${domain || 'ai.onnx'}', opset ${opset ?? 'not imported'})`;
      if (!out.unsupported.has(key)) out.unsupported.set(key, nodeLabel(n));
    }
    subgraphs(n).forEach((s, k) => checkGraph(s, visible, opsets, `${field}.node[${i}].attribute.g${k}`, out));
  });
}
