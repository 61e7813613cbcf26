// The second trace's side of export: inputs with their dynamic axes grown, and the constants whose values
// differ between the two traces (host-side arithmetic on a dynamic size).
import { arange, indexSelect, withoutHooks, type Tensor } from '@flint/core';
import { OnnxExportError } from './errors.js';
import type { Resolved } from './options.js';
import type { Trace } from './trace.js';

/**
 * Each input with its dynamic axes grown: by 1 for the first axis name, 2 for the second, ... (`by: 'name'`),
 * or alike for axes of equal example size (`by: 'size'`, for names that are really one dim, as PyTorch's
 * list-form dynamicAxes give).
 */
export function grow(args: readonly Tensor[], o: Resolved, by: 'name' | 'size'): Tensor[] {
  const keys: (string | number)[] = [];
  return args.map((t, i) => {
    const axes = o.axes.get(o.inputNames[i]!);
    let x = t;
    for (const [axis, sym] of axes ?? []) {
      if (axis >= t.ndim) throw new OnnxExportError(`dynamicAxes['${o.inputNames[i]}'] names axis ${axis}, but the input has ${t.ndim} dims (shape [${t.shape.join(', ')}])`);
      const n = x.shape[axis]!, key = by === 'name' ? sym : n;
      if (!keys.includes(key)) keys.push(key);
      const grown = n + keys.indexOf(key) + 1;
      // rows repeated from the start, so token ids and the like stay valid
      x = withoutHooks(() => indexSelect(x, axis, arange(grown, { device: x.device }).remainder(Math.max(n, 1))));
    }
    return x;
  });
}

/** A constant whose values differ between the two traces, with both traces' values when it is a small integer vector. */
export interface Changing { readonly a?: number[]; readonly b?: number[] }

/** Constants whose values differ between the two traces (computed on the host from a dynamic size). */
export async function varying(a: Trace, b: Trace): Promise<Map<Tensor, Changing>> {
  const out = new Map<Tensor, Changing>();
  if (a === b) return out;
  const check = async (ta: Tensor, tb: Tensor | undefined) => {
    const sa = a.snapshots.get(ta), sb = tb && b.snapshots.get(tb);
    if (!sa || !sb || out.has(ta)) return;
    if (sa.shape.join() !== sb.shape.join()) { out.set(ta, {}); return; }
    const [x, y] = await Promise.all([sa.data(), sb.data()]);
    for (let i = 0; i < x.length; i++) {
      if (x[i] === y[i] || (Number.isNaN(x[i]) && Number.isNaN(y[i]))) continue;
      // shape arithmetic done on the host: rebuilt at run time from the dims it came from
      const small = (sa.dtype === 'int64' || sa.dtype === 'int32') && sa.ndim <= 1 && x.length <= 16;
      out.set(ta, small ? { a: Array.from(x as ArrayLike<number | bigint>, Number), b: Array.from(y as ArrayLike<number | bigint>, Number) } : {});
      return;
    }
  };
  for (const [k, ca] of a.calls.entries()) {
    const cb = b.calls[k];
    if (!cb) break;
    for (const [i, t] of ca.inputs.entries()) await check(t, cb.inputs[i]);
    for (const [i, t] of ca.outputs.entries()) await check(t, cb.outputs[i]);
  }
  return out;
}

