// The fixture format written by tooling/fixtures/gen_core.py (documented at the top of that script),
// and loading it from this package's fixtures/ folder.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type DTypeName = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8' | 'bool';
export type FixtureNumber = number | boolean | 'nan' | 'inf' | '-inf';

export type ViewStep =
  | { permute: number[] }
  | { transpose: [number, number] }
  | { narrow: [number, number, number] }
  | { expand: number[] };

export interface TensorSpec {
  shape: number[];
  dtype: DTypeName;
  /** Row-major values; absent for shape-only expectations. */
  data?: FixtureNumber[];
  view?: ViewStep[];
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export type Arg =
  | { t: TensorSpec }
  | { s: FixtureNumber }
  | { v: JsonValue }
  | { o: Record<string, Arg> }
  | { l: Arg[] }
  | { u: true }
  | { device: true };

export type Expect =
  | { t: TensorSpec }
  /** The call returns nothing (in-place ops such as the optimizer steps; their effect is in `after`). */
  | { none: true }
  | { l: Expect[] }
  | { o: Record<string, Expect> }
  | { error: string };

export interface Tolerance { rtol: number; atol: number }

/** The weights w of a gradient check, shaped like the result; null for integer outputs. */
export type GradWeights = { t: TensorSpec } | { l: (GradWeights | null)[] } | { o: Record<string, GradWeights | null> };

/** PyTorch's gradient of sum(out * w) for each floating tensor arg, keyed by path ("0", "0.1", "3.weight"). */
export interface GradExpect {
  w: GradWeights | null;
  /** null where torch gives None: Flint may return null or zeros. */
  inputs: Record<string, TensorSpec | null>;
  /** false at a kink or jump: the gradient is torch's convention there, and finite differences don't apply. */
  smooth?: boolean;
}

export interface Case {
  id: string;
  op: string;
  call: string;
  method?: boolean;
  args: Arg[];
  expect: Expect;
  same?: number;
  after?: Record<string, Expect>;
  afterBase?: Record<string, Expect>;
  shapeOnly?: boolean;
  tol?: Tolerance;
  torchError?: string;
  grad?: GradExpect;
}

export interface Family { family: string; torch: string; cases: Case[] }

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
