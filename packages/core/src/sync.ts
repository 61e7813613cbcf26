// Waiting for a device and timing its work: torch.cuda.synchronize and torch.cuda.Event, for any backend.
import { BackendError } from './errors.js';
import { getBackend, getDefaultDevice } from './registry.js';
import type { Tensor } from './tensor.js';

/**
 * Wait until the work enqueued on `device` (default: the default device) has finished. Rejects with the
 * errors an asynchronous device could only find while running it (an IndexError from an index out of range).
 */
export async function synchronize(device: string = getDefaultDevice()): Promise<void> {
  await getBackend(device).synchronize?.();
  await settleChecks(device);
}

/**
 * A point in a device's queue (torch.cuda.Event with enable_timing): `record()` marks it after the work
 * enqueued so far; `elapsedTime(end)` is the milliseconds the device spent between two marks. Backends
 * with device timestamps time without reading data back; for the others a mark waits for the queue.
 */
export class DeviceEvent {
  private mark: unknown;
  private recorded = false;
  /** @param device - the device whose queue it marks (default: the default device) */
  constructor(readonly device: string = getDefaultDevice()) {}

  /** Mark the current end of the device's queue. Returns this, so `const start = new DeviceEvent().record()`. */
  record(): this {
    const b = getBackend(this.device);
    this.mark = b.timing ? b.timing.record() : Promise.resolve(b.synchronize?.()).then(() => performance.now());
    this.recorded = true;
    return this;
  }

  /** Milliseconds from this mark to `end`'s, once the device has passed both. */
  async elapsedTime(end: DeviceEvent): Promise<number> {
    if (!this.recorded || !end.recorded) throw new BackendError('elapsedTime: both events must be recorded first (call record())');
    if (end.device !== this.device) throw new BackendError(`elapsedTime: events on different devices ('${this.device}' and '${end.device}')`);
    const timing = getBackend(this.device).timing;
    if (timing) return timing.elapsedMs(this.mark, end.mark);
    return (await (end.mark as Promise<number>)) - (await (this.mark as Promise<number>));
  }

  /** Wait until the device has passed this mark. */
  async synchronize(): Promise<void> {
    if (!this.recorded) return;
    const timing = getBackend(this.device).timing;
    if (timing) await timing.elapsedMs(this.mark, this.mark);
    else await this.mark;
  }
}

// --- device-side checks (torch._assert_async): a condition the host learns about only by reading it ---
const pendingChecks = new Map<string, Promise<Error | undefined>[]>();

/**
 * Check that every element of the bool tensor `condition` is true, throwing `error()` if not. On a device
 * that reads synchronously the check is immediate; elsewhere it reads asynchronously and the error comes
 * from the next `data()`, `item()` or `synchronize()` on that device, so nothing waits for the device.
 */
export function assertAsync(condition: Tensor, error: () => Error): void {
  const ok = (values: ArrayLike<number | bigint>): boolean => Array.prototype.every.call(values, (v) => v !== 0 && v !== 0n);
  if (condition.storage.backend.syncRead) {
    if (!ok(condition.dataSync())) throw error();
    return;
  }
  // the read is issued now, from a dense copy that can go at once (a backend keeps what queued work needs)
  const c = condition.contiguous();
  const read = c.storage.backend.read(c.storage.buffer, c.dtype, c.offset, c.numel());
  if (c !== condition) c.dispose();
  const check = read.then((v) => (ok(v as ArrayLike<number | bigint>) ? undefined : error()), (e: unknown) => (e instanceof Error ? e : new Error(String(e))));
  const list = pendingChecks.get(condition.device) ?? [];
  list.push(check);
  pendingChecks.set(condition.device, list);
}

/** Throw the first failed check of `device` issued so far (and forget them all). */
export async function settleChecks(device: string): Promise<void> {
  const list = pendingChecks.get(device);
  if (!list) return;
  pendingChecks.delete(device);
  for (const e of await Promise.all(list)) if (e) throw e;
}
