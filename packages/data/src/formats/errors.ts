// FormatError: a file that is truncated, malformed or not the format its reader expects.
export class FormatError extends Error {
  override name = 'FormatError';
}
