// Rank script for collectives.test.ts: every collective on every dtype (contiguous and transposed inputs),
// next to a reference computed in this process from all ranks' inputs; prints one RESULT line per rank.
import '@flint/backend-cpu';
import { arange, stack, tensor, zeros, type DType, type Tensor } from '@flint/core';
import { allGather, allReduce, barrier, broadcast, destroyProcessGroup, getRank, getWorldSize, initProcessGroup, recv, reduceScatter, send, type ReduceOp } from '../index.js';
import { report } from './launch.js';

await initProcessGroup({ backend: 'mpi', timeout: 20 });
const rank = getRank(), size = getWorldSize();
const cases: { name: string; got: unknown; want: unknown }[] = [];
const list = async (t: Tensor): Promise<unknown> => JSON.parse(JSON.stringify(await t.tolist(), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));

/** Rank r's input: small integers (exact in every dtype), shaped [rows, cols]; transposed when `strided`. */
function input(r: number, dtype: DType, rows: number, cols: number, strided: boolean): Tensor {
  const n = rows * cols;
  const base = arange(n, { dtype }).mul(r + 1).add(r - 3);
  return strided ? base.reshape(cols, rows).t() : base.reshape(rows, cols);
}

for (const dtype of ['float32', 'float64', 'int32', 'int64'] as DType[]) {
  for (const strided of [false, true]) {
    const tag = `${dtype}${strided ? ' strided' : ''}`;
    const ops: ReduceOp[] = dtype.startsWith('float') ? ['sum', 'avg', 'max', 'min', 'product'] : ['sum', 'max', 'min', 'product'];
    for (const op of ops) {
      const t = input(rank, dtype, 3, 5, strided);
      const all = stack(Array.from({ length: size }, (_, r) => input(r, dtype, 3, 5, strided)));
      const want = op === 'sum' ? all.sum(0, false, { dtype }) : op === 'avg' ? all.sum(0).div(size) : op === 'max' ? all.amax(0) : op === 'min' ? all.amin(0) : all.prod(0, false, { dtype });
      const back = await allReduce(t, { op });
      cases.push({ name: `allReduce ${op} ${tag} (in place: ${back === t})`, got: await list(t), want: await list(want) });
    }
    const b = input(rank, dtype, 4, 3, strided);
    await broadcast(b, { src: size - 1 });
    cases.push({ name: `broadcast ${tag}`, got: await list(b), want: await list(input(size - 1, dtype, 4, 3, strided)) });
    const outs = Array.from({ length: size }, () => zeros([5, 2], { dtype }).t());
    await allGather(outs, input(rank, dtype, 2, 5, strided));
    cases.push({ name: `allGather ${tag}`, got: await Promise.all(outs.map(list)), want: await Promise.all(Array.from({ length: size }, (_, r) => list(input(r, dtype, 2, 5, strided)))) });
    const out = zeros([2, 3], { dtype });
    await reduceScatter(out, input(rank, dtype, 2 * size, 3, strided));
    const total = stack(Array.from({ length: size }, (_, r) => input(r, dtype, 2 * size, 3, strided))).sum(0, false, { dtype });
    cases.push({ name: `reduceScatter sum ${tag}`, got: await list(out), want: await list(total.narrow(0, 2 * rank, 2)) });
    // point to point: each rank sends to the next and receives from the previous, into a transposed tensor
    const into = zeros([3, 4], { dtype }).t();
    const sent = send(input(rank, dtype, 4, 3, strided), (rank + 1) % size, { tag: 3 });
    await recv(into, (rank + size - 1) % size, { tag: 3 });
    await sent;
    cases.push({ name: `send/recv ${tag}`, got: await list(into), want: await list(input((rank + size - 1) % size, dtype, 4, 3, strided)) });
  }
}
// a size that is no multiple of anything in particular, large enough to take MPI's segmented paths
const big = arange(100_003, { dtype: 'float32' }).add(rank);
await allReduce(big);
const at = [0, 1, 65_536, 99_999, 100_002];
cases.push({ name: 'allReduce sum float32 [100003]', got: await Promise.all(at.map((i) => big.narrow(0, i, 1).item())), want: at.map((i) => size * i + (size * (size - 1)) / 2) });
// int64 beyond 2^53 stays exact
const wide = tensor([2n ** 60n + BigInt(rank), -(2n ** 62n)], { dtype: 'int64' });
await allReduce(wide, { op: 'max' });
cases.push({ name: 'allReduce max int64 beyond 2^53', got: Array.from(await wide.data(), String), want: [(2n ** 60n + BigInt(size - 1)).toString(), (-(2n ** 62n)).toString()] });
// bool reduces with max (any) and min (all); uint8 sums
const flags = tensor([true, rank === 0, false]);
await allReduce(flags, { op: 'max' });
const all = tensor([true, rank === 0, false]);
await allReduce(all, { op: 'min' });
const bytes = tensor([1, 2, 250 + rank], { dtype: 'uint8' });
await allReduce(bytes);
cases.push({ name: 'allReduce bool max/min, uint8 sum', got: [await list(flags), await list(all), await list(bytes)], want: [[true, true, false], [true, false, false], [size, 2 * size, (250 * size + (size * (size - 1)) / 2) % 256]] });
// mismatched shapes and dtypes fail on every rank with an error naming the collective
const errors: string[] = [];
try { await allReduce(zeros([rank === 0 ? 3 : 4])); } catch (e) { errors.push(`${(e as Error).name}: ${(e as Error).message}`); }
try { await broadcast(zeros([2], { dtype: rank === 0 ? 'float32' : 'float64' })); } catch (e) { errors.push(`${(e as Error).name}: ${(e as Error).message}`); }
try { await (rank === 0 ? allReduce(zeros([2])) : broadcast(zeros([2]))); } catch (e) { errors.push(`${(e as Error).name}: ${(e as Error).message}`); }
// the group still works after a mismatch
const after = tensor([rank + 1]);
await allReduce(after);
cases.push({ name: 'allReduce after a mismatch', got: await list(after), want: [(size * (size + 1)) / 2] });
await barrier();
report(rank, { rank, size, cases, errors });
await destroyProcessGroup();
