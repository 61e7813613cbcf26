// The progress engine: nonblocking MPI requests are tested from the event loop (or, for DDP's end of
// backward, in a short sleeping loop) until they complete, fail, or pass the group's timeout.
import { DistributedError, DistributedTimeoutError } from '../errors.js';
import { mpiErrorString, type MpiLibrary, type Ptr } from '../mpi/library.js';
import { RequestSlot } from '../mpi/native.js';

/** What to do when an operation passes the timeout. */
export type TimeoutAction = 'abort' | 'throw';

interface Waiter { name: string; slots: RequestSlot[]; deadline: number; resolve: () => void; reject: (e: Error) => void }

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Issues and completes the nonblocking requests of one process group. */
export class Engine {
  readonly #waiters = new Set<Waiter>();
  #scheduled = false;
  #idlePolls = 0;
  /** Set once an operation failed or timed out: later operations fail with it (the peers' state is unknown). */
  broken: Error | undefined;

  constructor(readonly mpi: MpiLibrary, readonly rank: number, readonly size: number, readonly timeoutMs: number, readonly onTimeout: TimeoutAction) {}

  /** Starts one nonblocking call: `issue(requestPtr)` is the MPI_I* call; a nonzero return is an error naming `name`. */
  start(name: string, issue: (req: Ptr) => number): RequestSlot {
    this.check(name);
    const slot = new RequestSlot(this.mpi);
    const rc = issue(slot.ptr);
    if (rc !== 0) { slot.free(); throw this.fail(new DistributedError(`${name}: MPI error ${rc} (${mpiErrorString(this.mpi, rc)}) on rank ${this.rank}`)); }
    return slot;
  }

  /** Throws if the group can't run `name`. */
  check(name: string): void {
    if (this.broken) throw new DistributedError(`${name}: the process group failed earlier and can't be used: ${this.broken.message}`);
  }

  /** Resolves when every slot completed (and frees them); rejects with a DistributedTimeoutError after the timeout. */
  wait(name: string, slots: RequestSlot[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiters.add({ name, slots, deadline: Date.now() + this.timeoutMs, resolve, reject });
      this.#idlePolls = 0;
      this.#schedule();
    });
  }

  /** Blocks the thread until every slot completed, sleeping briefly between tests; the same timeout applies. */
  waitSync(name: string, slots: RequestSlot[]): void {
    const deadline = Date.now() + this.timeoutMs;
    let spins = 0;
    for (;;) {
      if (this.#testAll(name, slots)) return;
      if (Date.now() > deadline) throw this.timedOut(name, slots);
      // spin for a while (a reduction of a bucket takes microseconds), then sleep 0.2 ms between tests
      if (++spins > 200) Atomics.wait(sleeper, 0, 0, 0.2);
    }
  }

  /** Tests every slot once (driving MPI's progress); true when all completed, after freeing them. */
  #testAll(name: string, slots: RequestSlot[]): boolean {
    let all = true;
    for (const s of slots) {
      try { if (!s.test()) all = false; } catch (e) { throw this.fail(new DistributedError(`${name}: ${(e as Error).message} on rank ${this.rank}`)); }
    }
    if (all) for (const s of slots) s.free();
    return all;
  }

  /** Drives MPI's progress without waiting (DDP calls it from gradient hooks so earlier buckets move on). */
  progress(slots: readonly RequestSlot[]): void { for (const s of slots) if (!s.done) s.test(); }

  #schedule(): void {
    if (this.#scheduled || this.#waiters.size === 0) return;
    this.#scheduled = true;
    // poll at once while things move; back off to 1 ms timers when a peer is slow, so a waiting rank leaves the CPU to others
    const tick = (): void => { this.#scheduled = false; this.#poll(); };
    if (this.#idlePolls < 64) setImmediate(tick); else setTimeout(tick, 1);
  }

  #poll(): void {
    let progressed = false;
    const now = Date.now();
    for (const w of [...this.#waiters]) {
      try {
        if (this.#testAll(w.name, w.slots)) { this.#waiters.delete(w); progressed = true; w.resolve(); }
        else if (now > w.deadline) { this.#waiters.delete(w); w.reject(this.timedOut(w.name, w.slots)); }
      } catch (e) { this.#waiters.delete(w); w.reject(e as Error); }
    }
    this.#idlePolls = progressed ? 0 : this.#idlePolls + 1;
    this.#schedule();
  }

  /** The timeout error; with onTimeout 'abort' it is printed and the whole job is ended through MPI_Abort. */
  timedOut(name: string, slots: RequestSlot[]): DistributedTimeoutError {
    const left = slots.filter((s) => !s.done).length;
    const what = slots.length ? `${left} of ${slots.length} request(s) did not complete` : 'the queued GPU work did not complete';
    const e = new DistributedTimeoutError(`${name}: rank ${this.rank} of ${this.size} waited ${this.timeoutMs / 1000} s and ${what}: a peer rank died, stopped answering or did not call ${name.split(' ')[0]}; set the limit with initProcessGroup({ timeout })`);
    this.fail(e);
    if (this.onTimeout === 'abort') this.abort(e);
    return e;
  }

  fail(e: Error): Error {
    this.broken ??= e;
    return e;
  }

  /** Prints `e` and ends every process of the job (Open MPI's mpirun kills the other ranks too). */
  abort(e: Error, code = 1): never {
    process.stderr.write(`[flint distributed] rank ${this.rank}: ${e.name}: ${e.message}\n[flint distributed] aborting the job (MPI_Abort) so no rank is left waiting\n`);
    this.mpi.Abort(this.mpi.handles.commWorld, code);
    process.exit(code); // MPI_Abort does not return; this line is for a library that did
  }

  /** Whether operations are still in flight. */
  get busy(): boolean { return this.#waiters.size > 0; }

  /** The operations in flight, for messages. */
  get pendingNames(): string[] { return [...this.#waiters].map((w) => w.name); }
}
