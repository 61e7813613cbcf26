// torch.distributed's collectives on tensors over MPI's nonblocking calls: each checks its arguments, swaps
// a header with the other ranks (see agreement.ts), posts the MPI_I* call and returns an awaitable Work that
// the progress engine completes from the event loop, so computation goes on while data moves.
import { DTypeError, ShapeError, ValueError, fmtShape, isFloating, type Tensor } from '@flint/core';
import { CollectiveMismatchError, DistributedError } from '../errors.js';
import { group, type GroupState } from '../group/process-group.js';
import type { Ptr } from '../mpi/library.js';
import { mpiType, type NativeBuffer } from '../mpi/native.js';
import { agree, encodeHeader, HEADER, describe } from './agreement.js';
import { checkTensor, divideInPlace, stage, writeBack } from './host.js';
import { Work } from './work.js';
import { ncclAllGather, ncclAllReduce, ncclBroadcast, ncclPointToPoint, ncclReduceScatter } from '../nccl/collectives.js';

/** torch.distributed.ReduceOp, by name. */
export type ReduceOp = 'sum' | 'avg' | 'max' | 'min' | 'product';
const OPS: readonly ReduceOp[] = ['sum', 'avg', 'max', 'min', 'product'];

/** Options of {@link allReduce} and {@link reduceScatter}. */
export interface ReduceOptions {
  /** The reduction (default 'sum'). */
  op?: ReduceOp;
}

function mpiOp(s: GroupState, name: string, t: Tensor, op: ReduceOp): Ptr {
  if (!OPS.includes(op)) throw new ValueError(`${name}: op must be one of ${OPS.map((o) => `'${o}'`).join(', ')}, got '${String(op)}'`);
  if (op === 'avg' && !isFloating(t.dtype)) throw new DTypeError(`${name}: op 'avg' needs a floating-point tensor, got ${t.dtype}; use 'sum' and divide`);
  if (t.dtype === 'bool' && op !== 'max' && op !== 'min') throw new DTypeError(`${name}: bool tensors reduce with 'max' (any) or 'min' (all), got '${op}'`);
  const h = s.mpi.handles;
  return { sum: h.sum, avg: h.sum, max: h.max, min: h.min, product: h.prod }[op];
}

/** Runs `body` with the staged buffers, freeing them after (unless the group broke: MPI may still write to them). */
async function withBuffers<T>(s: GroupState, bufs: NativeBuffer[], body: () => Promise<T>): Promise<T> {
  try { return await body(); } finally { if (!s.engine.broken) for (const b of bufs) b.free(); }
}

async function post(s: GroupState, name: string, issue: (req: Ptr) => number): Promise<void> {
  await s.engine.wait(name, [s.engine.start(name, issue)]);
}

/** Reduces `t` across ranks in place (every rank gets the result); resolves with `t`. */
export function allReduce(t: Tensor, opts: ReduceOptions = {}): Work<Tensor> {
  const s = group('allReduce');
  const op = opts.op ?? 'sum';
  checkTensor(s, 'allReduce', t);
  const handle = mpiOp(s, 'allReduce', t, op);
  if (s.nccl) return new Work(ncclAllReduce(s, t, op));
  return new Work((async () => {
    await agree(s, { collective: 'allReduce', tensor: t, op });
    const buf = await stage(s, t.dtype, t.numel(), t);
    return withBuffers(s, [buf], async () => {
      const { handles: h } = s.mpi;
      await post(s, 'allReduce', (req) => s.mpi.Iallreduce(h.inPlace, buf.ptr, t.numel(), mpiType(s.mpi, t.dtype), handle, h.commWorld, req));
      if (op === 'avg') divideInPlace(buf.array, s.size);
      writeBack(t, buf);
      return t;
    });
  })());
}

/** Options of {@link broadcast}. */
export interface BroadcastOptions {
  /** The rank whose tensor is copied to the others (default 0). */
  src?: number;
}

