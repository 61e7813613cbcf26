// int64 on the CPU backend is exact over its whole range and wraps like PyTorch's: every case of
// fixtures/int64.json (made by tooling/fixtures/gen_cpu_int64.py from torch 1.13) runs through @flint/core
// on 'cpu' and is compared as BigInt, bit for bit; then the host edge, safetensors and the index outputs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as core from '@flint/core';
import type { DType, Tensor } from '@flint/core';
import { loadFromBytes, saveToBytes } from '@flint/nn';
import './index.js';

type Value = number | string | boolean;
type Step = { transpose: [number, number] } | { narrow: [number, number, number] } | { expand: number[] };
interface TensorSpec { shape: number[]; dtype: DType; data: Value[]; view?: Step[] }
type Arg = { t: TensorSpec } | { s: number } | { v: unknown };
type Expect = { t: TensorSpec } | { o: Record<string, Expect> } | { error: string; torchError: string };
interface Case { id: string; call: string; method?: boolean; args: Arg[]; then?: Step[]; expect: Expect; torch: string }
interface Fixture { torch: string; roundtrip: string[]; cases: Case[] }

const fixture = JSON.parse(readFileSync(new URL('../fixtures/int64.json', import.meta.url), 'utf8')) as Fixture;
const device = 'cpu';
const MIN = -(2n ** 63n), MAX = 2n ** 63n - 1n;

const num = (v: Value): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));

function view(x: Tensor, steps: readonly Step[] = []): Tensor {
  for (const s of steps) {
    if ('transpose' in s) x = x.transpose(s.transpose[0], s.transpose[1]);
    else if ('narrow' in s) x = x.narrow(s.narrow[0], s.narrow[1], s.narrow[2]);
    else x = x.expand(s.expand);
  }
  return x;
}

/** int64 data as a BigInt64Array (strings past 2^53 parse exactly), the rest as numbers. */
function make(spec: TensorSpec): Tensor {
  const data = spec.dtype === 'int64' ? BigInt64Array.from(spec.data, (v) => BigInt(v as string | number))
    : spec.dtype === 'bool' ? Uint8Array.from(spec.data, (v) => (v ? 1 : 0)) : Float64Array.from(spec.data, num);
  return view(core.tensor(data, { dtype: spec.dtype, device }).reshape(spec.shape), spec.view);
}

const decode = (a: Arg): unknown => ('t' in a ? make(a.t) : 's' in a ? a.s : a.v);

