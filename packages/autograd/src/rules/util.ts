// Helpers shared by gradient rules.
import { type Tensor, type DType, isFloating } from '@flint/core';
import type { InputInfo } from './registry.js';

/** Undo broadcasting: sum g over the dims that were broadcast to reach g's shape. */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (g.ndim === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  const s = dims.length ? g.sum(dims, true) : g;
  return s.reshape([...shape]);
}

/** The gradient for an input: broadcasting undone and cast to the input's dtype (null for non-floats). */
export function toInput(g: Tensor | null, info: InputInfo): Tensor | null {
  if (!g || !isFloating(info.dtype)) return null;
  const r = sumToShape(g, info.shape);
  return r.dtype === info.dtype ? r : r.to(info.dtype as DType);
}

/** Re-insert reduced dims (as size 1) so a reduction's gradient broadcasts against its input. */
export function unsqueezeDims(g: Tensor, dims: readonly number[], keepdim: boolean): Tensor {
  if (keepdim) return g;
  let r = g;
  for (const d of [...dims].sort((a, b) => a - b)) r = r.unsqueeze(d);
  return r;
}
