// Errors across the worker boundary: a worker sends its error's class name, message, stack and plain fields; the
// main thread re-creates the class when it is a known one (Flint's typed errors, JavaScript's own), so
// `instanceof FormatError` works on what the DataLoader throws.
import * as core from '@flint/core';
import { FormatError, SizeLimitError } from '../formats/errors.js';
import { DataLoaderError, DataLoaderTimeoutError } from '../loader/errors.js';

export interface SerializedError { name: string; message: string; stack?: string; fields: Record<string, string | number | boolean> }

type ErrorClass = abstract new (...args: never[]) => Error;
let known: Map<string, ErrorClass> | undefined;

/** Every error class core exports (so ones added later count too), this package's, and JavaScript's own. */
function knownClasses(): Map<string, ErrorClass> {
  if (!known) {
    known = new Map<string, ErrorClass>();
    for (const v of Object.values(core)) if (typeof v === 'function' && v.prototype instanceof Error) known.set(v.name, v as ErrorClass);
    for (const C of [FormatError, SizeLimitError, DataLoaderError, DataLoaderTimeoutError, Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError]) known.set(C.name, C);
  }
  return known;
}

export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e), fields: {} };
  const fields: SerializedError['fields'] = {};
  for (const [k, v] of Object.entries(e)) if (k !== 'name' && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) fields[k] = v;
  return { name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}), fields };
}

/**
 * The error as its own class (Error when the class is not a known one, keeping its name), with `prefix` before
 * its message and the worker's stack frames (where in the dataset it failed) as its stack.
 */
export function reviveError(s: SerializedError, prefix: string): Error {
  const C = knownClasses().get(s.name) ?? Error;
  const err = Object.create(C.prototype) as Error;
  const own = (k: string, value: unknown) => Object.defineProperty(err, k, { value, writable: true, configurable: true, enumerable: false });
  Object.assign(err, s.fields);
  own('name', s.name);
  own('message', `${prefix}${s.message}`);
  const frames = (s.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).join('\n');
  own('stack', `${s.name}: ${prefix}${s.message}${frames ? `\n${frames}` : ''}`);
  return err;
}
