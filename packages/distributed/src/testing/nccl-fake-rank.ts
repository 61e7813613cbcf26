// Rank script for nccl.test.ts: the 'nccl' backend over fake-nccl.c (FLINT_NCCL_LIB / FLINT_CUDART_LIB): the
// unique id travels over MPI to every rank, each rank joins on its local device, queued work is awaited through
// CUDA events, NCCL errors become DistributedErrors; CPU tensors and DDP are refused with a reason. A
// 'fakecuda' device (the CPU backend over native memory whose buffers carry their address as `ptr`) stands
// for a CUDA backend, so the collectives run on tensors: device addresses, offsets, strided copies.
import '@flint/backend-cpu';
import { arange, getBackend, ones, registerBackend, zeros, type Backend, type DType, type Tensor } from '@flint/core';
import { Linear } from '@flint/nn';
import { DistributedDataParallel, allGather, allReduce, broadcast, destroyProcessGroup, getRank, initProcessGroup, reduceScatter } from '../index.js';
import { group } from '../group/process-group.js';
import { loadKoffi } from '../mpi/library.js';
import { NativeBuffer } from '../mpi/native.js';
import { runNccl, type NcclComm } from '../nccl/comm.js';
import { report } from './launch.js';

await initProcessGroup({ backend: 'nccl', timeout: 20 });
const rank = getRank(), s = group('test'), c = s.nccl as NcclComm;
const fake = loadKoffi().load(process.env.FLINT_NCCL_LIB!);
const info = new NativeBuffer(s.mpi, 'int32', 3);
fake.func('fakeNcclCommInfo', 'int', ['void *', 'void *'])(c.comm, info.ptr);
const device = fake.func('fakeCudaDevice', 'int', [])();
const buf = new NativeBuffer(s.mpi, 'float32', 3);
(buf.array as Float32Array).set([1, 2, 3]);
await runNccl(s, 'allReduce', (k) => k.lib.AllReduce(buf.ptr, buf.ptr, 3, 7, 0, k.comm, k.stream));
const errors: string[] = [];
const attempt = async (f: () => unknown): Promise<void> => { try { await f(); errors.push('no error'); } catch (e) { errors.push(`${(e as Error).name}: ${(e as Error).message}`); } };
await attempt(() => runNccl(s, 'allReduce', (k) => k.lib.AllReduce(buf.ptr, buf.ptr, 3, 2, 0, k.comm, k.stream)));
await attempt(() => allReduce(ones([2])));
await attempt(() => new DistributedDataParallel(new Linear(2, 2)));
// tensors on a device whose buffers expose their address
const koffi = loadKoffi();
const cpu = getBackend('cpu') as unknown as Backend<unknown>;
const BYTES: Partial<Record<DType, [number, (b: ArrayBuffer, n: number) => ArrayBufferView]>> = { float32: [4, (b, n) => new Float32Array(b, 0, n)], int64: [8, (b, n) => new BigInt64Array(b, 0, n)], int32: [4, (b, n) => new Int32Array(b, 0, n)], bool: [1, (b, n) => new Uint8Array(b, 0, n)] };
registerBackend('fakecuda', () => ({
  ...cpu, name: 'fakecuda',
  allocate(dtype: DType, n: number) {
    const [bytes, make] = BYTES[dtype]!;
    const ptr = koffi.alloc('uint8_t', Math.max(1, n * bytes));
    return Object.assign(make(koffi.view(ptr, Math.max(1, n * bytes)), n), { ptr });
  },
}) as Backend<unknown>);
const dev = (t: Tensor): Promise<unknown> => t.tolist();
const tensors: Record<string, unknown> = {};
const t = arange(6, { dtype: 'float32', device: 'fakecuda' }).reshape(2, 3);
await allReduce(t);
tensors.allReduce = await dev(t);
const base = arange(6, { dtype: 'float32', device: 'fakecuda' }).reshape(2, 3);
await allReduce(base.narrow(0, 1, 1)); // a view at an offset: only the second row moves
tensors.offset = await dev(base);
const strided = arange(6, { dtype: 'float32', device: 'fakecuda' }).reshape(2, 3);
await allReduce(strided.t(), { op: 'sum' }); // through a contiguous copy, written back
tensors.strided = await dev(strided);
const outs = [zeros([3], { device: 'fakecuda' }), zeros([3], { device: 'fakecuda' })];
await allGather(outs, arange(3, { dtype: 'float32', device: 'fakecuda' }).add(10 * rank));
tensors.allGather = await Promise.all(outs.map(dev));
const out = zeros([3], { device: 'fakecuda' });
await reduceScatter(out, arange(6, { dtype: 'float32', device: 'fakecuda' }));
tensors.reduceScatter = await dev(out);
const b = arange(3, { dtype: 'float32', device: 'fakecuda' }).add(rank);
await broadcast(b, { src: 0 });
tensors.broadcast = await dev(b);
report(rank, { rank, tensors, comm: Array.from(info.array as Int32Array), device, stream: String(c.stream), reduced: Array.from(buf.array as Float32Array), errors });
await destroyProcessGroup();
