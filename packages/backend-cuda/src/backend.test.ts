// The backend object over the fake driver: schema coverage (every required kernel, optional ones present or
// listed as composites with a reason), data round trips through write/read, and the launches core's ops
// produce — kernel names, grids and packed arguments — as a GPU would receive them.
import { BackendError, OPTIONAL_KERNELS, REQUIRED_KERNELS, backendProblems, registerBackend, removeBackend, tensor } from '@flint/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUDA_DTYPES } from './backend.js';
import { COMPOSITE_ON_CUDA, CUDNN_KERNELS } from './kernels/table.js';
import type { CudaBuffer } from './kernels/util.js';
import { fakeBackend } from './testing/fake-backend.js';

describe('schema coverage', () => {
  const { backend } = fakeBackend(true);
  it('passes core\'s registration checks (contract version, dtypes, kernel names, strided kernels)', () => {
    expect(backendProblems(backend)).toEqual([]);
  });
  it('has every required kernel', () => {
    expect(REQUIRED_KERNELS.filter((k) => typeof backend.kernels[k] !== 'function')).toEqual([]);
  });
  it('has every optional kernel but the composites it lists, each with a reason', () => {
    for (const k of OPTIONAL_KERNELS) {
      const composite = COMPOSITE_ON_CUDA[k];
      expect(typeof backend.kernels[k], k).toBe(composite ? 'undefined' : 'function');
      if (composite) expect(composite.length, k).toBeGreaterThan(10);
    }
  });
  it('without cuDNN, leaves convolution, batch norm and the RNN sequence kernels to the composites', () => {
    const noDnn = fakeBackend(false).backend;
    expect(CUDNN_KERNELS.filter((k) => noDnn.kernels[k] !== undefined)).toEqual([]);
    expect(backendProblems(noDnn)).toEqual([]);
  });
  it('computes 64-bit integers natively and 16-bit floats as float32', () => {
    expect(CUDA_DTYPES.int64.arithmetic).toBe(true);
    expect(CUDA_DTYPES.float16).toMatchObject({ storage: true, arithmetic: false, computeAs: 'float32' });
  });
});

describe('through core on the fake device', () => {
  let fake: ReturnType<typeof fakeBackend>;
  beforeAll(() => {
    fake = fakeBackend(false);
    registerBackend('fakecuda', () => fake.backend);
  });
  afterAll(() => removeBackend('fakecuda'));
  const launches = () => fake.drv.launches.map((l) => l.fn);

  it('round-trips float32, int64 and bool data through write and the pinned read', async () => {
    expect(await tensor([1.5, -2, 3], { device: 'fakecuda' }).data()).toEqual(new Float32Array([1.5, -2, 3]));
    expect(await tensor([2n ** 60n + 1n, -5n], { dtype: 'int64', device: 'fakecuda' }).data()).toEqual(new BigInt64Array([2n ** 60n + 1n, -5n]));
    expect(await tensor([true, false], { device: 'fakecuda' }).data()).toEqual(new Uint8Array([1, 0]));
  });
  it('an add launches bin_add_f32 over a dense Geo with the three buffers, the error flag and its site', () => {
    const a = tensor([1, 2, 3, 4], { device: 'fakecuda' }), b = tensor([1, 1, 1, 1], { device: 'fakecuda' });
    fake.drv.launches.length = 0;
    const c = a.add(b);
    expect(launches()).toEqual(['bin_add_f32']);
    const v = new DataView(fake.drv.launches[0]!.args.buffer);
    expect(Number(v.getBigInt64(0, true))).toBe(4); // n
    expect(v.getInt32(12, true)).toBe(1); // dense
    const ptrs = [368, 376, 384].map((o) => v.getBigUint64(o, true));
    expect(ptrs).toEqual([a.storage.buffer, b.storage.buffer, c.storage.buffer].map((x) => (x as CudaBuffer).block.ptr));
    expect(v.getBigUint64(392, true)).toBe(fake.ctx.rt.errFlag.ptr);
  });
  it('a broadcast operand reaches the kernel as stride 0, not as a copy', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]], { device: 'fakecuda' }), b = tensor([10, 20, 30], { device: 'fakecuda' });
    fake.drv.launches.length = 0;
    a.mul(b);
    expect(launches()).toEqual(['bin_mul_f32']);
    const v = new DataView(fake.drv.launches[0]!.args.buffer);
    expect(v.getInt32(8, true)).toBe(2); // ndim after merging
    expect(v.getInt32(12, true)).toBe(0); // strided
    const stride = (o: number, k: number) => Number(v.getBigInt64(80 + 8 * (o * 8 + k), true));
    expect([stride(2, 0), stride(2, 1)]).toEqual([0, 1]);
  });
  it('a sum launches one block per output row', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], { device: 'fakecuda' });
    fake.drv.launches.length = 0;
    x.sum(1);
    const l = fake.drv.launches.at(-1)!;
    expect(l.fn).toBe('sum_f32');
    expect(l.grid[0]).toBe(2);
    const v = new DataView(l.args.buffer);
    expect([Number(v.getBigInt64(16, true)), Number(v.getBigInt64(24, true))]).toEqual([2, 3]);
  });
  it('float matmul without cuBLAS is a BackendError that says so', () => {
    const a = tensor([[1, 2]], { device: 'fakecuda' }), b = tensor([[1], [2]], { device: 'fakecuda' });
    expect(() => a.matmul(b)).toThrow(BackendError);
    expect(() => a.matmul(b)).toThrow(/cuBLAS is not loaded/);
  });
  it('memory() counts live buffers and bytes from the allocator', () => {
    const before = fake.backend.memory();
    const t = tensor(new Float32Array(1000), { device: 'fakecuda' });
    expect(fake.backend.memory().bytes - before.bytes).toBe(4096); // 4000 bytes rounded to 512
    expect(fake.backend.memory().buffers - before.buffers).toBe(1);
    t.dispose();
    expect(fake.backend.memory()).toEqual(before);
  });
});