/** Exact comparison: int64 as BigInt, floats with NaN equal to NaN, bool as 0/1. */
async function check(actual: unknown, e: Expect, path: string): Promise<void> {
  if ('o' in e) {
    for (const [k, v] of Object.entries(e.o)) await check((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
    return;
  }
  if (!('t' in e)) throw new Error(`${path}: expected an error`);
  const t = actual as Tensor, spec = e.t;
  expect(t, path).toBeInstanceOf(core.Tensor);
  expect([t.dtype, t.shape], path).toEqual([spec.dtype, spec.shape]);
  const data = await t.data();
  if (spec.dtype === 'int64') {
    expect(data, path).toBeInstanceOf(BigInt64Array);
    expect(Array.from(data as BigInt64Array, String), path).toEqual(spec.data.map((v) => BigInt(v as string | number).toString()));
  } else if (spec.dtype === 'bool') {
    expect(Array.from(data as Uint8Array, (v) => v === 1), path).toEqual(spec.data);
  } else {
    expect(Array.from(data as Float64Array), path).toEqual(spec.data.map(num));
  }
}

function call(c: Case, args: unknown[]): unknown {
  if (c.method) {
    const [self, ...rest] = args as [Record<string, (...a: unknown[]) => unknown>, ...unknown[]];
    return self[c.call]!(...rest);
  }
  return (core as unknown as Record<string, (...a: unknown[]) => unknown>)[c.call]!(...args);
}

describe(`int64 on the cpu backend, exactly as torch ${fixture.torch}`, () => {
  it('the fixture covers every family (guards against a truncated file)', () => {
    const ops = new Set(fixture.cases.map((c) => c.id.split('/')[0]));
    for (const op of ['add', 'sub', 'mul', 'neg', 'abs', 'pow', 'remainder', 'eq', 'lt', 'where', 'sum', 'prod', 'cumsum', 'max', 'argmax', 'to', 'contiguous', 'gather', 'indexSelect', 'arange', 'matmul']) {
      expect(ops.has(op), op).toBe(true);
    }
  });

  for (const c of fixture.cases) {
    it(`${c.id}: ${c.torch}`, async () => {
      const args = c.args.map(decode);
      if ('error' in c.expect) {
        const cls = (core as unknown as Record<string, new () => Error>)[c.expect.error]!;
        expect(() => call(c, args), `torch: ${c.expect.torchError}`).toThrow(cls);
        return;
      }
      let r = call(c, args);
      if (c.then) r = view(r as Tensor, c.then);
      await check(r, c.expect, c.id);
    });
  }
});

describe('int64 at the host edge', () => {
  const values = fixture.roundtrip.map((v) => BigInt(v));

  it('tensor() from a BigInt64Array and from a bigint list keeps every bit; data() gives a BigInt64Array', async () => {
    for (const x of [core.tensor(BigInt64Array.from(values)), core.tensor(values)]) {
      expect(x.dtype).toBe('int64');
      const d = await x.data();
      expect(d).toBeInstanceOf(BigInt64Array);
      expect(Array.from(d as BigInt64Array)).toEqual(values);
      expect(Array.from(x.dataSync() as BigInt64Array)).toEqual(values);
    }
  });

  it('fromBlob wraps a BigInt64Array without copying, and reads back exactly', async () => {
    const blob = BigInt64Array.from(values);
    // fromBlob's declared parameter type lists no BigInt64Array yet; at run time core infers int64 from it
    const x = core.fromBlob(blob as unknown as Int32Array, [values.length]);
    expect(x.dtype).toBe('int64');
    blob[0] = 2n ** 60n + 1n; // shared storage: the tensor sees the write
    expect(Array.from(await x.data() as BigInt64Array)).toEqual([2n ** 60n + 1n, ...values.slice(1)]);
    expect(Array.from(await x.add(x).data() as BigInt64Array)[2]).toBe(BigInt.asIntN(64, 2n * values[2]!));
  });

  it('clone, contiguous and narrow of large values are exact', async () => {
    const x = core.tensor([[2n ** 60n + 1n, MIN], [MAX, -(2n ** 53n) - 1n]]);
    expect(Array.from(await x.clone().data() as BigInt64Array)).toEqual([2n ** 60n + 1n, MIN, MAX, -(2n ** 53n) - 1n]);
    expect(Array.from(await x.t().contiguous().data() as BigInt64Array)).toEqual([2n ** 60n + 1n, MAX, MIN, -(2n ** 53n) - 1n]);
  });

  it('a safetensors I64 round trip through @flint/nn is exact', async () => {
    const x = core.tensor([2n ** 60n + 1n, MIN, MAX, 2n ** 53n + 1n]);
    const bytes = await saveToBytes({ big: x });
    const back = loadFromBytes(bytes).big!;
    expect(back.dtype).toBe('int64');
    expect(Array.from(await back.data() as BigInt64Array)).toEqual([2n ** 60n + 1n, MIN, MAX, 2n ** 53n + 1n]);
  });

  // a bigint scalar past 2^53 reaches the kernel exactly (torch gives 2^60 + 4 here)
  it('a + (2n ** 60n + 1n) with a bigint scalar past 2^53 is exact, as is full() with one', async () => {
    const a = core.tensor([3n]);
    expect(Array.from(await a.add(2n ** 60n + 1n).data() as BigInt64Array)).toEqual([2n ** 60n + 4n]);
    expect(Array.from(await core.full([2], -(2n ** 62n) - 7n).data() as BigInt64Array)).toEqual([-(2n ** 62n) - 7n, -(2n ** 62n) - 7n]);
    expect(() => core.tensor([2n]).pow(-1)).toThrow(/pow: integers \(int64\) to negative integer powers are not allowed/);
  });
});

describe('int64 edge cases torch cannot produce, and index inputs', () => {
  it('INT64_MIN % -1 is 0 (torch 1.13 dies with SIGFPE), and x % 0 is a ZeroDivisionError', async () => {
    expect(Array.from(await core.remainder(core.tensor([MIN, MAX]), core.tensor([-1n, -1n])).data() as BigInt64Array)).toEqual([0n, 0n]);
    expect(() => core.remainder(core.tensor([MIN]), core.tensor([0n]))).toThrow(core.ZeroDivisionError);
  });

  it('an int64 index past int32 or 2^53 is out of bounds, never wrapped to its low word', () => {
    const src = core.tensor([1, 2, 3]);
    for (const i of [2n ** 32n, 2n ** 32n + 1n, 2n ** 60n + 1n, MIN]) {
      expect(() => core.gather(src, 0, core.tensor([i]))).toThrow(core.IndexError);
      expect(() => core.indexSelect(src, 0, core.tensor([i]))).toThrow(core.IndexError);
    }
  });

  it('sums of a million int64 values are exact past the 2^20-element chunks, wrapping', async () => {
    const n = (1 << 20) + 5, big = new BigInt64Array(n).fill(MAX);
    let expected = 0n;
    for (let i = 0; i < n; i++) expected += MAX;
    const s = await core.sum(core.tensor(big)).data() as BigInt64Array;
    expect(s[0]).toBe(BigInt.asIntN(64, expected));
    const mixed = BigInt64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 2n ** 62n + BigInt(i) : -BigInt(i) * 4097n));
    let want = 0n;
    for (const v of mixed) want += v;
    expect((await core.sum(core.tensor(mixed)).data() as BigInt64Array)[0]).toBe(BigInt.asIntN(64, want));
  });

  it('maxPool2d gives int64 indices when asked (torch\'s dtype) and still pools when not', async () => {
    const x = core.tensor([[[[1, 5, 2, 0], [3, 4, 9, 8], [0, 0, 1, 1], [7, 0, 1, 6]]]]);
    const r = core.maxPool2d(x, 2, { returnIndices: true });
    expect(r.indices.dtype).toBe('int64');
    expect(Array.from(await r.indices.data() as BigInt64Array)).toEqual([1n, 6n, 12n, 15n]);
    expect(Array.from(await core.maxPool2d(x, 2).data() as Float32Array)).toEqual([5, 9, 7, 6]);
    const g = core.maxPool2dBackward(core.tensor([[[[1, 2], [3, 4]]]]), r.indices, [1, 1, 4, 4]);
    expect(Array.from(await g.data() as Float32Array)).toEqual([0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0, 0, 4]);
  });
});
