// Typed errors: part of the API. Each message names the op, the shapes/dtypes involved and a fix.

/** The base of Flint's typed errors; `name` is the subclass's name. */
export class FlintError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
/** Shapes that don't fit the op. */
export class ShapeError extends FlintError {}
/** A dtype the op or backend doesn't accept. */
export class DTypeError extends FlintError {}
/** Tensors on different devices, or a device nobody registered. */
export class DeviceError extends FlintError {}
/** Use of a tensor after dispose(). */
export class DisposedError extends FlintError {}
/** A backend failed, lacks a kernel, or was registered wrongly. */
export class BackendError extends FlintError {}
/** An index outside the tensor it indexes. */
export class IndexError extends FlintError {}
/** An argument whose value the op doesn't accept (an unknown mode, an option out of range). */
export class ValueError extends FlintError {}
/** Integer division (remainder) by zero, which torch refuses (floats give inf or NaN instead). */
export class ZeroDivisionError extends FlintError {}
/** A backend could not allocate memory. */
export class OutOfMemoryError extends FlintError {}

/** A shape as messages print it: `[2,3]`. */
export const fmtShape = (s: readonly number[]): string => `[${s.join(',')}]`;
