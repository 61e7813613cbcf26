// Grad mode: whether ops are recorded. A context value, so noGrad holds across await.
import { contextVar } from '@flint/core';

const enabled = contextVar<boolean>(true);

/** Whether ops are recorded for autograd in the current context (false inside {@link noGrad}). */
export const isGradEnabled = (): boolean => enabled.get();

/** Run fn (sync or async) without recording gradients. */
export function noGrad<R>(fn: () => R): R { return enabled.run(false, fn); }

/** Run fn with recording on, even inside noGrad. */
export function enableGrad<R>(fn: () => R): R { return enabled.run(true, fn); }

/** Run fn with grad mode set to `mode`. */
export function setGradEnabled<R>(mode: boolean, fn: () => R): R { return enabled.run(mode, fn); }
