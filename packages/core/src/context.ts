// Context values that follow async code: AsyncLocalStorage under Node, a plain stack elsewhere
// (in browsers: nested and sequential async scopes are exact, overlapping ones are an error).

import { FlintError } from './errors.js';

interface ALS<T> { getStore(): T | undefined; run<R>(store: T, fn: () => R): R }
type ALSCtor = new <T>() => ALS<T>;

const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
const asyncHooks = proc?.getBuiltinModule?.('node:async_hooks') as { AsyncLocalStorage?: ALSCtor } | undefined;
const AsyncLocalStorageCtor: ALSCtor | undefined = asyncHooks?.AsyncLocalStorage;

/** A value that follows async code (AsyncLocalStorage under Node, a stack elsewhere): `noGrad` and `scope` state. */
export interface ContextVar<T> {
  /** The value in the current context. */
  get(): T;
  /** Run fn with the value set; for an async fn the value holds until its promise settles. */
  run<R>(value: T, fn: () => R): R;
}

/** A new context variable, `initial` outside any `run`. */
export function contextVar<T>(initial: T): ContextVar<T> {
  if (AsyncLocalStorageCtor) {
    const als = new AsyncLocalStorageCtor<{ v: T }>();
    return { get: () => { const s = als.getStore(); return s ? s.v : initial; }, run: (v, fn) => als.run({ v }, fn) };
  }
  return stackContextVar(initial);
}

/**
 * The fallback where there is no AsyncLocalStorage (browsers): a plain stack. Nested async runs are exact;
 * two that overlap (a second starts while the first awaits, and the first ends first) can't be told apart
 * from nesting while they run, so the one that ends out of order rejects with a clear error instead of
 * leaving the other with the wrong value.
 */
export function stackContextVar<T>(initial: T): ContextVar<T> {
  let current = initial;
  const inFlight: object[] = [];
  const settle = (token: object): void => {
    if (inFlight[inFlight.length - 1] === token) { inFlight.pop(); return; }
    // out of order: every run in flight is suspect; start clean
    inFlight.splice(0, inFlight.length);
    current = initial;
    throw new FlintError('scope/noGrad across await: two asynchronous scopes overlapped (one ended while another it did not start was still running), ' +
      'and this environment has no AsyncLocalStorage to keep them apart (browsers). Await one scope before starting the next, or use synchronous scopes.');
  };
  return {
    get: () => current,
    run<R>(v: T, fn: () => R): R {
      const prev = current;
      current = v;
      let result: R;
      try { result = fn(); } catch (e) { current = prev; throw e; }
      if (result instanceof Promise) {
        const token = {};
        inFlight.push(token);
        return result.then(
          (r) => { current = prev; settle(token); return r; },
          (e) => { current = prev; settle(token); throw e; },
        ) as R;
      }
      current = prev;
      return result;
    },
  };
}
