// The handle every collective returns: awaitable (a thenable), with torch's wait() and isCompleted().

/** A communication in flight; `await work` (or `await work.wait()`) gives its result once every rank took part. */
export class Work<T> implements PromiseLike<T> {
  #done = false;
  readonly #promise: Promise<T>;
  constructor(run: Promise<T>) {
    this.#promise = run.finally(() => { this.#done = true; });
    // a handle nobody awaits must not crash the process with an unhandled rejection before its owner looks
    this.#promise.catch(() => undefined);
  }
  /** Resolves with the result (the tensor written in place, or the new tensors). */
  wait(): Promise<T> { return this.#promise; }
  /** Whether the operation has finished (successfully or not). */
  isCompleted(): boolean { return this.#done; }
  /** Makes the handle awaitable. */
  then<A = T, B = never>(onFulfilled?: ((v: T) => A | PromiseLike<A>) | null, onRejected?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.#promise.then(onFulfilled, onRejected);
  }
}
