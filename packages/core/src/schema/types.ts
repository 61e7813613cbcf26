// The vocabulary of the kernel schema: what a kernel reads, writes and is told, in a form that is both
// data (checked at registration and by the testkit's mock GPU, rendered into BACKENDS.md) and types
// (each kernel's attrs type in a backend's table is derived from its entry).

/** Which dtypes an input or output may have. */
export type DTypeRule =
  /** every dtype the backend can store (copy, cast, fill: the storage kernels) */
  | 'any'
  /** a dtype the backend computes in (see DTypeSupport.arithmetic) */
  | 'numeric'
  | 'float'
  | 'bool'
  /** int32 or int64: an index (int64 at the API; int32 where the backend computes int64 as int32) */
  | 'index'
  /** the dtype of the kernel's primary input: its first input that is not a bool or index input */
  | 'same';

/** One input of a kernel, in the schema. */
export interface InputSpec {
  /** The input's name (for messages and docs). */
  readonly name: string;
  /** The dtypes it may have. */
  readonly dtype: DTypeRule;
  /** What the shape is, in words (for the docs). */
  readonly shape?: string;
  /** May be left out; optional inputs come last. */
  readonly optional?: boolean;
  /** The kernel writes this input in place (its buffer, honouring offset): the optimizer steps. */
  readonly inPlace?: boolean;
}

/** One output of a kernel, in the schema. */
export interface OutputSpec {
  /** The output's name (for messages and docs). */
  readonly name: string;
  /** The dtypes it may have. */
  readonly dtype: DTypeRule;
  /** What its shape is, in words (for the docs). */
  readonly shape: string;
}

/** The run-time kind of a kernel attribute, checked at each call. */
export type AttrKind = 'number' | 'int' | 'boolean' | 'pair' | 'ints' | 'key' | 'enum';

/** One attribute: its kind at run time, its TypeScript type `T` at compile time. */
export interface AttrDesc<T = unknown> {
  /** Its kind at run time. */
  readonly kind: AttrKind;
  /** What it means, for BACKENDS.md. */
  readonly doc: string;
  /** Whether it may be absent. */
  readonly optional: boolean;
  /** Whether it may be null. */
  readonly nullable: boolean;
  /** The allowed values of an enum attribute. */
  readonly values?: readonly string[];
  /** Phantom: carries T for AttrsOf. */
  readonly __type?: T;
}

const desc = <T>(kind: AttrKind, doc: string, values?: readonly string[]): AttrDesc<T> & { readonly optional: false } =>
  ({ kind, doc, optional: false, nullable: false, ...(values ? { values } : {}) });

export const num = (doc: string) => desc<number>('number', doc);
export const int = (doc: string) => desc<number>('int', doc);
export const bool = (doc: string) => desc<boolean>('boolean', doc);
/** Two non-negative integers, [height, width]. */
export const pair = (doc: string) => desc<readonly [number, number]>('pair', doc);
export const ints = (doc: string) => desc<readonly number[]>('ints', doc);
/** The two uint32 words of a Philox key. */
export const key = (doc: string) => desc<readonly [number, number]>('key', doc);
export const oneOf = <const V extends readonly string[]>(values: V, doc: string) => desc<V[number]>('enum', doc, values);
export const nullable = <T>(d: AttrDesc<T>): AttrDesc<T | null> & { readonly optional: false } => ({ ...d, optional: false, nullable: true }) as AttrDesc<T | null> & { readonly optional: false };
export const optional = <T>(d: AttrDesc<T>): AttrDesc<T> & { readonly optional: true } => ({ ...d, optional: true });

/** A kernel's attributes by name. */
export type AttrSpecs = Readonly<Record<string, AttrDesc>>;

/** One kernel of the contract: its tier, inputs, outputs and attributes. */
export interface KernelSpec {
  /** Required of every backend, or optional (core has a composite). */
  readonly tier: 'required' | 'optional';
  /** Groups kernels in the docs, and names the file a backend keeps them in. */
  readonly family: string;
  /** What the kernel computes, for BACKENDS.md. */
  readonly doc: string;
  /** Its inputs, in order. */
  readonly inputs: readonly InputSpec[];
  /** Its outputs, in order. */
  readonly outputs: readonly OutputSpec[];
  /** Its attributes. */
  readonly attrs: AttrSpecs;
  /**
   * Inputs may be strided views (any strides, 0 for broadcast dims, any offset) when the backend takes
   * them (BackendCapabilities.stridedKernels); otherwise, and always when false, core passes dense inputs:
   * row-major, offset 0, the whole buffer.
   */
  readonly strided: boolean;
  /** The contract minor version that added the kernel. */
  readonly since: number;
  /** What core runs when an optional kernel is absent. */
  readonly composite?: string;
}

type AttrTypeOf<D> = D extends AttrDesc<infer T> ? T : never;
type OptionalKeys<S> = { [K in keyof S]: S[K] extends { readonly optional: true } ? K : never }[keyof S];
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The attrs object a kernel receives, from its schema entry. */
export type AttrsOf<S> = Simplify<
  { readonly [K in Exclude<keyof S, OptionalKeys<S>>]: AttrTypeOf<S[K]> } &
  { readonly [K in OptionalKeys<S>]?: AttrTypeOf<S[K]> }
>;
