// Errors of @flint/optim and the option checks every optimizer shares.
import { FlintError } from '@flint/core';

/** Invalid optimizer/scheduler options, parameter lists or state dicts (torch raises ValueError). */
export class OptimizerError extends FlintError {}

/** Throw unless `value` lies in the range (`lo <= value`, and `value < hi` when hi is given). */
export function checkRange(owner: string, option: string, value: number | undefined, lo: number, hi?: number): void {
  if (value === undefined) return;
  const ok = typeof value === 'number' && value >= lo && (hi === undefined || value < hi);
  if (!ok) {
    const range = hi === undefined ? `>= ${lo}` : `in [${lo}, ${hi})`;
    throw new OptimizerError(`${owner}: invalid ${option} ${String(value)}; it must be ${range}`);
  }
}

/** checkRange for each option named in `ranges` ([lo] or [lo, hi]). */
export function checkRanges(owner: string, options: object, ranges: Record<string, readonly [number, number?]>): void {
  const o = options as Record<string, number | undefined>;
  for (const [k, [lo, hi]] of Object.entries(ranges)) checkRange(owner, k, o[k], lo, hi);
}
