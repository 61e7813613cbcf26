// The default process group, as torch.distributed's: initProcessGroup reads rank and world size from the
// launcher (mpirun / flint-run) through MPI_Init_thread; every collective runs on this group.
import { checkOptions } from '@flint/core';
import { DistributedError } from '../errors.js';
import { loadMpi, mpiErrorString, type MpiLibrary } from '../mpi/library.js';
import { Engine, type TimeoutAction } from './engine.js';

/** Which communication library carries the tensors: MPI for CPU tensors, NCCL for CUDA tensors. */
export type Backend = 'mpi' | 'nccl';

/** Options of {@link initProcessGroup}. */
export interface InitOptions {
  /** 'mpi' (CPU tensors) or 'nccl' (CUDA tensors; bootstrapped over MPI). */
  backend: Backend;
  /** Seconds an operation may wait for its peers before it fails with a DistributedTimeoutError (default 300). */
  timeout?: number;
  /** On timeout: 'abort' (default) prints the error and ends the whole job, so no rank is left behind; 'throw' rejects and leaves it to you. */
  onTimeout?: TimeoutAction;
  /** NCCL only: the CUDA device of this rank (default: the launcher's local rank). */
  device?: number;
}

/** The state of the default group (one per process, shared by every copy of this package). */
export interface GroupState {
  backend: Backend;
  mpi: MpiLibrary;
  engine: Engine;
  rank: number;
  size: number;
  /** Set by the NCCL backend: its communicator and stream. */
  nccl?: unknown;
}

const KEY = Symbol.for('@flint/distributed.group');
const g = globalThis as unknown as Record<symbol, GroupState | undefined>;
let finalized = false;

/** The initialised group, or a DistributedError naming `op`. */
export function group(op: string): GroupState {
  const s = g[KEY];
  if (!s) throw new DistributedError(`${op}: the default process group is not initialised; call 'await initProcessGroup({ backend: "mpi" })' first`);
  return s;
}

/** Whether {@link initProcessGroup} has run (and {@link destroyProcessGroup} has not). */
export const isInitialized = (): boolean => g[KEY] !== undefined;

/** Starts the default process group: initialises MPI (and NCCL), reads this process's rank and the world size. */
export async function initProcessGroup(opts: InitOptions): Promise<void> {
  checkOptions('initProcessGroup', opts, ['backend', 'timeout', 'onTimeout', 'device']);
  if (opts.backend !== 'mpi' && opts.backend !== 'nccl') throw new DistributedError(`initProcessGroup: backend must be 'mpi' or 'nccl', got '${String(opts.backend)}'`);
  const timeout = opts.timeout ?? 300;
  if (!(timeout > 0)) throw new DistributedError(`initProcessGroup: timeout must be a positive number of seconds, got ${String(opts.timeout)}`);
  const onTimeout = opts.onTimeout ?? 'abort';
  if (onTimeout !== 'abort' && onTimeout !== 'throw') throw new DistributedError(`initProcessGroup: onTimeout must be 'abort' or 'throw', got '${String(onTimeout)}'`);
  if (g[KEY]) throw new DistributedError('initProcessGroup: the default process group is already initialised; call destroyProcessGroup() first');
  if (finalized) throw new DistributedError('initProcessGroup: MPI was finalised by destroyProcessGroup() and MPI can only be initialised once per process');
  const mpi = loadMpi();
  const flag = [0];
  mpi.Initialized(flag);
  if (!flag[0]) {
    const provided = [0];
    const rc = mpi.Init_thread(null, null, 1 /* MPI_THREAD_FUNNELED: only the main thread calls MPI */, provided);
    if (rc !== 0) throw new DistributedError(`initProcessGroup: MPI_Init_thread failed with ${rc} (${mpiErrorString(mpi, rc)}); is this process started by mpirun or flint-run?`);
    process.once('exit', finalizeAtExit);
    process.on('SIGTERM', terminated);
  }
  // errors come back as return codes (and become DistributedErrors) instead of killing the process
  mpi.Comm_set_errhandler(mpi.handles.commWorld, mpi.handles.errorsReturn);
  const rank = [0], size = [0];
  mpi.Comm_rank(mpi.handles.commWorld, rank);
  mpi.Comm_size(mpi.handles.commWorld, size);
  const state: GroupState = { backend: opts.backend, mpi, engine: new Engine(mpi, rank[0]!, size[0]!, timeout * 1000, onTimeout), rank: rank[0]!, size: size[0]! };
  if (opts.backend === 'nccl') {
    const { initNccl } = await import('../nccl/comm.js');
    state.nccl = await initNccl(state, opts.device);
  }
  g[KEY] = state;
}

/** This process's rank in the default group (0 ... worldSize - 1). */
export const getRank = (): number => group('getRank').rank;

/** The number of processes in the default group. */
export const getWorldSize = (): number => group('getWorldSize').size;

/** The backend of the default group. */
export const getBackend = (): Backend => group('getBackend').backend;

/** Resolves once every rank has reached the barrier (MPI_Ibarrier, so the timeout applies). */
export async function barrier(): Promise<void> {
  const s = group('barrier');
  const slot = s.engine.start('barrier', (req) => s.mpi.Ibarrier(s.mpi.handles.commWorld, req));
  await s.engine.wait('barrier', [slot]);
}

/** Ends the default group: waits for nothing, finalises NCCL and MPI (MPI can't be initialised again in this process). */
export async function destroyProcessGroup(): Promise<void> {
  const s = group('destroyProcessGroup');
  if (s.engine.busy) throw new DistributedError('destroyProcessGroup: operations are still in flight; await their handles first');
  if (s.nccl) { const { destroyNccl } = await import('../nccl/comm.js'); destroyNccl(s); }
  g[KEY] = undefined;
  finalize(s.mpi, s.engine.broken !== undefined);
}

function finalize(mpi: MpiLibrary, broken: boolean): void {
  if (finalized) return;
  finalized = true;
  process.removeListener('exit', finalizeAtExit);
  process.removeListener('SIGTERM', terminated);
  // after a failure MPI_Finalize could wait for a dead peer: leave instead (mpirun reports the missing finalize)
  if (broken) return;
  const flag = [0];
  mpi.Finalized(flag);
  if (!flag[0]) mpi.Finalize();
}

/** mpirun sends SIGTERM to the survivors when a rank dies: say what this rank was waiting for, then exit. */
function terminated(): void {
  const s = g[KEY];
  const pending = s?.engine.pendingNames ?? [];
  const what = pending.length ? `while waiting in ${pending.join(', ')}` : 'between operations';
  process.stderr.write(`[flint distributed] rank ${s?.rank ?? '?'}: DistributedError: terminated by the launcher ${what}: another rank exited or was killed (see the launcher's message)\n`);
  if (s) s.engine.fail(new DistributedError('terminated by the launcher'));
  process.exit(143);
}

function finalizeAtExit(): void {
  const s = g[KEY];
  if (!s) return;
  g[KEY] = undefined;
  finalize(s.mpi, s.engine.broken !== undefined || s.engine.busy);
}
