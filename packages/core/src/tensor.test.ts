import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import * as F from '@flint/core';
import { DisposedError, DTypeError, ShapeError, IndexError } from '@flint/core';

describe('creation and reading', () => {
  it('infers shape and dtype from nested data', async () => {
    const t = F.tensor([[1, 2], [3, 4]]);
    expect(t.shape).toEqual([2, 2]);
    expect(t.dtype).toBe('float32');
    expect(F.tensor([true, false]).dtype).toBe('bool');
    expect(F.tensor([1n, 2n]).dtype).toBe('int64');
    expect(F.tensor(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(await t.tolist()).toEqual([[1, 2], [3, 4]]);
    expect(await F.tensor(3.5).item()).toBe(3.5);
  });
  it('item() is typed number (arithmetic needs no cast); item<boolean>() for a bool tensor', async () => {
    const loss: number = await F.tensor([1.5, 2]).sum().item(); // a type error if item() were number | boolean
    const flag: boolean = F.tensor(true).itemSync<boolean>();
    expect(loss * 2).toBe(7);
    expect(flag).toBe(true);
  });
  it('returns int64 data as BigInt64Array and half types as Float32Array', async () => {
    expect(await F.tensor([1, 2], { dtype: 'int64' }).data()).toEqual(new BigInt64Array([1n, 2n]));
    const h = F.tensor([1 / 3, 1e5], { dtype: 'float16' });
    const d = await h.data();
    expect(d).toBeInstanceOf(Float32Array);
    expect(d[0]).toBeCloseTo(0.33325195, 7); // nearest half
    expect(d[1]).toBe(Infinity); // beyond float16's range, as torch
    expect((await F.tensor([1 / 3], { dtype: 'bfloat16' }).data())[0]).toBeCloseTo(0.333984375, 8);
  });
  it('rejects ragged data', () => {
    expect(() => F.tensor([[1, 2], [3]])).toThrow(ShapeError);
  });
  it('creates ranges like torch', async () => {
    expect(F.arange(5).dtype).toBe('int64');
    expect(await F.arange(0, 1, 0.25).tolist()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(Array.from(await F.linspace(0, 1, 5).data<Float32Array>())).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(await F.eye(2, 3).tolist()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(await F.zeros(2, 3).tolist()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(await F.full([2], 7, { dtype: 'int32' }).tolist()).toEqual([7, 7]);
    expect(() => F.arange(0, 5, -1)).toThrow(ShapeError);
  });
  it('wraps a typed array without copying on the CPU', async () => {
    const buf = new Float32Array([1, 2, 3, 4]);
    const t = F.fromBlob(buf, [2, 2]);
    buf[0] = 9;
    expect(await t.tolist()).toEqual([[9, 2], [3, 4]]);
  });
});

describe('type promotion', () => {
  const cases: [F.Tensor | number, F.Tensor | number, string][] = [];
  it('follows torch.result_type', () => {
    const i32 = F.tensor([1, 2], { dtype: 'int32' }), i64 = F.tensor([1, 2], { dtype: 'int64' });
    const f32 = F.tensor([1, 2]), f64s = F.tensor(1, { dtype: 'float64' });
    const b = F.tensor([true, false]), u8 = F.tensor([1, 2], { dtype: 'uint8' });
    expect(i32.add(2.5).dtype).toBe('float32');
    expect(i32.add(2).dtype).toBe('int32');
    expect(i32.add(i64).dtype).toBe('int64');
    expect(b.add(i32).dtype).toBe('int32');
    expect(u8.add(i32).dtype).toBe('int32');
    expect(f32.add(f64s).dtype).toBe('float32'); // 0-d tensors don't widen dimensioned ones
    expect(i32.div(i32).dtype).toBe('float32');
    expect(i32.sum().dtype).toBe('int64');
    expect(f32.lt(1).dtype).toBe('bool');
    expect(cases).toEqual([]);
  });
  it('treats bool + as or and bool * as and', async () => {
    const a = F.tensor([true, true, false]), b = F.tensor([true, false, false]);
    expect(await a.add(b).tolist()).toEqual([true, true, false]);
    expect(await a.mul(b).tolist()).toEqual([true, false, false]);
    expect(() => a.sub(b)).toThrow(DTypeError);
  });
});

describe('views share storage', () => {
  it('reshape/permute/transpose/narrow/select/expand are views', async () => {
    const x = F.arange(12).reshape(3, 4);
    for (const v of [x.reshape([4, 3]), x.t(), x.permute(1, 0), x.narrow(1, 1, 2), x.select(0, 1), x.unsqueeze(0).expand(2, 3, 4)]) {
      expect(v.storage).toBe(x.storage);
    }
    expect(await x.t().contiguous().tolist()).toEqual([[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]]);
    expect(await x.narrow(1, 1, 2).tolist()).toEqual([[1, 2], [5, 6], [9, 10]]);
    expect(await x.select(1, -1).tolist()).toEqual([3, 7, 11]);
  });
  it('reshape copies only when a view is impossible; view refuses', () => {
    const x = F.arange(6).reshape(2, 3).t();
    expect(x.reshape(6).storage).not.toBe(x.storage);
    expect(() => x.view(6)).toThrow(ShapeError);
  });
  it('writes through views in place', async () => {
    const x = F.zeros(2, 3);
    x.narrow(1, 1, 1).fill_(5);
    expect(await x.tolist()).toEqual([[0, 5, 0], [0, 5, 0]]);
    expect(x.storage.version).toBe(1);
  });
  it('accepts varargs and array shapes, and one -1', () => {
    const x = F.arange(24);
    expect(x.reshape(2, -1, 4).shape).toEqual([2, 3, 4]);
    expect(x.reshape([4, -1]).shape).toEqual([4, 6]);
    expect(() => x.reshape(5, -1)).toThrow(/invalid for input of size 24/);
  });
});

describe('errors name the op, the shapes and the fix', () => {
  it('broadcast mismatch', () => {
    expect(() => F.add(F.zeros(2, 3), F.zeros(4))).toThrow("add: shapes [2,3] and [4] can't be broadcast (dim -1: 3 vs 4); sizes must match or be 1");
  });
  it('matmul mismatch', () => {
    expect(() => F.matmul(F.zeros(2, 3), F.zeros(4, 5))).toThrow("matmul: shapes [2,3] and [4,5] don't align (3 != 4)");
  });
  it('bad dims and indices', () => {
    expect(() => F.zeros(2, 3).sum(2)).toThrow(IndexError);
    expect(() => F.gather(F.zeros(3), 0, F.tensor([5], { dtype: 'int64' }))).toThrow(IndexError);
    expect(() => F.gather(F.zeros(3), 0, F.tensor([1]))).toThrow(DTypeError);
  });
  it('disposed tensors', () => {
    const x = F.ones(2);
    x.dispose();
    expect(() => x.add(1)).toThrow(DisposedError);
    expect(() => x.dataSync()).toThrow(DisposedError);
  });
  it('in-place result that cannot be cast back', () => {
    expect(() => F.tensor([1, 2], { dtype: 'int32' }).add_(0.5)).toThrow(DTypeError);
  });
  it('autograd members say what to install', () => {
    expect(() => F.ones(1).backward()).toThrow(/@flint\/autograd/);
  });
});

describe('memory', () => {
  it('scope disposes what it does not return, sync and async', async () => {
    const before = F.memory().tensors;
    const kept = F.scope(() => {
      const a = F.ones(3), b = a.mul(2);
      return b.add(1);
    });
    expect(F.memory().tensors).toBe(before + 1);
    const r = await F.scope(async () => {
      const a = F.ones(3);
      await new Promise((res) => setTimeout(res, 1));
      const b = a.add(1);
      return { b };
    });
    expect(F.memory().tensors).toBe(before + 2);
    kept.dispose(); r.b.dispose();
    expect(F.memory().tensors).toBe(before);
  });
  it('views keep storage alive until the last one goes', () => {
    const before = F.memory().bytes;
    const x = F.zeros(100), v = x.reshape(10, 10);
    x.dispose();
    expect(F.memory().bytes).toBe(before + 400);
    v.dispose();
    expect(F.memory().bytes).toBe(before);
  });
  it('ops leave no intermediates behind', () => {
    const x = F.randn(4, 5);
    const before = F.memory().tensors;
    const y = F.scope(() => F.logsumexp(F.softmax(x, 1).mul(3), 1));
    expect(F.memory().tensors).toBe(before + 1);
    y.dispose();
  });
  it('using disposes at block end', () => {
    const before = F.memory().tensors;
    {
      using t = F.ones(2);
      expect(t.numel()).toBe(2);
    }
    expect(F.memory().tensors).toBe(before);
  });
});

describe('printing', () => {
  it('prints like torch', () => {
    expect(F.tensor([[1, 2.5], [3, 4]]).toString()).toBe('tensor([[1.0000, 2.5000],\n        [3.0000, 4.0000]])');
    expect(F.tensor([1, 2]).toString()).toBe('tensor([1., 2.])');
    expect(F.tensor([1, 2], { dtype: 'int32' }).toString()).toBe('tensor([1, 2], dtype=int32)');
    expect(F.tensor([true]).toString()).toBe('tensor([True])');
    expect(F.tensor(2).toString()).toBe('tensor(2.)');
    expect(F.tensor([1e-5, 1]).toString()).toBe('tensor([1.0000e-05, 1.0000e+00])');
  });
});

describe('random numbers', () => {
  it('a seed gives the same counter-based stream', async () => {
    F.manualSeed(7);
    const a = Array.from(await F.rand(100).data<Float32Array>());
    F.manualSeed(7);
    const b = Array.from(await F.rand(100).data<Float32Array>());
    expect(a).toEqual(b);
    F.manualSeed(7);
    const { key } = { key: [7, 0] };
    expect(a[3]).toBeCloseTo(F.uniformAt(key[0]!, key[1]!, 3), 7);
  });
  it('randint and randperm', async () => {
    const r = Array.from(await F.randint(3, 7, [1000]).data(), Number);
    expect(Math.min(...r)).toBe(3);
    expect(Math.max(...r)).toBe(6);
    const p = Array.from(await F.randperm(50).data(), Number).sort((x, y) => x - y);
    expect(p).toEqual([...Array(50).keys()]);
  });
});

describe('hostile arguments', () => {
  it('integer remainder by zero is a ZeroDivisionError, as in torch; float remainder by zero is NaN', async () => {
    const { ZeroDivisionError } = F;
    const x = F.tensor([5n, -3n]);
    expect(() => x.remainder(0)).toThrow(ZeroDivisionError);
    expect(() => x.remainder(F.tensor([2n, 0n]))).toThrow(/remainder: integer division by zero \(int64, divisor of shape \[2\]\)/);
    expect(() => F.remainder(7, F.tensor([1, 0], { dtype: 'int32' }))).toThrow(ZeroDivisionError);
    expect(Array.from(await F.tensor([5.5, -3]).remainder(0).data() as Float32Array).every(Number.isNaN)).toBe(true);
  });
  it('a non-numeric fill value is a TypeError naming the op', () => {
    expect(() => F.full([3], 'x' as unknown as number)).toThrow(new TypeError('full: the fill value must be a number, boolean or bigint, got string "x"'));
    expect(() => F.zeros([2]).fill_({} as unknown as number)).toThrow(/full: the fill value must be a number, boolean or bigint, got object/);
  });
});

describe('operands that are not tensors or scalars', () => {
  it('are a TypeError naming the op and the argument, never a silent NaN', () => {
    const x = F.tensor([1, 2]);
    expect(() => x.add(undefined as unknown as number)).toThrow(new TypeError("add: argument 'other' must be a Tensor or a number, boolean or bigint, got undefined undefined"));
    expect(() => x.add(null as unknown as number)).toThrow(/add: argument 'other' must be a Tensor or a number, boolean or bigint, got null/);
    expect(() => x.add({} as unknown as number)).toThrow(/add: argument 'other' .* got Object/);
    expect(() => x.mul([1, 2] as unknown as number)).toThrow(/mul: argument 'other' .* got an array \(2 items\); make a tensor first/);
    expect(() => F.sub('3' as unknown as number, x)).toThrow(/sub: argument 'input' .* got string 3/);
    expect(() => x.lt(undefined as unknown as number)).toThrow(/lt: argument 'other'/);
    expect(() => F.where(x.gt(1), x, undefined as unknown as number)).toThrow(/where: argument 'other'/);
    expect(() => x.clamp({} as unknown as number)).toThrow(/clamp: argument 'min'/);
    expect(() => F.exp('2' as unknown as number)).toThrow(/exp: argument 'input'/);
    expect(() => F.logicalAnd(x, undefined as unknown as number)).toThrow(/logicalAnd: argument 'other'/);
  });
});

describe('broadcastTo', () => {
  it("is torch.broadcast_to: a view with new leading dims and stretched size-1 dims, checked", async () => {
    const x = F.tensor([[1], [2]]);
    const y = F.broadcastTo(x, [3, 2, 4]);
    expect(y.shape).toEqual([3, 2, 4]);
    expect(y.storage).toBe(x.storage);
    expect(await x.broadcastTo(-1, 2).tolist()).toEqual([[1, 1], [2, 2]]);
    expect(() => F.broadcastTo(x, [3, 3])).toThrow(/broadcastTo: shape \[2,1\] can't be broadcast to \[3,3\]/);
    expect(() => F.broadcastTo(x, [2])).toThrow(ShapeError);
  });
});