/** Copies rank `src`'s `t` into `t` on every other rank; resolves with `t`. */
export function broadcast(t: Tensor, opts: BroadcastOptions = {}): Work<Tensor> {
  const s = group('broadcast');
  const src = opts.src ?? 0;
  checkRank(s, 'broadcast', src, 'src');
  checkTensor(s, 'broadcast', t);
  if (s.nccl) return new Work(ncclBroadcast(s, t, src));
  return new Work((async () => {
    await agree(s, { collective: 'broadcast', tensor: t, root: src });
    const buf = await stage(s, t.dtype, t.numel(), s.rank === src ? t : undefined);
    return withBuffers(s, [buf], async () => {
      await post(s, 'broadcast', (req) => s.mpi.Ibcast(buf.ptr, t.numel(), mpiType(s.mpi, t.dtype), src, s.mpi.handles.commWorld, req));
      if (s.rank !== src) writeBack(t, buf);
      return t;
    });
  })());
}

/** Gathers every rank's `input` into `outputs[r]` (one tensor per rank, each shaped as `input`), as torch's all_gather. */
export function allGather(outputs: Tensor[], input: Tensor): Work<Tensor[]> {
  const s = group('allGather');
  checkTensor(s, 'allGather', input, 'input');
  if (outputs.length !== s.size) throw new ValueError(`allGather: outputs must hold one tensor per rank (${s.size}), got ${outputs.length}`);
  outputs.forEach((o, r) => {
    if (o.dtype !== input.dtype || o.numel() !== input.numel()) throw new ShapeError(`allGather: outputs[${r}] is ${o.dtype} ${fmtShape(o.shape)}, expected ${input.dtype} ${fmtShape(input.shape)} like the input`);
  });
  const n = input.numel();
  if (s.nccl) return new Work(ncclAllGather(s, outputs, input));
  return new Work((async () => {
    await agree(s, { collective: 'allGather', tensor: input });
    const send = await stage(s, input.dtype, n, input), recv = await stage(s, input.dtype, n * s.size);
    return withBuffers(s, [send, recv], async () => {
      const { handles: h } = s.mpi, type = mpiType(s.mpi, input.dtype);
      await post(s, 'allGather', (req) => s.mpi.Iallgather(send.ptr, n, type, recv.ptr, n, type, h.commWorld, req));
      outputs.forEach((o, r) => writeBack(o, recv, r * n, n));
      return outputs;
    });
  })());
}

/** Reduces `input` (worldSize blocks of `output`'s size, concatenated) across ranks and leaves block `rank` in `output`, as torch's reduce_scatter_tensor. */
export function reduceScatter(output: Tensor, input: Tensor, opts: ReduceOptions = {}): Work<Tensor> {
  const s = group('reduceScatter');
  const op = opts.op ?? 'sum';
  checkTensor(s, 'reduceScatter', input, 'input');
  checkTensor(s, 'reduceScatter', output, 'output');
  const handle = mpiOp(s, 'reduceScatter', input, op);
  const n = output.numel();
  if (output.dtype !== input.dtype || input.numel() !== n * s.size) {
    throw new ShapeError(`reduceScatter: input ${input.dtype} ${fmtShape(input.shape)} must hold worldSize (${s.size}) blocks of output ${output.dtype} ${fmtShape(output.shape)}, i.e. ${n * s.size} elements of ${output.dtype}`);
  }
  if (s.nccl) return new Work(ncclReduceScatter(s, output, input, op));
  return new Work((async () => {
    await agree(s, { collective: 'reduceScatter', tensor: input, op });
    const send = await stage(s, input.dtype, n * s.size, input), recv = await stage(s, input.dtype, n);
    return withBuffers(s, [send, recv], async () => {
      const { handles: h } = s.mpi;
      await post(s, 'reduceScatter', (req) => s.mpi.Ireduce_scatter_block(send.ptr, recv.ptr, n, mpiType(s.mpi, input.dtype), handle, h.commWorld, req));
      if (op === 'avg') divideInPlace(recv.array, s.size);
      writeBack(output, recv);
      return output;
    });
  })());
}

