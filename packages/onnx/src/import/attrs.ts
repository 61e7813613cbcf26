// Typed access to a node's attributes; a missing or mistyped attribute is an OnnxError naming the node.
import { OnnxError } from '../errors.js';
import { AttributeType, enumName, type AttributeProto, type GraphProto, type NodeProto, type TensorProto } from '../proto/index.js';

/** A node's attributes by name, read with their expected type. */
export class Attrs {
  private readonly byName = new Map<string, AttributeProto>();

  constructor(node: NodeProto, private readonly where: string) {
    for (const a of node.attribute ?? []) this.byName.set(a.name ?? '', a);
  }

  /** Whether the attribute is present. */
  has(name: string): boolean { return this.byName.has(name); }

  private get(name: string, type: number): AttributeProto | undefined {
    const a = this.byName.get(name);
    if (a === undefined) return undefined;
    // old exporters leave `type` unset; then trust the field that is filled
    if (a.type != null && a.type !== 0 && a.type !== type) {
      throw new OnnxError(`attribute '${name}' has type ${enumName(AttributeType, a.type)}, expected ${enumName(AttributeType, type)}`, { node: this.where });
    }
    return a;
  }

  /** An INT attribute. */
  int(name: string, dflt: number): number;
  int(name: string): number | undefined;
  int(name: string, dflt?: number): number | undefined {
    const a = this.get(name, AttributeType.INT);
    return a === undefined ? dflt : Number(a.i ?? 0);
  }

  /** A FLOAT attribute. */
  float(name: string, dflt: number): number;
  float(name: string): number | undefined;
  float(name: string, dflt?: number): number | undefined {
    const a = this.get(name, AttributeType.FLOAT);
    return a === undefined ? dflt : (a.f ?? 0);
  }

  /** A STRING attribute, decoded as UTF-8. */
  string(name: string, dflt: string): string;
  string(name: string): string | undefined;
  string(name: string, dflt?: string): string | undefined {
    const a = this.get(name, AttributeType.STRING);
    return a === undefined ? dflt : new TextDecoder().decode(a.s ?? new Uint8Array());
  }

  /** An INTS attribute. */
  ints(name: string): number[] | undefined {
    const a = this.get(name, AttributeType.INTS);
    return a === undefined ? undefined : (a.ints ?? []).map(Number);
  }

  /** A FLOATS attribute. */
  floats(name: string): number[] | undefined {
    const a = this.get(name, AttributeType.FLOATS);
    return a === undefined ? undefined : [...(a.floats ?? [])];
  }

  /** A STRINGS attribute. */
  strings(name: string): string[] | undefined {
    const a = this.get(name, AttributeType.STRINGS);
    return a === undefined ? undefined : (a.strings ?? []).map((s) => new TextDecoder().decode(s));
  }

  /** A TENSOR attribute. */
  tensor(name: string): TensorProto | undefined {
    const a = this.get(name, AttributeType.TENSOR);
    return a === undefined ? undefined : (a.t ?? undefined);
  }

  /** A GRAPH attribute (a subgraph of If/Loop); required. */
  graph(name: string): GraphProto {
    const g = this.get(name, AttributeType.GRAPH)?.g;
    if (g == null) throw new OnnxError(`needs the subgraph attribute '${name}'`, { node: this.where });
    return g;
  }
}
