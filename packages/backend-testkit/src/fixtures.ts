// The fixture format written by tooling/fixtures/gen_core.py (documented at the top of that script),
// and loading it from this package's fixtures/ folder.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type DTypeName = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8' | 'bool';
export type FixtureNumber = number | boolean | 'nan' | 'inf' | '-inf';

/** A view applied to a fixture tensor after it is made: permute, transpose, narrow or expand. */
export type ViewStep =
  | { permute: number[] }
  | { transpose: [number, number] }
  | { narrow: [number, number, number] }
  | { expand: number[] };

/** A tensor in a fixture: shape, dtype, row-major values and the views applied after creation. */
export interface TensorSpec {
  /** The tensor's shape (before `view`). */
  shape: number[];
  /** The tensor's dtype. */
  dtype: DTypeName;
  /** Row-major values; absent for shape-only expectations. */
  data?: FixtureNumber[];
  /** Views applied in order after creation, so kernels see strided inputs. */
  view?: ViewStep[];
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/**
 * One argument of a fixture call: a tensor, a JS scalar, a JSON literal, an options object, an array, undefined or the
 * device name.
 */
export type Arg =
  | { t: TensorSpec }
  | { s: FixtureNumber }
  | { v: JsonValue }
  | { o: Record<string, Arg> }
  | { l: Arg[] }
  | { u: true }
  | { device: true };

/** What a fixture call must produce: a tensor, nothing, an array or object of results, or an error class. */
export type Expect =
  | { t: TensorSpec }
  /** The call returns nothing (in-place ops such as the optimizer steps; their effect is in `after`). */
  | { none: true }
  | { l: Expect[] }
  | { o: Record<string, Expect> }
  | { error: string };

/**
 * Comparison tolerance: `|actual - expected| <= atol + rtol * |expected|`.
 * @property rtol - relative tolerance
 * @property atol - absolute tolerance
 */
export interface Tolerance { rtol: number; atol: number }

/** The weights w of a gradient check, shaped like the result; null for integer outputs. */
export type GradWeights = { t: TensorSpec } | { l: (GradWeights | null)[] } | { o: Record<string, GradWeights | null> };

/** PyTorch's gradient of sum(out * w) for each floating tensor arg, keyed by path ("0", "0.1", "3.weight"). */
export interface GradExpect {
  /** The weights `w`, shaped like the result (null for integer results). */
  w: GradWeights | null;
  /** null where torch gives None: Flint may return null or zeros. */
  inputs: Record<string, TensorSpec | null>;
  /** false at a kink or jump: the gradient is torch's convention there, and finite differences don't apply. */
  smooth?: boolean;
}

/**
 * One fixture case: the `@flint/core` call to make, its arguments and what torch computed (see
 * tooling/fixtures/gen_core.py).
 */
export interface Case {
  /** Unique id, `<family>/<op>/<what>`. */
  id: string;
  /** The op under test (skip keys match it). */
  op: string;
  /** The `@flint/core` export to call, or the Tensor method when `method` is set. */
  call: string;
  /** Call `args[0][call](...args.slice(1))` instead of a core export. */
  method?: boolean;
  /** Flint's exact positional arguments. */
  args: Arg[];
  /** The result torch gave. */
  expect: Expect;
  /** The result must be this very argument (in-place ops). */
  same?: number;
  /** The values arguments must hold after the call, by index (in-place ops, running statistics). */
  after?: Record<string, Expect>;
  /** The same as `after`, for the base tensor a view argument was made from. */
  afterBase?: Record<string, Expect>;
  /** Compare shape and dtype only (`empty()`). */
  shapeOnly?: boolean;
  /** Overrides {@link DEFAULT_TOL}. */
  tol?: Tolerance;
  /** For error cases: what torch raised, as proof that torch rejects the call too. */
  torchError?: string;
  /** PyTorch's gradients of `sum(out * w)`, checked when `@flint/autograd` is loaded. */
  grad?: GradExpect;
}

/**
 * One fixture file: a family of cases and the torch version that generated them.
 * @property family - the family name (the file's name; skip keys match it)
 * @property torch - the torch version that computed the expectations
 * @property cases - the cases, in file order
 */
export interface Family { family: string; torch: string; cases: Case[] }

/** The folder holding this package's fixture files. */
export const fixturesDir = (): string => fileURLToPath(new URL('../fixtures/', import.meta.url));

let cache: Family[] | undefined;

/** Every fixture family, in file-name order. */
export function loadFixtures(dir: string = fixturesDir()): Family[] {
  if (cache && dir === fixturesDir()) return cache;
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  const families = files.map((f) => JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) as Family);
  if (dir === fixturesDir()) cache = families;
  return families;
}

export const familyOf = (id: string): string => id.slice(0, id.indexOf('/'));
