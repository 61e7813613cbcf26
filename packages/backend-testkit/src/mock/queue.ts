// The device side of the mock GPU: buffers that live until the commands using them have run, a command
// queue that runs later (at a read or synchronize, from a microtask, or when it grows large), and the
// errors a real GPU can only report after the fact.
import { BackendError } from '@flint/core';

/** A device buffer. Its memory is freed when core has released it and no queued command uses it. */
export class MockBuffer {
  /** The buffer's values (float64 whatever the dtype); null once freed. */
  data: Float64Array | null;
  /** Queued commands that read or write this buffer. */
  queued = 0;
  /** Whether core has released the buffer (it may still be in use by queued commands). */
  released = false;
  /**
   * Allocates a buffer.
   * @param id - the buffer's number, which names it in error messages
   * @param numel - its number of elements
   */
  constructor(readonly id: number, numel: number) { this.data = new Float64Array(numel); }
  /** Whether the buffer's memory has been freed. */
  get freed(): boolean { return this.data === null; }
}

interface Command { readonly what: string; readonly buffers: readonly MockBuffer[]; readonly run: () => void }

/**
 * When the mock GPU's queue runs: `'read'` at the next read or synchronize; `'microtask'` also after the current task.
 */
export type FlushMode = 'read' | 'microtask';

/** What the mock GPU's command queue has done so far. */
export interface QueueStats {
  /** Commands enqueued so far. */
  enqueued: number;
  /** Commands that have run. */
  executed: number;
  /** Buffers released while commands that use them were still queued. */
  releasedWhilePending: number;
  /** The longest the queue has been. */
  maxQueued: number;
}

export class CommandQueue {
  private commands: Command[] = [];
  private deferred: Error | undefined;
  private scheduled = false;
  private nextId = 0;
  private bytes = 0;
  private live = 0;
  readonly stats: QueueStats = { enqueued: 0, executed: 0, releasedWhilePending: 0, maxQueued: 0 };

  constructor(private readonly mode: FlushMode, private readonly maxQueued: number) {}

  allocate(numel: number): MockBuffer {
    const b = new MockBuffer(this.nextId++, numel);
    this.bytes += b.data!.byteLength;
    this.live++;
    return b;
  }

  release(b: MockBuffer): void {
    if (b.released) throw new BackendError(`mockgpu: buffer #${b.id} released twice`);
    b.released = true;
    if (b.queued > 0) this.stats.releasedWhilePending++;
    else this.free(b);
  }

  private free(b: MockBuffer): void {
    this.bytes -= b.data!.byteLength;
    this.live--;
    b.data = null;
  }

  memory(): { bytes: number; buffers: number } { return { bytes: this.bytes, buffers: this.live }; }

  /** Queue `run`, which reads and writes `buffers`; it runs later, in order. */
  enqueue(what: string, buffers: readonly MockBuffer[], run: () => void): void {
    for (const b of buffers) {
      if (b.released) throw new BackendError(`mockgpu: ${what} uses buffer #${b.id}, which core already released`);
    }
    for (const b of buffers) b.queued++;
    this.commands.push({ what, buffers, run });
    this.stats.enqueued++;
    this.stats.maxQueued = Math.max(this.stats.maxQueued, this.commands.length);
    // a full command buffer is submitted at once, as a GPU backend would
    if (this.commands.length >= this.maxQueued) this.flush();
    else if (this.mode === 'microtask' && !this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => { this.scheduled = false; this.flush(); });
    }
  }

  /** Run every queued command. Errors are kept for the next read or synchronize, as on a device. */
  flush(): void {
    const list = this.commands;
    this.commands = [];
    for (const c of list) {
      try {
        c.run();
      } catch (e) {
        this.deferred ??= e instanceof Error ? e : new BackendError(String(e));
      } finally {
        this.stats.executed++;
        for (const b of c.buffers) if (--b.queued === 0 && b.released) this.free(b);
      }
    }
  }

  /** Record a data-dependent error (an index out of range) found while a command ran. */
  defer(error: Error): void { this.deferred ??= error; }

  /** Run what is queued, then report (and clear) the first deferred error. */
  settle(): void {
    this.flush();
    const e = this.deferred;
    this.deferred = undefined;
    if (e) throw e;
  }

  get pending(): number { return this.commands.length; }
}
