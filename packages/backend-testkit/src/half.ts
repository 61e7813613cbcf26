// float16/bfloat16 conformance from torch 1.13 (fixtures/half/half.json, tooling/amp/gen_amp.py): casts to
// and from every dtype bit for bit (rounding to nearest even, NaN, inf, subnormals), and ops computed in
// the low precision: bit for bit where torch rounds one float32 result, within one low-precision ulp where
// the order of accumulation may differ. A backend runs the cases of the dtypes it stores and computes.
import { readFileSync } from 'node:fs';
import * as core from '@flint/core';
import type { DType, Tensor } from '@flint/core';
import { bfloatBitsToFloat, floatToBfloatBits, floatToHalfBits, halfBitsToFloat } from '@flint/core';

interface Spec { shape: number[]; dtype: DType; data: (number | boolean | string)[] }
interface CastCase { from: Spec; to: DType; expect: Spec }
interface OpCase { op: string; dtype: 'float16' | 'bfloat16'; args: Spec[]; expect: Spec; exact: boolean; derived: boolean }

/**
 * A low-precision conformance check.
 * @property id - `half/<op>/<what>`
 * @property op - the op it checks (skip keys match it)
 * @property dtypes - the dtypes the backend must store and compute in for the check to run
 * @property run - runs the check on `device`; rejects with an Error that says what went wrong
 */
export interface HalfCheck { id: string; op: string; dtypes: DType[]; run(device: string): Promise<void> }

const low = (d: DType): d is 'float16' | 'bfloat16' => d === 'float16' || d === 'bfloat16';
const toNum = (v: number | boolean | string): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));
const fromBits = (d: DType, b: number): number => (d === 'float16' ? halfBitsToFloat(b) : bfloatBitsToFloat(b));
const toBits = (d: DType, v: number): number => (d === 'float16' ? floatToHalfBits(v) : floatToBfloatBits(v));
const values = (s: Spec): number[] => s.data.map((v) => (low(s.dtype) ? fromBits(s.dtype, v as number) : toNum(v)));

function make(s: Spec, device: string): Tensor {
  if (s.dtype === 'int64') return core.tensor(s.data.map((v) => BigInt(v as string)), { dtype: 'int64', device }).reshape(s.shape);
  return core.tensor(values(s), { dtype: s.dtype, device }).reshape(s.shape);
}
/** Comparable values: low-precision results as their bits (every NaN alike), the rest as numbers. */
async function read(t: Tensor): Promise<number[]> {
  const d = Array.from((await t.data()) as ArrayLike<number | bigint>, Number);
  return low(t.dtype) ? d.map((v) => (Number.isNaN(v) ? NaN : toBits(t.dtype, v))) : d;
}
const expected = (s: Spec): number[] => (low(s.dtype) ? s.data.map((b) => (Number.isNaN(fromBits(s.dtype, b as number)) ? NaN : b as number)) : s.data.map(toNum));
/** One unit in the last place of a low-precision value v. */
const ulp = (d: DType, v: number): number => {
  const e = Math.max(Math.floor(Math.log2(Math.abs(v) || 1)), d === 'float16' ? -14 : -126);
  return 2 ** (e - (d === 'float16' ? 10 : 7));
};
const same = (a: number[], b: number[]): boolean => a.length === b.length && a.every((v, i) => Object.is(v, b[i]) || (v === b[i]));

function call(op: string, a: Tensor[]): Tensor {
  switch (op) {
    case 'sum': return core.sum(a[0]!);
    case 'mean': return core.mean(a[0]!);
    case 'softmax': return core.softmax(a[0]!, 1);
    case 'logSoftmax': return core.logSoftmax(a[0]!, 1);
    case 'conv2d': return core.conv2d(a[0]!, a[1]!, a[2], { padding: 1 });
    default: return (core as unknown as Record<string, (...t: Tensor[]) => Tensor>)[op]!(...a);
  }
}

function castCheck(c: CastCase): HalfCheck {
  return {
    id: `half/cast/${c.from.dtype}_to_${c.to}`, op: 'cast', dtypes: [c.from.dtype, c.to],
    run: (device) => core.scope(async () => {
      const y = make(c.from, device).to(c.to);
      const got = await read(y), want = expected(c.expect);
      if (y.dtype !== c.to || !same(got, want)) throw new Error(`${c.from.dtype} -> ${c.to}: got ${y.dtype} [${got.join(', ')}], torch gives [${want.join(', ')}] (${c.from.data.join(', ')})`);
    }),
  };
}

function opCheck(c: OpCase): HalfCheck {
  const how = c.derived ? 'float32_rounded' : c.exact ? 'exact' : 'ulp';
  return {
    id: `half/${c.op}/${c.dtype}_${how}`, op: c.op, dtypes: [c.dtype],
    run: (device) => core.scope(async () => {
      const y = call(c.op, c.args.map((s) => make(s, device)));
      if (y.dtype !== c.dtype || y.shape.join() !== c.expect.shape.join()) throw new Error(`${c.op}: got ${y.dtype} [${y.shape.join(',')}], expected ${c.dtype} [${c.expect.shape.join(',')}]`);
      if (c.exact) {
        const got = await read(y), want = expected(c.expect);
        if (!same(got, want)) throw new Error(`${c.op} ${c.dtype}: bits [${got.join(', ')}], torch's [${want.join(', ')}]`);
        return;
      }
      const got = Array.from((await y.data()) as Float32Array), want = values(c.expect);
      // a backend that accelerates the dtype may round x·wᵀ before adding the bias (Flint's linear is a matmul
      // and an add there): also accept that result, computed here from the arguments
      const alt = c.op === 'linear' && core.getBackend(device).dtypes[c.dtype].accelerated ? twoRoundings(c) : undefined;
      // the accumulation order differs from torch's: one ulp of the low dtype
      got.forEach((g, i) => {
        const near = (w: number) => Math.abs(g - w) <= ulp(c.dtype, w);
        if (!near(want[i]!) && !(alt && near(alt[i]!))) throw new Error(`${c.op} ${c.dtype}[${i}]: ${g}, torch ${want[i]} (more than one ulp apart)`);
      });
    }),
  };
}

/** linear(x, w, b) with x·wᵀ rounded to the dtype before b is added and the sum rounded again. */
function twoRoundings(c: OpCase): number[] {
  const [x, w, b] = c.args.map(values) as [number[], number[], number[]];
  const [M, K] = c.args[0]!.shape as [number, number], N = c.args[1]!.shape[0]!;
  const r = (v: number) => fromBits(c.dtype, toBits(c.dtype, v));
  const out: number[] = [];
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += x[i * K + k]! * w[j * K + k]!;
      out.push(r(r(s) + b[j]!));
    }
  }
  return out;
}

let cache: HalfCheck[] | undefined;
/** Every low-precision check, from the fixture file. */
export function halfChecks(): HalfCheck[] {
  if (cache) return cache;
  const fix = JSON.parse(readFileSync(new URL('../fixtures/half/half.json', import.meta.url), 'utf8')) as { casts: CastCase[]; ops: OpCase[] };
  return (cache = [...fix.casts.map(castCheck), ...fix.ops.map(opCheck)]);
}

/** Why `device` can't run `check` (a dtype it doesn't store or compute in), or undefined when it can. */
export function halfSkipReason(check: HalfCheck, device: string): string | undefined {
  const b = core.getBackend(device);
  const missing = check.dtypes.filter((d) => { const s = b.dtypes[d]; return !s?.storage || !(s.arithmetic || s.computeAs); });
  return missing.length ? `backend '${b.name}' doesn't store and compute ${missing.join(', ')}` : undefined;
}
