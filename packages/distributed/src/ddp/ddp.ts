// DistributedDataParallel, as torch's: wraps a module, makes every rank start from rank 0's parameters and
// buffers, and averages gradients across ranks during backward (see reducer.ts), so each rank's optimizer
// takes the same step. stateDict() has the wrapped module's own keys, so checkpoints load without DDP.
import { checkOptions, type Tensor } from '@flint/core';
import { reachableLeaves, registerPostAccumulateGradHook, isGradEnabled } from '@flint/autograd';
import { Module, type LoadResult, type StateDict } from '@flint/nn';
import { DistributedError } from '../errors.js';
import { group, type GroupState } from '../group/process-group.js';
import { mpiType, NativeBuffer } from '../mpi/native.js';
import { writeBack } from '../collectives/host.js';
import { Reducer } from './reducer.js';

/** Options of {@link DistributedDataParallel}. */
export interface DDPOptions {
  /** Gradient bucket size in MiB (default 25, as torch): larger buckets mean fewer, bigger all-reduces. */
  bucketCapMb?: number;
  /** Find, at each forward, the parameters the output doesn't depend on and reduce zeros for them (default false). */
  findUnusedParameters?: boolean;
  /** Copy rank 0's buffers (running statistics) to every rank at each forward (default true). */
  broadcastBuffers?: boolean;
}

/** Data-parallel training across the ranks of the default process group ('mpi' backend, CPU tensors). */
export class DistributedDataParallel<M extends Module = Module> extends Module {
  /** The wrapped module. */
  readonly module: M;
  readonly #reducer: Reducer;
  readonly #state: GroupState;
  readonly #findUnused: boolean;
  readonly #broadcastBuffers: boolean;
  readonly #removeHooks: (() => void)[] = [];
  #requireSync = true;

  constructor(module: M, opts: DDPOptions = {}) {
    super();
    checkOptions('DistributedDataParallel', opts, ['bucketCapMb', 'findUnusedParameters', 'broadcastBuffers']);
    const s = group('DistributedDataParallel');
    if (s.backend !== 'mpi') throw new DistributedError(`DistributedDataParallel: the '${s.backend}' backend is not supported yet (gradient buckets live in host memory); use initProcessGroup({ backend: 'mpi' }) with CPU tensors`);
    const cap = opts.bucketCapMb ?? 25;
    if (!(cap > 0)) throw new DistributedError(`DistributedDataParallel: bucketCapMb must be a positive number, got ${String(opts.bucketCapMb)}`);
    this.module = module;
    this.#state = s;
    this.#findUnused = opts.findUnusedParameters ?? false;
    this.#broadcastBuffers = opts.broadcastBuffers ?? true;
    const params = [...module.namedParameters()].filter(([, p]) => p.requiresGrad);
    for (const [name, p] of params) {
      if (p.device !== 'cpu') throw new DistributedError(`DistributedDataParallel: parameter '${name}' is on '${p.device}'; the 'mpi' backend reduces CPU tensors`);
    }
    // every rank starts from rank 0's weights (and buffers), as torch's constructor does
    syncFromRank0(s, [...module.parameters(), ...module.buffers()]);
    this.#reducer = new Reducer(s, params, cap * 1024 * 1024);
    for (const [, p] of params) this.#removeHooks.push(registerPostAccumulateGradHook(p, (leaf) => this.#reducer.onGradient(leaf)));
  }

  /** Runs the wrapped module; in training with grad enabled, prepares this iteration's gradient reduction. */
  override forward(...args: Parameters<M['forward']>): ReturnType<M['forward']> {
    if (this.#broadcastBuffers && this.#state.size > 1) {
      const buffers = [...this.module.buffers()];
      if (buffers.length) syncFromRank0(this.#state, buffers);
    }
    const out = this.module.call(...args) as ReturnType<M['forward']>;
    const training = this.training && isGradEnabled();
    if (training) {
      const sync = this.#requireSync;
      const unused = sync && this.#findUnused ? unusedParameters(this.module, out) : [];
      this.#reducer.prepare(sync, unused);
    }
    return out;
  }

  /** Runs `fn` (sync or async) with gradient synchronisation off: forward/backward passes inside only accumulate locally, as torch's no_sync(). */
  noSync<R>(fn: () => R): R {
    const before = this.#requireSync;
    this.#requireSync = false;
    let r: R;
    try { r = fn(); } catch (e) { this.#requireSync = before; throw e; }
    if (r instanceof Promise) return r.finally(() => { this.#requireSync = before; }) as R;
    this.#requireSync = before;
    return r;
  }

  /** The wrapped module's state dict, with its own keys (no 'module.' prefix). */
  override stateDict(prefix = '', out: StateDict = {}): StateDict { return this.module.stateDict(prefix, out); }

  /** Loads into the wrapped module (keys as the plain module's). */
  override loadStateDict(dict: StateDict, opts: { strict?: boolean } = {}): LoadResult { return this.module.loadStateDict(dict, opts); }

  /** Removes the gradient hooks and frees the buckets; the wrapped module stays usable on its own. */
  override dispose(): void {
    for (const r of this.#removeHooks) r();
    this.#reducer.dispose();
  }

  /** Gradient buckets as [parameter names] lists, in the order they are reduced. */
  get buckets(): string[][] { return this.#reducer.buckets.map((b) => b.slots.map((s) => s.name)); }

  override extraRepr(): string { return `world_size=${this.#state.size}, buckets=${this.#reducer.buckets.length}`; }
}

/** Parameters that requires grad but that `out` does not depend on. */
function unusedParameters(m: Module, out: unknown): Tensor[] {
  const tensors: Tensor[] = [];
  const visit = (v: unknown): void => {
    if (v && typeof v === 'object' && 'requiresGrad' in v && 'shape' in v) tensors.push(v as Tensor);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(out);
  const used = reachableLeaves(tensors);
  return [...m.parameters()].filter((p) => p.requiresGrad && !used.has(p));
}

/** Copies rank 0's values of `tensors` into every rank's, one blocking MPI_Ibcast per dtype (the timeout applies). */
function syncFromRank0(s: GroupState, tensors: Tensor[]): void {
  if (s.size === 1) return;
  const byType = new Map<string, Tensor[]>();
  for (const t of tensors) { const l = byType.get(t.dtype) ?? []; l.push(t); byType.set(t.dtype, l); }
  for (const list of byType.values()) {
    const dtype = list[0]!.dtype, total = list.reduce((n, t) => n + t.numel(), 0);
    const buf = new NativeBuffer(s.mpi, dtype, total);
    try {
      let at = 0;
      if (s.rank === 0) for (const t of list) { (buf.array as Float32Array).set(t.dataSync() as Float32Array, at); at += t.numel(); }
      const slot = s.engine.start('DistributedDataParallel (broadcasting rank 0\'s parameters and buffers)', (req) => s.mpi.Ibcast(buf.ptr, total, mpiType(s.mpi, dtype), 0, s.mpi.handles.commWorld, req));
      s.engine.waitSync('DistributedDataParallel (broadcasting rank 0\'s parameters and buffers)', [slot]);
      if (s.rank !== 0) {
        at = 0;
        for (const t of list) { writeBack(t, buf, at, t.numel()); at += t.numel(); }
      }
    } finally { buf.free(); }
  }
}
