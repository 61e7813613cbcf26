/**
 * `@flint/distributed`: process groups over MPI (CPU tensors) and NCCL (CUDA tensors), asynchronous
 * collectives, and DistributedDataParallel, as torch.distributed.
 * @module @flint/distributed
 */
export { initProcessGroup, destroyProcessGroup, getRank, getWorldSize, getBackend, barrier, isInitialized } from './group/process-group.js';
export type { InitOptions, Backend } from './group/process-group.js';
export type { TimeoutAction } from './group/engine.js';
export { allReduce, broadcast, allGather, reduceScatter, send, recv } from './collectives/collectives.js';
export type { ReduceOp, ReduceOptions, BroadcastOptions, P2POptions } from './collectives/collectives.js';
export { Work } from './collectives/work.js';
export { DistributedError, DistributedTimeoutError, CollectiveMismatchError } from './errors.js';
export { DistributedDataParallel } from './ddp/ddp.js';
export type { DDPOptions } from './ddp/ddp.js';
