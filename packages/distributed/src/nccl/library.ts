// NCCL (and the few CUDA runtime calls it needs) bound at run time through koffi, as the MPI side is:
// libnccl.so.2 and libcudart are looked up by their usual names or FLINT_NCCL_LIB / FLINT_CUDART_LIB.
import { DistributedError } from '../errors.js';
import { loadKoffi, type KoffiLib, type Ptr } from '../mpi/library.js';

/** The NCCL and CUDA runtime entry points used by the 'nccl' backend. */
export interface NcclLibrary {
  GetUniqueId(id: Uint8Array): number;
  CommInitRank(comm: Ptr, nranks: number, id: { internal: Uint8Array }, rank: number): number;
  CommDestroy(comm: Ptr): number;
  CommAbort(comm: Ptr): number;
  GetErrorString(code: number): string;
  AllReduce(send: Ptr, recv: Ptr, count: number, type: number, op: number, comm: Ptr, stream: Ptr): number;
  Broadcast(send: Ptr, recv: Ptr, count: number, type: number, root: number, comm: Ptr, stream: Ptr): number;
  AllGather(send: Ptr, recv: Ptr, count: number, type: number, comm: Ptr, stream: Ptr): number;
  ReduceScatter(send: Ptr, recv: Ptr, count: number, type: number, op: number, comm: Ptr, stream: Ptr): number;
  Send(buf: Ptr, count: number, type: number, peer: number, comm: Ptr, stream: Ptr): number;
  Recv(buf: Ptr, count: number, type: number, peer: number, comm: Ptr, stream: Ptr): number;
  cudaSetDevice(device: number): number;
  cudaStreamCreate(out: Ptr): number;
  cudaEventCreate(out: Ptr): number;
  cudaEventRecord(event: Ptr, stream: Ptr): number;
  cudaEventQuery(event: Ptr): number;
  cudaEventDestroy(event: Ptr): number;
}

const NCCL_HINT = "install NCCL (Debian/Ubuntu with NVIDIA's CUDA repository: 'apt-get install libnccl2'; or pip's nvidia-nccl-cu12 and FLINT_NCCL_LIB=<its lib/libnccl.so.2>) and the CUDA runtime (libcudart), or use initProcessGroup({ backend: 'mpi' }) for CPU tensors";

function open(names: string[], what: string): KoffiLib {
  const koffi = loadKoffi();
  const tried: string[] = [];
  for (const n of names) {
    try { return koffi.load(n); } catch (e) { tried.push(`${n} (${(e as Error).message.split('\n')[0]})`); }
  }
  throw new DistributedError(`initProcessGroup: ${what} not found; tried ${tried.join(', ')}. ${NCCL_HINT}`);
}

/** Loads NCCL and the CUDA runtime; a DistributedError says what to install when they are missing. */
export function loadNccl(env: NodeJS.ProcessEnv = process.env): NcclLibrary {
  const nccl = open(env.FLINT_NCCL_LIB ? [env.FLINT_NCCL_LIB] : ['libnccl.so.2', 'libnccl.so', '/usr/lib/x86_64-linux-gnu/libnccl.so.2'], 'NCCL (libnccl.so.2)');
  const cudart = open(env.FLINT_CUDART_LIB ? [env.FLINT_CUDART_LIB] : ['libcudart.so', 'libcudart.so.12', 'libcudart.so.11.0', '/usr/local/cuda/lib64/libcudart.so'], 'the CUDA runtime (libcudart)');
  const koffi = loadKoffi() as unknown as { struct(name: string, def: Record<string, unknown>): unknown; array(t: string, n: number, hint: string): unknown };
  const UniqueId = koffi.struct('ncclUniqueId', { internal: koffi.array('uint8_t', 128, 'Typed') });
  const P = 'void *', S = 'size_t';
  const f = (lib: KoffiLib, name: string, args: unknown[], result = 'int'): ((...a: unknown[]) => never) => lib.func(name, result, args) as never;
  return {
    GetUniqueId: f(nccl, 'ncclGetUniqueId', [P]),
    CommInitRank: f(nccl, 'ncclCommInitRank', [P, 'int', UniqueId, 'int']),
    CommDestroy: f(nccl, 'ncclCommDestroy', [P]),
    CommAbort: f(nccl, 'ncclCommAbort', [P]),
    GetErrorString: f(nccl, 'ncclGetErrorString', ['int'], 'const char *'),
    AllReduce: f(nccl, 'ncclAllReduce', [P, P, S, 'int', 'int', P, P]),
    Broadcast: f(nccl, 'ncclBroadcast', [P, P, S, 'int', 'int', P, P]),
    AllGather: f(nccl, 'ncclAllGather', [P, P, S, 'int', P, P]),
    ReduceScatter: f(nccl, 'ncclReduceScatter', [P, P, S, 'int', 'int', P, P]),
    Send: f(nccl, 'ncclSend', [P, S, 'int', 'int', P, P]),
    Recv: f(nccl, 'ncclRecv', [P, S, 'int', 'int', P, P]),
    cudaSetDevice: f(cudart, 'cudaSetDevice', ['int']),
    cudaStreamCreate: f(cudart, 'cudaStreamCreate', [P]),
    cudaEventCreate: f(cudart, 'cudaEventCreate', [P]),
    cudaEventRecord: f(cudart, 'cudaEventRecord', [P, P]),
    cudaEventQuery: f(cudart, 'cudaEventQuery', [P]),
    cudaEventDestroy: f(cudart, 'cudaEventDestroy', [P]),
  };
}

/** ncclDataType_t by Flint dtype. */
export const NCCL_TYPES: Record<string, number> = { uint8: 1, bool: 1, int32: 2, int64: 4, float16: 6, float32: 7, float64: 8, bfloat16: 9 };
/** ncclRedOp_t by reduction name. */
export const NCCL_OPS: Record<string, number> = { sum: 0, product: 1, max: 2, min: 3, avg: 4 };
