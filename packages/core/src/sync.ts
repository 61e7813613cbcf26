// Waiting for a device and timing its work: torch.cuda.synchronize and torch.cuda.Event, for any backend.
import { BackendError } from './errors.js';
import { getBackend, getDefaultDevice } from './registry.js';

/**
 * Wait until the work enqueued on `device` (default: the default device) has finished. Rejects with the
 * errors an asynchronous device could only find while running it (an IndexError from an index out of range).
 */
export async function synchronize(device: string = getDefaultDevice()): Promise<void> {
  await getBackend(device).synchronize?.();
}

/**
 * A point in a device's queue (torch.cuda.Event with enable_timing): `record()` marks it after the work
 * enqueued so far; `elapsedTime(end)` is the milliseconds the device spent between two marks. Backends
 * with device timestamps time without reading data back; for the others a mark waits for the queue.
 */
export class DeviceEvent {
  private mark: unknown;
  private recorded = false;
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
