// Context values that follow async code: AsyncLocalStorage under Node, a plain stack elsewhere
// (in browsers, concurrent async scopes can then see each other's values; sequential awaits are exact).

interface ALS<T> { getStore(): T | undefined; run<R>(store: T, fn: () => R): R }
type ALSCtor = new <T>() => ALS<T>;

const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
const asyncHooks = proc?.getBuiltinModule?.('node:async_hooks') as { AsyncLocalStorage?: ALSCtor } | undefined;
const AsyncLocalStorageCtor: ALSCtor | undefined = asyncHooks?.AsyncLocalStorage;

export interface ContextVar<T> {
  get(): T;
  /** Run fn with the value set; for an async fn the value holds until its promise settles. */
  run<R>(value: T, fn: () => R): R;
}

export function contextVar<T>(initial: T): ContextVar<T> {
  if (AsyncLocalStorageCtor) {
    const als = new AsyncLocalStorageCtor<{ v: T }>();
    return { get: () => { const s = als.getStore(); return s ? s.v : initial; }, run: (v, fn) => als.run({ v }, fn) };
  }
  let current = initial;
  return {
    get: () => current,
    run<R>(v: T, fn: () => R): R {
      const prev = current;
      current = v;
      let result: R;
      try { result = fn(); } catch (e) { current = prev; throw e; }
      if (result instanceof Promise) {
        return result.finally(() => { current = prev; }) as R;
      }
      current = prev;
      return result;
    },
  };
}
