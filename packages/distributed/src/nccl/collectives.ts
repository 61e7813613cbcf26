// The collectives of the 'nccl' backend on CUDA tensors: device addresses go straight to NCCL (strided
// tensors through a contiguous copy written back after), shapes are checked over MPI first as for 'mpi'.
import { synchronize, zeros, type Tensor } from '@flint/core';
import { noGrad } from '@flint/autograd';
import { agree } from '../collectives/agreement.js';
import { DistributedError } from '../errors.js';
import type { GroupState } from '../group/process-group.js';
import type { Ptr } from '../mpi/library.js';
import { elementBytes } from '../mpi/native.js';
import { NCCL_OPS, NCCL_TYPES } from './library.js';
import { runNccl } from './comm.js';

/** The device address of `t`'s first element: the backend's buffer must be a bigint or carry a bigint `ptr`. */
export function devicePointer(op: string, t: Tensor): Ptr {
  const b = t.storage.buffer as { ptr?: unknown; devicePtr?: unknown } | bigint;
  const base = typeof b === 'bigint' ? b : typeof b?.ptr === 'bigint' ? b.ptr : typeof b?.devicePtr === 'bigint' ? b.devicePtr : undefined;
  if (base === undefined) throw new DistributedError(`${op}: the '${t.device}' backend does not expose device addresses (its buffers need a bigint 'ptr'), so NCCL can't read the tensor`);
  return base + BigInt(t.offset * elementBytes(op, t.dtype));
}

/** Runs `body` on contiguous versions of `tensors` and copies results back into the strided originals listed in `outputs`. */
async function dense<T>(op: string, tensors: Tensor[], outputs: Tensor[], body: (ptrs: Ptr[]) => Promise<T>): Promise<T> {
  const c = tensors.map((t) => (t.isContiguous() ? t : t.contiguous()));
  await synchronize(tensors[0]!.device); // kernels on the backend's own stream must have written the inputs
  try {
    const r = await body(c.map((t) => devicePointer(op, t)));
    noGrad(() => outputs.forEach((o) => { const i = tensors.indexOf(o); if (c[i] !== o) o.copy_(c[i]!); }));
    return r;
  } finally { c.forEach((t, i) => { if (t !== tensors[i]) t.dispose(); }); }
}

/** allReduce on CUDA tensors (NCCL implements every ReduceOp, avg included). */
export async function ncclAllReduce(s: GroupState, t: Tensor, op: string): Promise<Tensor> {
  await agree(s, { collective: 'allReduce', tensor: t, op });
  await dense('allReduce', [t], [t], ([p]) => runNccl(s, 'allReduce', (c) => c.lib.AllReduce(p!, p!, t.numel(), NCCL_TYPES[t.dtype]!, NCCL_OPS[op]!, c.comm, c.stream)));
  return t;
}

/** broadcast on CUDA tensors. */
export async function ncclBroadcast(s: GroupState, t: Tensor, src: number): Promise<Tensor> {
  await agree(s, { collective: 'broadcast', tensor: t, root: src });
  await dense('broadcast', [t], [t], ([p]) => runNccl(s, 'broadcast', (c) => c.lib.Broadcast(p!, p!, t.numel(), NCCL_TYPES[t.dtype]!, src, c.comm, c.stream)));
  return t;
}

/** allGather on CUDA tensors: NCCL gathers into one buffer, split into `outputs` after. */
export async function ncclAllGather(s: GroupState, outputs: Tensor[], input: Tensor): Promise<Tensor[]> {
  await agree(s, { collective: 'allGather', tensor: input });
  const all = zeros([s.size, ...input.shape], { dtype: input.dtype, device: input.device });
  try {
    await dense('allGather', [input, all], [], ([p, q]) => runNccl(s, 'allGather', (c) => c.lib.AllGather(p!, q!, input.numel(), NCCL_TYPES[input.dtype]!, c.comm, c.stream)));
    noGrad(() => outputs.forEach((o, r) => o.copy_(all.select(0, r).reshape(o.shape))));
  } finally { all.dispose(); }
  return outputs;
}

/** reduceScatter on CUDA tensors. */
export async function ncclReduceScatter(s: GroupState, output: Tensor, input: Tensor, op: string): Promise<Tensor> {
  await agree(s, { collective: 'reduceScatter', tensor: input, op });
  await dense('reduceScatter', [input, output], [output], ([p, q]) => runNccl(s, 'reduceScatter', (c) => c.lib.ReduceScatter(p!, q!, output.numel(), NCCL_TYPES[input.dtype]!, NCCL_OPS[op]!, c.comm, c.stream)));
  return output;
}

/** send / recv on CUDA tensors (no header: NCCL needs both sides to agree on the count, as torch's NCCL backend). */
export async function ncclPointToPoint(s: GroupState, kind: 'send' | 'recv', t: Tensor, peer: number): Promise<void> {
  await dense(kind, [t], kind === 'recv' ? [t] : [], ([p]) => runNccl(s, `${kind} ${kind === 'send' ? 'to' : 'from'} rank ${peer}`, (c) =>
    (kind === 'send' ? c.lib.Send : c.lib.Recv)(p!, t.numel(), NCCL_TYPES[t.dtype]!, peer, c.comm, c.stream)));
}
