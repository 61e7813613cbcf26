import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import * as F from '@flint/core';
import { DataLoader, DataLoaderTimeoutError, Dataset, IterableDataset, RandomCrop, TensorDataset, defaultCollate } from '@flint/data';
import type { RawImage } from '@flint/data';

const range = (n: number) => F.arange(n).reshape(n, 1).float();
async function epoch(loader: DataLoader<F.Tensor[], F.Tensor[]>): Promise<number[][]> {
  const out: number[][] = [];
  for await (const [x, y] of loader) {
    out.push((await x!.flatten().tolist()) as number[]);
    x!.dispose(); y!.dispose();
  }
  return out;
}

describe('DataLoader batching', () => {
  const ds = new TensorDataset(range(10), F.arange(10));
  it('gives batches of batchSize with a short last batch, and its length', async () => {
    const loader = new DataLoader(ds, { batchSize: 4 });
    expect(loader.length).toBe(3);
    const shapes: number[][] = [];
    for await (const [x, y] of loader) { shapes.push([...x!.shape, ...y!.shape]); x!.dispose(); y!.dispose(); }
    expect(shapes).toEqual([[4, 1, 4], [4, 1, 4], [2, 1, 2]]);
    expect(await epoch(loader)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  });
  it('dropLast drops the short batch', async () => {
    const loader = new DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(loader.length).toBe(2);
    expect((await epoch(loader)).length).toBe(2);
  });
  it('shuffles reproducibly from the seed, with a new permutation each epoch', async () => {
    const a = new DataLoader(ds, { batchSize: 5, shuffle: true, seed: 42 });
    const b = new DataLoader(ds, { batchSize: 5, shuffle: true, seed: 42 });
    const a0 = (await epoch(a)).flat(), a1 = (await epoch(a)).flat();
    const b0 = (await epoch(b)).flat(), b1 = (await epoch(b)).flat();
    expect(a0).toEqual(b0);
    expect(a1).toEqual(b1);
    expect(a0).not.toEqual(a1);
    expect([...a0].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await epoch(new DataLoader(ds, { batchSize: 5, shuffle: true, seed: 43 }))).flat()).not.toEqual(a0);
    // setEpoch replays an epoch
    b.setEpoch(1);
    expect((await epoch(b)).flat()).toEqual(a1);
  });
  it('without a seed, manualSeed makes shuffling reproducible', async () => {
    F.manualSeed(5);
    const x = (await epoch(new DataLoader(ds, { batchSize: 10, shuffle: true }))).flat();
    F.manualSeed(5);
    expect((await epoch(new DataLoader(ds, { batchSize: 10, shuffle: true }))).flat()).toEqual(x);
  });
  it('rejects options PyTorch rejects', () => {
    expect(() => new DataLoader(ds, { batchSampler: { length: 1, *[Symbol.iterator]() { yield [0]; } }, batchSize: 2 })).toThrow(/mutually exclusive/);
    expect(() => new DataLoader(ds, { numWorkers: -1 })).toThrow(/numWorkers/);
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(/positive integer/);
  });
  it('numWorkers > 0 from the browser entry says where worker threads live', async () => {
    const loader = new DataLoader(ds, { numWorkers: 2, worker: { module: '/nowhere.js' } });
    await expect(async () => { for await (const _ of loader) break; }).rejects.toThrow(/import \{ DataLoader \} from '@flint\/data\/node'/);
  });
});

describe('default collate', () => {
  it('stacks tensors, numbers (int64 if all integers, else float32), nested arrays and objects', async () => {
    const b = defaultCollate([{ a: 1, b: [0.5, F.tensor([1, 2])], s: 'x' }, { a: 2, b: [1, F.tensor([3, 4])], s: 'y' }]) as { a: F.Tensor; b: [F.Tensor, F.Tensor]; s: string[] };
    expect(b.a.dtype).toBe('int64');
    expect(b.b[0].dtype).toBe('float32');
    expect(await b.b[0].tolist()).toEqual([0.5, 1]);
    expect(await b.b[1].tolist()).toEqual([[1, 2], [3, 4]]);
    expect(b.s).toEqual(['x', 'y']);
    const t = defaultCollate([Int32Array.from([1, 2]), Int32Array.from([3, 4])]) as F.Tensor;
    expect([t.dtype, ...t.shape]).toEqual(['int32', 2, 2]);
    expect(() => defaultCollate([{ data: new Uint8Array(1), height: 1, width: 1, channels: 1 }])).toThrow(/ToTensor/);
  });
});

describe('DataLoader memory', () => {
  it('leaves no tensors behind across an epoch when the consumer disposes batches', async () => {
    const ds = new TensorDataset(F.randn([20, 3]), F.arange(20));
    const before = F.memory().tensors;
    for await (const [x, y] of new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 1, prefetch: 3 })) { x!.dispose(); y!.dispose(); }
    expect(F.memory().tensors).toBe(before);
  });
  it('frees batches loaded ahead when the consumer stops early', async () => {
    const ds = new TensorDataset(F.randn([20, 3]), F.arange(20));
    const before = F.memory().tensors;
    for await (const [x, y] of new DataLoader(ds, { batchSize: 2, prefetch: 4 })) { x!.dispose(); y!.dispose(); break; }
    expect(F.memory().tensors).toBe(before);
  });
});

