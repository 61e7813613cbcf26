// The NCCL communicator of the default group, bootstrapped as Horovod does: rank 0 makes the unique id and
// MPI broadcasts it; each rank then joins with ncclCommInitRank on its CUDA device. Completion of queued
// NCCL work is polled with a CUDA event, under the same timeout as MPI requests.
import { DistributedError, DistributedTimeoutError } from '../errors.js';
import type { GroupState } from '../group/process-group.js';
import type { Ptr } from '../mpi/library.js';
import { NativeBuffer } from '../mpi/native.js';
import { loadNccl, type NcclLibrary } from './library.js';

/** The NCCL side of a process group. */
export interface NcclComm { lib: NcclLibrary; comm: Ptr; stream: Ptr; device: number; scratch: NativeBuffer }

/** Initialises NCCL for the group `s` (MPI is already up); `device` defaults to the launcher's local rank. */
export async function initNccl(s: GroupState, device?: number): Promise<NcclComm> {
  const lib = loadNccl();
  const dev = device ?? Number(process.env.OMPI_COMM_WORLD_LOCAL_RANK ?? process.env.MPI_LOCALRANKID ?? 0);
  cuda(lib, 'cudaSetDevice', lib.cudaSetDevice(dev));
  const id = new NativeBuffer(s.mpi, 'uint8', 128);
  try {
    if (s.rank === 0) nccl(lib, 'ncclGetUniqueId', lib.GetUniqueId(new Uint8Array(id.array.buffer, id.array.byteOffset, 128)));
    const slot = s.engine.start('initProcessGroup (NCCL id broadcast)', (req) => s.mpi.Ibcast(id.ptr, 128, s.mpi.handles.byte, 0, s.mpi.handles.commWorld, req));
    await s.engine.wait('initProcessGroup (NCCL id broadcast)', [slot]);
    const scratch = new NativeBuffer(s.mpi, 'int64', 2); // [0]: ncclComm_t, [1]: cudaStream_t / cudaEvent_t out-slot
    nccl(lib, 'ncclCommInitRank', lib.CommInitRank(scratch.ptr, s.size, { internal: (id.array as Uint8Array).slice() }, s.rank));
    cuda(lib, 'cudaStreamCreate', lib.cudaStreamCreate(scratch.at(1)));
    const words = scratch.array as BigInt64Array;
    return { lib, comm: BigInt.asUintN(64, words[0]!), stream: BigInt.asUintN(64, words[1]!), device: dev, scratch };
  } finally { id.free(); }
}

/** Destroys the communicator. */
export function destroyNccl(s: GroupState): void {
  const c = s.nccl as NcclComm;
  c.lib.CommDestroy(c.comm);
  c.scratch.free();
}

/** Queues `launch` on the group's stream and resolves once the GPU finished it (polled with a CUDA event). */
export async function runNccl(s: GroupState, name: string, launch: (c: NcclComm) => number): Promise<void> {
  const c = s.nccl as NcclComm;
  s.engine.check(name);
  nccl(c.lib, name, launch(c));
  const slot = new NativeBuffer(s.mpi, 'int64', 1);
  cuda(c.lib, 'cudaEventCreate', c.lib.cudaEventCreate(slot.ptr));
  const event = BigInt.asUintN(64, (slot.array as BigInt64Array)[0]!);
  slot.free();
  cuda(c.lib, 'cudaEventRecord', c.lib.cudaEventRecord(event, c.stream));
  const deadline = Date.now() + s.engine.timeoutMs;
  try {
    for (let polls = 0; ; polls++) {
      const rc = c.lib.cudaEventQuery(event);
      if (rc === 0) return;
      if (rc !== 600 /* cudaErrorNotReady */) cuda(c.lib, name, rc);
      if (Date.now() > deadline) {
        c.lib.CommAbort(c.comm); // NCCL kernels waiting for a dead peer never end on their own
        throw s.engine.timedOut(name, []) as DistributedTimeoutError;
      }
      await new Promise((r) => (polls < 64 ? setImmediate(r) : setTimeout(r, 1)));
    }
  } finally { c.lib.cudaEventDestroy(event); }
}

function nccl(lib: NcclLibrary, name: string, rc: number): void {
  if (rc !== 0) throw new DistributedError(`${name}: NCCL error ${rc} (${lib.GetErrorString(rc)})`);
}
function cuda(_lib: NcclLibrary, name: string, rc: number): void {
  if (rc !== 0) throw new DistributedError(`${name}: CUDA runtime error ${rc}`);
}
