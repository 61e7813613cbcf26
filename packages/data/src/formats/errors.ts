// Typed errors of the readers: a file that is not what its reader expects, and data over a size cap.
import { FlintError } from '@flint/core';

/** A file that is truncated, malformed or not the format its reader expects (or a directory where a file belongs). */
export class FormatError extends FlintError {}

/** Data that decompresses (or would decode) to more than the cap it is read under; `limit` is that cap in bytes. */
export class SizeLimitError extends FormatError {
  /**
   * @param message - what went wrong
   * @param limit - the cap, in bytes
   */
  constructor(message: string, readonly limit: number) { super(message); }
}
