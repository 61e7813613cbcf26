// float16/bfloat16 on the CPU backend against torch 1.13 (fixtures/half.json, tooling/amp/gen_amp.py): casts
// to and from every dtype bit for bit (rounding, NaN, inf, subnormals), and ops computed in float32 and
// rounded on store; exact where torch rounds one float32 result, within one low-precision ulp elsewhere.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as F from '@flint/core';
import type { DType, Tensor } from '@flint/core';
import { bfloatBitsToFloat, floatToBfloatBits, floatToHalfBits, halfBitsToFloat } from '@flint/core';
import './index.js';

interface Spec { shape: number[]; dtype: DType; data: (number | boolean | string)[] }
interface CastCase { from: Spec; to: DType; expect: Spec }
interface OpCase { op: string; dtype: 'float16' | 'bfloat16'; args: Spec[]; expect: Spec; exact: boolean; derived: boolean }
const fix = JSON.parse(readFileSync(new URL('../fixtures/half.json', import.meta.url), 'utf8')) as { casts: CastCase[]; ops: OpCase[] };

const low = (d: DType): boolean => d === 'float16' || d === 'bfloat16';
const toNum = (v: number | boolean | string): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));
const fromBits = (d: DType, b: number): number => (d === 'float16' ? halfBitsToFloat(b) : bfloatBitsToFloat(b));
const toBits = (d: DType, v: number): number => (d === 'float16' ? floatToHalfBits(v) : floatToBfloatBits(v));
/** The values a spec holds (low-precision bits decoded). */
const values = (s: Spec): number[] => s.data.map((v) => (low(s.dtype) ? fromBits(s.dtype, v as number) : toNum(v)));
function make(s: Spec): Tensor {
  if (s.dtype === 'int64') return F.tensor(s.data.map((v) => BigInt(v as string)), { dtype: 'int64' }).reshape(s.shape);
  return F.tensor(values(s), { dtype: s.dtype }).reshape(s.shape);
}
/** Values as comparable numbers: low-precision results as their bits (NaN as one pattern), int64 as numbers. */
function read(t: Tensor): number[] {
  const d = Array.from(t.dataSync() as ArrayLike<number | bigint>, Number);
  return low(t.dtype) ? d.map((v) => (Number.isNaN(v) ? NaN : toBits(t.dtype, v))) : d;
}
const expected = (s: Spec): number[] => (low(s.dtype) ? s.data.map((b) => (Number.isNaN(fromBits(s.dtype, b as number)) ? NaN : b as number)) : s.data.map(toNum));

describe('casts to and from float16/bfloat16 match torch bit for bit', () => {
  for (const c of fix.casts) {
    it(`${c.from.dtype} -> ${c.to} (${c.from.data.length} values)`, () => {
      const y = make(c.from).to(c.to);
      expect(y.dtype).toBe(c.to);
      expect(read(y)).toEqual(expected(c.expect));
    });
  }
});

/** One unit in the last place of a low-precision value v (its spacing at |v|). */
const ulp = (d: DType, v: number): number => {
  const e = Math.max(Math.floor(Math.log2(Math.abs(v) || 1)), d === 'float16' ? -14 : -126);
  return 2 ** (e - (d === 'float16' ? 10 : 7));
};

function call(op: string, a: Tensor[]): Tensor {
  switch (op) {
    case 'sum': return a[0]!.sum();
    case 'mean': return a[0]!.mean();
    case 'amax': return F.amax(a[0]!);
    case 'softmax': return F.softmax(a[0]!, 1);
    case 'logSoftmax': return F.logSoftmax(a[0]!, 1);
    case 'conv2d': return F.conv2d(a[0]!, a[1]!, a[2], { padding: 1 });
    default: return (F as unknown as Record<string, (...t: Tensor[]) => Tensor>)[op]!(...a);
  }
}

describe('ops in float16/bfloat16 compute in float32 and round on store, as torch', () => {
  for (const c of fix.ops) {
    it(`${c.op} ${c.dtype}${c.exact ? ' (bit for bit)' : ''}${c.derived ? ' (torch 1.13 has no CPU kernel: its float32 result rounded)' : ''}`, () => {
      const y = call(c.op, c.args.map(make));
      expect(y.dtype).toBe(c.dtype);
      expect(y.shape).toEqual(c.expect.shape);
      if (c.exact) { expect(read(y)).toEqual(expected(c.expect)); return; }
      const got = Array.from(y.dataSync() as Float32Array), want = values(c.expect);
      // accumulation order differs from torch's: allow one ulp of the low dtype
      got.forEach((g, i) => expect(Math.abs(g - want[i]!), `${c.op}[${i}]: ${g} vs ${want[i]}`).toBeLessThanOrEqual(ulp(c.dtype, want[i]!)));
    });
  }
});
