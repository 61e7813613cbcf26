// Compare a Flint result with a fixture expectation: exact dtype and shape, values within rtol/atol.
import * as core from '@flint/core';
import type { Expect, Tolerance } from './fixtures.js';
import { decodeNumber } from './decode.js';

/** The tolerance a case's float results are compared with unless it sets its own, per dtype. */
export const DEFAULT_TOL: Record<string, Tolerance> = {
  float32: { rtol: 1e-5, atol: 1e-6 },
  float64: { rtol: 1e-9, atol: 1e-12 },
};

const fmt = (s: readonly number[]): string => `[${s.join(',')}]`;
const show = (v: number): string => (Number.isInteger(v) ? String(v) : v.toPrecision(9));

function close(a: number, e: number, tol: Tolerance | undefined): boolean {
  if (Number.isNaN(e)) return Number.isNaN(a);
  if (!Number.isFinite(e) || tol === undefined) return a === e;
  return Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e);
}

/** Returns null when `actual` matches, else a message naming the first mismatch (path, index, values). */
export async function compare(actual: unknown, expect: Expect, tol: Tolerance | undefined, opts: { device: string; shapeOnly?: boolean }, path = 'result'): Promise<string | null> {
  if ('error' in expect) return `${path}: expected ${expect.error}`;
  if ('none' in expect) return actual === undefined ? null : `${path}: expected no result (undefined), got ${describe(actual)}`;
  if ('l' in expect) {
    if (!Array.isArray(actual)) return `${path}: expected an array of ${expect.l.length}, got ${describe(actual)}`;
    if (actual.length !== expect.l.length) return `${path}: expected ${expect.l.length} items, got ${actual.length}`;
    for (let i = 0; i < actual.length; i++) {
      const m = await compare(actual[i], expect.l[i]!, tol, opts, `${path}[${i}]`);
      if (m) return m;
    }
    return null;
  }
  if ('o' in expect) {
    if (!actual || typeof actual !== 'object') return `${path}: expected an object {${Object.keys(expect.o).join(', ')}}, got ${describe(actual)}`;
    for (const [k, e] of Object.entries(expect.o)) {
      const m = await compare((actual as Record<string, unknown>)[k], e, tol, opts, `${path}.${k}`);
      if (m) return m;
    }
    return null;
  }
  const spec = expect.t;
  if (!(actual instanceof core.Tensor)) return `${path}: expected a Tensor, got ${describe(actual)}`;
  if (actual.device !== opts.device) return `${path}: on device '${actual.device}', expected '${opts.device}'`;
  if (actual.dtype !== spec.dtype) return `${path}: dtype ${actual.dtype}, expected ${spec.dtype}`;
  if (fmt(actual.shape) !== fmt(spec.shape)) return `${path}: shape ${fmt(actual.shape)}, expected ${fmt(spec.shape)}`;
  if (opts.shapeOnly || !spec.data) return null;
  const data = await actual.data();
  const t = tol ?? DEFAULT_TOL[spec.dtype];
  if (data.length !== spec.data.length) return `${path}: data() gave ${data.length} values for shape ${fmt(spec.shape)}`;
  for (let i = 0; i < data.length; i++) {
    const a = Number(data[i]!), e = Number(decodeNumber(spec.data[i]!));
    if (!close(a, e, t)) {
      const diffs: string[] = [];
      for (let j = 0; j < data.length; j++) if (!close(Number(data[j]!), Number(decodeNumber(spec.data[j]!)), t)) diffs.push(`[${j}] ${show(Number(data[j]!))} vs ${show(Number(decodeNumber(spec.data[j]!)))}`);
      return `${path}: ${diffs.length}/${data.length} values differ (got vs expected${t ? `, rtol ${t.rtol} atol ${t.atol}` : ', exact'}): ${diffs.slice(0, 4).join(', ')}${diffs.length > 4 ? ', ...' : ''}`;
    }
  }
  return null;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `array(${v.length})`;
  if (typeof v === 'object') return v.constructor?.name ?? 'object';
  return typeof v;
}
