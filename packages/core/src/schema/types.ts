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

export interface InputSpec {
  readonly name: string;
  readonly dtype: DTypeRule;
  /** What the shape is, in words (for the docs). */
  readonly shape?: string;
  /** May be left out; optional inputs come last. */
  readonly optional?: boolean;
  /** The kernel writes this input in place (its buffer, honouring offset): the optimizer steps. */
  readonly inPlace?: boolean;
}

export interface OutputSpec {
  readonly name: string;
  readonly dtype: DTypeRule;
  readonly shape: string;
}

export type AttrKind = 'number' | 'int' | 'boolean' | 'pair' | 'ints' | 'key' | 'enum';

/** One attribute: its kind at run time, its TypeScript type `T` at compile time. */
export interface AttrDesc<T = unknown> {
  readonly kind: AttrKind;
  readonly doc: string;
  readonly optional: boolean;
  readonly nullable: boolean;
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

export type AttrSpecs = Readonly<Record<string, AttrDesc>>;

export interface KernelSpec {
  readonly tier: 'required' | 'optional';
  /** Groups kernels in the docs, and names the file a backend keeps them in. */
  readonly family: string;
  readonly doc: string;
  readonly inputs: readonly InputSpec[];
  readonly outputs: readonly OutputSpec[];
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
