// Moving tensors in and out of native buffers: a (possibly strided) tensor is read in row-major order into
// a buffer MPI can use; in-place results are copied back into the caller's tensor, whatever its strides.
import { noGrad } from '@flint/autograd';
import { DeviceError, fromBlob, type DType, type Tensor } from '@flint/core';
import type { GroupState } from '../group/process-group.js';
import { elementBytes, NativeBuffer, type HostArray } from '../mpi/native.js';

/** Checks that `t` can travel over the group's backend (dtype supported, on the CPU for MPI). */
export function checkTensor(s: GroupState, op: string, t: Tensor, what = 'tensor'): void {
  elementBytes(op, t.dtype);
  if (s.backend === 'nccl' && t.device === 'cpu') throw new DeviceError(`${op}: the 'nccl' backend carries CUDA tensors, got ${what} on 'cpu'; move it with .to('cuda') or use initProcessGroup({ backend: 'mpi' }) for CPU tensors`);
  if (s.backend === 'mpi' && t.device !== 'cpu') throw new DeviceError(`${op}: the 'mpi' backend carries CPU tensors, got ${what} on '${t.device}'; move it with .to('cpu') or use initProcessGroup({ backend: 'nccl' }) for CUDA tensors`);
}

/** A native buffer of `count` elements, filled with `t`'s values in row-major order when `t` is given. */
export async function stage(s: GroupState, dtype: DType, count: number, t?: Tensor): Promise<NativeBuffer> {
  const buf = new NativeBuffer(s.mpi, dtype, count);
  if (t) {
    try { copyIn(buf.array, await t.data(), 0); } catch (e) { buf.free(); throw e; }
  }
  return buf;
}

/** Copies `src` into `dst` from element `at`. */
export function copyIn(dst: HostArray, src: ArrayLike<number | bigint | boolean>, at: number): void {
  if (dst instanceof BigInt64Array) dst.set(src as BigInt64Array, at);
  else if (ArrayBuffer.isView(src)) (dst as Float32Array).set(src as unknown as Float32Array, at);
  else for (let i = 0; i < src.length; i++) (dst as Float32Array)[at + i] = Number(src[i]);
}

/** Writes `count` elements of `buf` from `at` into `t` in place (any strides), outside autograd. */
export function writeBack(t: Tensor, buf: NativeBuffer, at = 0, count = t.numel()): void {
  const a = buf.array;
  // a JS-owned copy: the tensor must not keep pointing at native memory that is freed after the call
  const copy = a.slice(at, at + count) as Float32Array;
  noGrad(() => {
    const src = fromBlob(copy, t.shape, { dtype: t.dtype });
    t.copy_(src);
    src.dispose();
  });
}

/** Divides every element by `n` (the 'avg' reduction of floating-point tensors). */
export function divideInPlace(a: HostArray, n: number): void {
  const f = a as Float32Array;
  for (let i = 0; i < f.length; i++) f[i] = f[i]! / n;
}
