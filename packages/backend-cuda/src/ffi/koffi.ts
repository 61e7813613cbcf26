// koffi, loaded on first use (so importing the package never touches a native module), and the helper
// that binds a table of C declarations to a library.
import { createRequire } from 'node:module';
import type * as Koffi from 'koffi';

let koffi: typeof Koffi | undefined;

/** The koffi module. */
export function getKoffi(): typeof Koffi {
  if (!koffi) {
    const req = createRequire(import.meta.url);
    koffi = req('koffi') as typeof Koffi;
  }
  return koffi;
}

/** A table of C declarations by short name: `{ init: 'int cuInit(unsigned int flags)' }`. */
export type Decls = Readonly<Record<string, string>>;

/** The functions of a declaration table, bound (each takes and returns JS values as koffi converts them). */
export type Bound<D extends Decls> = { readonly [K in keyof D]: (...args: unknown[]) => unknown };

/** Binds every declaration of `decls` in the library at `path`. A missing symbol fails here, naming it. */
export function bind<D extends Decls>(path: string, decls: D): Bound<D> {
  const k = getKoffi();
  const lib = k.load(path);
  const out: Record<string, (...args: unknown[]) => unknown> = {};
  for (const [name, decl] of Object.entries(decls)) {
    try {
      out[name] = lib.func(decl) as (...args: unknown[]) => unknown;
    } catch (e) {
      throw new Error(`${path}: cannot bind '${decl}': ${(e as Error).message}`);
    }
  }
  return out as Bound<D>;
}

/** A one-element out-parameter array, as koffi fills `_Out_ T *` arguments. */
export const outParam = <T>(): [T | null] => [null];
