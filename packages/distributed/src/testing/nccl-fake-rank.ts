// Rank script for nccl.test.ts: the 'nccl' backend over fake-nccl.c (FLINT_NCCL_LIB / FLINT_CUDART_LIB): the
// unique id travels over MPI to every rank, each rank joins on its local device, queued work is awaited through
// CUDA events, NCCL errors become DistributedErrors; CPU tensors and DDP are refused with a reason.
import '@flint/backend-cpu';
import { ones } from '@flint/core';
import { Linear } from '@flint/nn';
import { DistributedDataParallel, allReduce, destroyProcessGroup, getRank, initProcessGroup } from '../index.js';
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
report(rank, { rank, comm: Array.from(info.array as Int32Array), device, stream: String(c.stream), reduced: Array.from(buf.array as Float32Array), errors });
await destroyProcessGroup();
