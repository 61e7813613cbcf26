// Shared plumbing for the nn ops: int pairs, window geometry, and the host-built index tables that let
// conv and pooling composites run as one gather (plus a matmul or a reduction) on any backend.
import { isFloating } from '../../dtype.js';
import { DTypeError, ShapeError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { tensor } from '../creation.js';
import { indexSelect } from '../indexing.js';
import { pad } from '../join.js';
import { mean, sum } from '../reduce.js';

/** An int, or an [h, w] pair (torch accepts both for every conv/pool size argument). */
export type IntPair = number | readonly number[];

export function pair(op: string, name: string, v: IntPair, min: number): [number, number] {
  const p = typeof v === 'number' ? [v, v] : [...v];
  if (p.length !== 2 || p.some((x) => !Number.isInteger(x) || x < min)) {
    throw new ShapeError(`${op}: ${name} must be an integer >= ${min} or a pair of them, got ${JSON.stringify(v)}`);
  }
  return p as [number, number];
}

/** The shape as [N, C, H, W]; 3-d (unbatched) inputs get N = 1, like torch. */
export function batched4d(op: string, what: string, shape: readonly number[]): [number, number, number, number] {
  if (shape.length === 4) return shape as unknown as [number, number, number, number];
  if (shape.length === 3) return [1, shape[0]!, shape[1]!, shape[2]!];
  throw new ShapeError(`${op}: expected ${what} of shape [N,C,H,W] or [C,H,W], got ${fmtShape(shape)}`);
}

export function requireSameFloat(op: string, ...ts: (Tensor | null | undefined)[]): void {
  requireSame(op, true, ts);
}

/** Like requireSameFloat, but integer tensors are allowed too (torch convolves and pools them exactly). */
export function requireSameNumeric(op: string, ...ts: (Tensor | null | undefined)[]): void {
  requireSame(op, false, ts);
}

function requireSame(op: string, float: boolean, ts: (Tensor | null | undefined)[]): void {
  const present = ts.filter((t): t is Tensor => !!t);
  const d = present[0]!.dtype;
  if (float ? !isFloating(d) : d === 'bool') {
    throw new DTypeError(`${op}: expected a ${float ? 'floating-point' : 'numeric'} input, got ${d} (shape ${fmtShape(present[0]!.shape)}); convert with x.float()`);
  }
  for (const t of present) {
    if (t.dtype !== d) throw new DTypeError(`${op}: expected all tensors to be ${d}, got ${t.dtype} (shape ${fmtShape(t.shape)}); cast with .to('${d}')`);
  }
}

/** Sliding windows over a padded plane: kernel (kh, kw), stride, dilation, and the output grid. */
export interface Windows {
  Hp: number; Wp: number; kh: number; kw: number; sh: number; sw: number; dh: number; dw: number; Ho: number; Wo: number;
}

const indexCache = new Map<string, Int32Array>();

/**
 * Flat offsets into C stacked planes of size Hp*Wp. Conv order ('taps-first') is rows (c, i, j) by
 * columns (oh, ow), the im2col layout; pooling order ('windows-first', C = 1) is (oh, ow) by (i, j).
 */
function windowOffsets(C: number, g: Windows, order: 'taps-first' | 'windows-first'): Int32Array {
  const key = `${C}:${order}:${g.Hp},${g.Wp},${g.kh},${g.kw},${g.sh},${g.sw},${g.dh},${g.dw},${g.Ho},${g.Wo}`;
  const hit = indexCache.get(key);
  if (hit) return hit;
  const K = g.kh * g.kw, L = g.Ho * g.Wo, out = new Int32Array(C * K * L);
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < g.kh; i++) {
      for (let j = 0; j < g.kw; j++) {
        const k = i * g.kw + j;
        for (let oh = 0; oh < g.Ho; oh++) {
          for (let ow = 0; ow < g.Wo; ow++) {
            const l = oh * g.Wo + ow;
            const at = order === 'taps-first' ? (c * K + k) * L + l : l * K + k;
            out[at] = c * g.Hp * g.Wp + (oh * g.sh + i * g.dh) * g.Wp + ow * g.sw + j * g.dw;
          }
        }
      }
    }
  }
  if (indexCache.size > 64) indexCache.delete(indexCache.keys().next().value!);
  indexCache.set(key, out);
  return out;
}

export const windowIndex = (device: string, C: number, g: Windows, order: 'taps-first' | 'windows-first'): Tensor =>
  tensor(windowOffsets(C, g, order), { dtype: 'int32', device });

/** im2col: x [N, C, Hp, Wp] (already padded) → [N, C*kh*kw, Ho*Wo] with one gather. */
export function im2col(xp: Tensor, g: Windows): Tensor {
  const [N, C] = xp.shape as [number, number];
  const flat = xp.reshape([N, C * g.Hp * g.Wp]);
  return indexSelect(flat, 1, windowIndex(xp.device, C, g, 'taps-first')).reshape([N, C * g.kh * g.kw, g.Ho * g.Wo]);
}

/** Pooling windows: planes [P, H, W] padded by (top, bottom, left, right) with `value` → [P, Ho*Wo, kh*kw]. */
export function poolWindows(planes: Tensor, g: Windows, padding: [number, number, number, number], value: number): Tensor {
  const [P] = planes.shape as [number];
  const [t, b, l, r] = padding;
  const xp = t || b || l || r ? pad(planes, [l, r, t, b], { value }) : planes;
  const flat = xp.reshape([P, g.Hp * g.Wp]);
  return indexSelect(flat, 1, windowIndex(planes.device, 1, g, 'windows-first')).reshape([P, g.Ho * g.Wo, g.kh * g.kw]);
}

/** How a loss reduces its elementwise values: mean, sum, or none (the unreduced tensor). */
export type LossReduction = 'mean' | 'sum' | 'none';

export function checkReduction(op: string, r: string): LossReduction {
  if (r !== 'mean' && r !== 'sum' && r !== 'none') throw new ShapeError(`${op}: reduction must be 'mean', 'sum' or 'none', got '${r}'`);
  return r;
}

/** Elementwise loss → the requested reduction (mean over every element, as torch). */
export function reduceLoss(loss: Tensor, reduction: LossReduction): Tensor {
  return reduction === 'none' ? loss : reduction === 'sum' ? sum(loss) : mean(loss);
}

/** A per-element weight (or posWeight) must broadcast to the loss's shape without growing it. */
export function checkBroadcastsTo(op: string, what: string, t: Tensor | null | undefined, shape: readonly number[]): void {
  if (!t) return;
  const lead = shape.length - t.ndim;
  if (lead < 0 || t.shape.some((d, i) => d !== 1 && d !== shape[lead + i])) {
    throw new ShapeError(`${op}: ${what} ${fmtShape(t.shape)} can't be broadcast to the input's shape ${fmtShape(shape)}`);
  }
}

/** Throws a ShapeError naming the op and the tensor unless t has exactly `shape`. */
export function checkShape(op: string, what: string, t: Tensor, shape: readonly number[]): void {
  if (t.ndim !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new ShapeError(`${op}: ${what} ${fmtShape(t.shape)} must have shape ${fmtShape(shape)}`);
  }
}