/** Options of {@link send} and {@link recv}. */
export interface P2POptions {
  /** Matches a send with its recv, in [0, 16383] (default 0). */
  tag?: number;
}

function p2pTags(name: string, tag: number): [number, number] {
  if (!Number.isInteger(tag) || tag < 0 || tag > 16383) throw new ValueError(`${name}: tag must be an integer in [0, 16383], got ${tag}`);
  return [2 * tag, 2 * tag + 1];
}

/** Sends `t` to rank `dst` (a header with its shape and dtype goes first, so recv can check); resolves once sent. */
export function send(t: Tensor, dst: number, opts: P2POptions = {}): Work<void> {
  const s = group('send');
  checkRank(s, 'send', dst, 'dst', true);
  checkTensor(s, 'send', t);
  const [headerTag, dataTag] = p2pTags('send', opts.tag ?? 0);
  if (s.nccl) return new Work(ncclPointToPoint(s, 'send', t, dst));
  return new Work((async () => {
    const header = await stage(s, 'int32', HEADER), buf = await stage(s, t.dtype, t.numel(), t);
    (header.array as Int32Array).set(encodeHeader({ collective: 'send', tensor: t }));
    return withBuffers(s, [header, buf], async () => {
      const { handles: h } = s.mpi, e = s.engine;
      const slots = [
        e.start('send', (req) => s.mpi.Isend(header.ptr, HEADER, h.int32, dst, headerTag, h.commWorld, req)),
        e.start('send', (req) => s.mpi.Isend(buf.ptr, t.numel(), mpiType(s.mpi, t.dtype), dst, dataTag, h.commWorld, req)),
      ];
      await e.wait(`send to rank ${dst}`, slots);
    });
  })());
}

/** Receives into `t` (in place) what rank `src` sent; a different shape or dtype is a CollectiveMismatchError. */
export function recv(t: Tensor, src: number, opts: P2POptions = {}): Work<Tensor> {
  const s = group('recv');
  checkRank(s, 'recv', src, 'src', true);
  checkTensor(s, 'recv', t);
  const [headerTag, dataTag] = p2pTags('recv', opts.tag ?? 0);
  if (s.nccl) return new Work(ncclPointToPoint(s, 'recv', t, src).then(() => t));
  return new Work((async () => {
    const header = await stage(s, 'int32', HEADER);
    return withBuffers(s, [header], async () => {
      const { handles: h } = s.mpi, e = s.engine, name = `recv from rank ${src}`;
      await post(s, name, (req) => s.mpi.Irecv(header.ptr, HEADER, h.int32, src, headerTag, h.commWorld, req));
      const theirs = (header.array as Int32Array).slice(), mine = encodeHeader({ collective: 'send', tensor: t });
      const same = theirs.every((v, i) => v === mine[i]);
      // a mismatched message is still received (into a buffer of its own size), so the stream stays in step
      const dtype = same ? t.dtype : (['float32', 'float64', 'int32', 'int64', 'uint8', 'bool'] as const)[theirs[1]!] ?? 'uint8';
      const buf = await stage(s, dtype, theirs[5]!);
      await withBuffers(s, [buf], async () => {
        await e.wait(name, [e.start(name, (req) => s.mpi.Irecv(buf.ptr, theirs[5]!, mpiType(s.mpi, dtype), src, dataTag, h.commWorld, req))]);
        if (!same) throw new CollectiveMismatchError(`recv: rank ${src} sent ${describe(theirs).replace(/^send/, 'a tensor ')}, rank ${s.rank} receives into ${t.dtype} ${fmtShape(t.shape)}; send and recv tensors must have the same shape and dtype`);
        writeBack(t, buf);
      });
      return t;
    });
  })());
}

function checkRank(s: GroupState, name: string, r: number, what: string, notSelf = false): void {
  if (!Number.isInteger(r) || r < 0 || r >= s.size) throw new ValueError(`${name}: ${what} must be a rank in [0, ${s.size - 1}], got ${r}`);
  if (notSelf && r === s.rank) throw new DistributedError(`${name}: ${what} is this process's own rank (${r}); send and recv pair two different ranks`);
}