/** Tensor items [i, i]; getItem(at) throws, or (async) never settles. */
class Faulty extends Dataset<F.Tensor> {
  constructor(readonly length: number, readonly at: number, readonly fault: 'throw' | 'never') { super(); }
  getItem(i: number): F.Tensor | Promise<F.Tensor> {
    if (i !== this.at) return this.fault === 'never' ? Promise.resolve(F.tensor([i, i])) : F.tensor([i, i]);
    if (this.fault === 'throw') throw new RangeError(`item ${i} is broken`);
    return new Promise<F.Tensor>(() => {});
  }
}

describe('DataLoader failures on the main thread (numWorkers: 0)', () => {
  it('a getItem that throws partway through a batch leaks none of the items already loaded', async () => {
    const before = F.memory().tensors;
    const got: number[][] = [];
    await expect(async () => {
      for await (const b of new DataLoader(new Faulty(12, 6, 'throw'), { batchSize: 4 })) { got.push((await b.tolist()) as number[]); b.dispose(); }
    }).rejects.toThrow(/item 6 is broken/);
    expect(got).toEqual([[[0, 0], [1, 1], [2, 2], [3, 3]]]);
    expect(F.memory().tensors).toBe(before);
  });
  it('timeout applies to an asynchronous getItem, naming the item; what was loaded is freed', async () => {
    const before = F.memory().tensors;
    const start = Date.now();
    const loader = new DataLoader(new Faulty(8, 5, 'never'), { batchSize: 2, timeout: 0.2 });
    const err = await (async () => { try { for await (const b of loader) b.dispose(); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(DataLoaderTimeoutError);
    expect((err as Error).message).toMatch(/^DataLoader: getItem\(5\) did not settle within 0\.2 s \(timeout\)/);
    expect(Date.now() - start).toBeLessThan(5000);
    expect(F.memory().tensors).toBe(before);
    expect(() => new DataLoader(new Faulty(1, 0, 'never'), { timeout: Number.NaN })).toThrow(/timeout should be a non-negative number of seconds/);
  });
  it('return() on the iterator frees the batches loaded ahead', async () => {
    const before = F.memory().tensors;
    const it = new DataLoader(new Faulty(20, -1, 'throw'), { batchSize: 2, prefetch: 4 })[Symbol.asyncIterator]();
    (await it.next()).value.dispose();
    await it.return?.(undefined);
    expect(F.memory().tensors).toBe(before);
  });
});

class Images extends Dataset<[RawImage, number]> {
  readonly length = 6;
  getItem(i: number): [RawImage, number] {
    return [{ data: Uint8Array.from({ length: 16 }, (_, k) => i * 16 + k), height: 4, width: 4, channels: 1 }, i];
  }
}

describe('DataLoader and random transforms', () => {
  it('gives each sample its own generator: the same seed, the same crops; async getItem works', async () => {
    const crop = new RandomCrop(2);
    const ds = new (class extends Dataset<[F.Tensor, number]> {
      readonly length = 6;
      private readonly inner = new Images();
      async getItem(i: number): Promise<[F.Tensor, number]> {
        await new Promise((r) => setTimeout(r, 1));
        const [img, y] = this.inner.getItem(i);
        const c = crop.apply(img) as RawImage;
        return [F.tensor(Array.from(c.data)), y];
      }
    })();
    const run = async (seed: number) => {
      const out: unknown[] = [];
      for await (const [x, y] of new DataLoader(ds, { batchSize: 4, seed })) { out.push(await x.tolist(), await y.tolist()); x.dispose(); y.dispose(); }
      return out;
    };
    expect(await run(1)).toEqual(await run(1));
    expect(await run(1)).not.toEqual(await run(2));
  });
  it('batches an IterableDataset in order', async () => {
    const stream = new (class extends IterableDataset<number> {
      async *[Symbol.asyncIterator]() { for (let i = 0; i < 5; i++) yield i; }
    })();
    const got: unknown[] = [];
    const loader = new DataLoader(stream, { batchSize: 2 });
    for await (const b of loader) { got.push(await b.tolist()); b.dispose(); }
    expect(got).toEqual([[0, 1], [2, 3], [4]]);
    expect(() => loader.length).toThrow(/no length/);
  });
});

describe('mistakes a PyTorch user makes', () => {
  const ds = () => new TensorDataset(range(4), F.arange(4));
  it('for...of instead of for await says so', () => {
    const loader = new DataLoader(ds(), { batchSize: 2 });
    expect(() => { for (const _ of loader as unknown as Iterable<unknown>) { /* never reached */ } }).toThrow(/DataLoader: batches load asynchronously; iterate with `for await \(const batch of loader\)`/);
  });
  it.each([
    ['batch_size', /DataLoader: unknown option 'batch_size' \(did you mean 'batchSize'\?\)/],
    ['num_workers', /DataLoader: unknown option 'num_workers' \(did you mean 'numWorkers'\?\)/],
    ['drop_last', /DataLoader: unknown option 'drop_last' \(did you mean 'dropLast'\?\)/],
    ['collate_fn', /DataLoader: unknown option 'collate_fn'/],
  ])('an unknown DataLoader option (%s) is a TypeError', (key, message) => {
    expect(() => new DataLoader(ds(), { [key]: 4 } as never)).toThrow(TypeError);
    expect(() => new DataLoader(ds(), { [key]: 4 } as never)).toThrow(message);
  });
  it('transforms and samplers check their options too', () => {
    expect(() => new RandomCrop(2, { pad_if_needed: true } as never)).toThrow(/RandomCrop: unknown option 'pad_if_needed' \(did you mean 'padIfNeeded'\?\)/);
  });
});
