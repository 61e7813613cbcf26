// Transforms: objects with apply(x), or plain functions; Compose chains them and frees the tensors
// made in between.
import { Tensor } from '@flint/core';

/**
 * A data transform: an object whose `apply` maps an item to its transformed version.
 * @property apply - the transformed item
 */
export interface Transform<I = unknown, O = unknown> { apply(x: I): O }
/** A {@link Transform}, or a plain function doing the same. */
export type TransformLike<I = unknown, O = unknown> = Transform<I, O> | ((x: I) => O);

export function runTransform<I, O>(t: TransformLike<I, O>, x: I): O {
  return typeof t === 'function' ? t(x) : t.apply(x);
}

/** Chain transforms; name the ends for typed results: new Compose<RawImage, Tensor>([...]). */
export class Compose<I = unknown, O = unknown> implements Transform<I, O> {
  /** @param transforms - the transforms, applied in order */
  constructor(readonly transforms: readonly TransformLike<never, unknown>[]) {}
  apply(x: I): O {
    let cur: unknown = x;
    for (const t of this.transforms) {
      const next = runTransform(t as TransformLike<unknown, unknown>, cur);
      // an intermediate tensor this chain made is ours to free; the caller's input is not
      if (cur !== x && cur !== next && cur instanceof Tensor) cur.dispose();
      cur = next;
    }
    return cur as O;
  }
}

/** A function as a transform (torchvision's Lambda). */
export class Lambda<I, O> implements Transform<I, O> {
  /** @param fn - the function applied to each item */
  constructor(readonly fn: (x: I) => O) {}
  apply(x: I): O { return this.fn(x); }
}
