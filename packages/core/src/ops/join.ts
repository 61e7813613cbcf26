// Joining, splitting and rearranging: cat, stack, split, chunk, pad, flip, repeat, tile.
import { allocate, apply, copyInto, launch } from '../dispatch.js';
import { DeviceError, ShapeError, fmtShape } from '../errors.js';
import { normalizeDim, parseShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { full } from './creation.js';
import { indexSelect } from './indexing.js';
import { tensor } from './creation.js';
import { castTo, promote } from './util.js';
import type { ShapeArg } from './views.js';
import { expand, narrow, reshape, unsqueeze } from './views.js';
import { checkOptions, optionKeys } from '../names.js';

/** Tensors joined along an existing dim (same shape elsewhere, dtypes promoted). */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ShapeError('cat: expected a non-empty list of tensors');
  // torch skips legacy 1-d empty tensors
  const parts = tensors.filter((t) => !(t.ndim === 1 && t.shape[0] === 0));
  const ref = parts[0] ?? tensors[0]!;
  if (ref.ndim === 0) throw new ShapeError('cat: zero-dimensional tensors cannot be concatenated; use stack');
  const d = normalizeDim('cat', dim, ref.ndim);
  for (const t of parts) {
    if (t.device !== ref.device) throw new DeviceError(`cat: expected all tensors on one device, got '${ref.device}' and '${t.device}'`);
    if (t.ndim !== ref.ndim || t.shape.some((s, i) => i !== d && s !== ref.shape[i])) {
      throw new ShapeError(`cat: sizes of tensors must match except in dim ${d}; got ${fmtShape(ref.shape)} and ${fmtShape(t.shape)}`);
    }
  }
  const dtype = promote(tensors);
  return apply('cat', tensors, { dim: d }, (ins) => {
    // autocast's promote policy may hand casts of the tensors (of the dtype they promote to anyway)
    const shape = [...ref.shape];
    shape[d] = parts.reduce((a, t) => a + t.shape[d]!, 0);
    const out = allocate(ref.device, dtype, shape);
    let at = 0;
    for (const t of ins.filter((t) => !(t.ndim === 1 && t.shape[0] === 0))) {
      const len = t.shape[d]!;
      if (len > 0) copyInto(narrow(out, d, at, len), castTo(t, dtype));
      at += len;
    }
    return out;
  });
}

/** Tensors of the same shape joined along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ShapeError('stack: expected a non-empty list of tensors');
  const ref = tensors[0]!;
  for (const t of tensors) {
    if (t.ndim !== ref.ndim || t.shape.some((s, i) => s !== ref.shape[i])) throw new ShapeError(`stack: expects each tensor to be equal size, but got ${fmtShape(ref.shape)} and ${fmtShape(t.shape)}`);
  }
  const d = normalizeDim('stack', dim, ref.ndim, true);
  return apply('stack', tensors, { dim: d }, (ins) => cat(ins.map((t) => unsqueeze(t, d)), d));
}

/** Views of `x` split along `dim` into pieces of `sizeOrSections` (the last may be smaller), or of the given sizes. */
export function split(x: Tensor, sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  const d = normalizeDim('split', dim, x.ndim);
  const n = x.shape[d]!;
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    if (!Number.isInteger(sizeOrSections) || sizeOrSections <= 0) throw new ShapeError(`split: split size must be a positive integer, got ${sizeOrSections}`);
    sizes = [];
    for (let at = 0; at < n; at += sizeOrSections) sizes.push(Math.min(sizeOrSections, n - at));
    if (n === 0) sizes = [0];
  } else {
    sizes = [...sizeOrSections];
    if (sizes.reduce((a, b) => a + b, 0) !== n) throw new ShapeError(`split: sizes ${fmtShape(sizes)} must sum to the size of dim ${d} (${n}) of shape ${fmtShape(x.shape)}`);
  }
  return apply('split', [x], { sizes, dim: d }, () => {
    let at = 0;
    return sizes.map((len) => { const v = narrow(x, d, at, len); at += len; return v; });
  });
}

/** Views of `x` split along `dim` into `chunks` pieces of near-equal size. */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) throw new ShapeError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normalizeDim('chunk', dim, x.ndim);
  const size = Math.max(1, Math.ceil(x.shape[d]! / chunks));
  return split(x, size, d);
}

/**
 * Options of {@link pad}.
 * @property mode - how the border is filled: a constant (default), a reflection, the edge value, or wrapping around
 * @property value - the constant of constant padding (default 0)
 */
export interface PadOptions { mode?: 'constant' | 'reflect' | 'replicate' | 'circular'; value?: number }
const PAD_KEYS = optionKeys<PadOptions>()('mode', 'value');

/** torch.nn.functional.pad: `pad` lists (left, right) pairs starting from the last dim. */
export function pad(x: Tensor, padding: readonly number[], opts: PadOptions = {}): Tensor {
  checkOptions('pad', opts, PAD_KEYS);
  const mode = opts.mode ?? 'constant';
  if (padding.length % 2 !== 0 || padding.length / 2 > x.ndim) {
    throw new ShapeError(`pad: padding length must be even and at most 2*ndim (${2 * x.ndim}), got ${padding.length}`);
  }
  const pairs: [number, number, number][] = [];
  for (let i = 0; i < padding.length / 2; i++) pairs.push([x.ndim - 1 - i, padding[2 * i]!, padding[2 * i + 1]!]);
  for (const [d, l, r] of pairs) {
    if (x.shape[d]! + l + r < 0) throw new ShapeError(`pad: padding (${l}, ${r}) on dim ${d} of size ${x.shape[d]} gives a negative size`);
    if (mode === 'reflect' && (l >= x.shape[d]! || r >= x.shape[d]!)) throw new ShapeError(`pad: reflect padding (${l}, ${r}) must be smaller than dim ${d}'s size ${x.shape[d]}`);
  }
  return apply('pad', [x], { pad: [...padding], mode, value: opts.value ?? 0 }, () => {
    if (mode !== 'constant') {
      let out = x;
      for (const [d, l0, r0] of pairs) {
        // as torch: circular padding crops first, then wraps the cropped tensor; reflect and replicate read
        // output position k at k - left of the uncropped input
        const crop = mode === 'circular' && (l0 < 0 || r0 < 0);
        if (crop) out = narrow(out, d, Math.max(-l0, 0), x.shape[d]! + Math.min(l0, 0) + Math.min(r0, 0));
        const n = out.shape[d]!, l = crop ? Math.max(l0, 0) : l0, r = crop ? Math.max(r0, 0) : r0;
        if (l === 0 && r === 0) continue;
        const idx = Array.from({ length: n + l + r }, (_, k) => {
          const i = k - l;
          if (mode === 'replicate') return Math.min(Math.max(i, 0), n - 1);
          if (mode === 'circular') return ((i % n) + n) % n;
          const period = 2 * (n - 1);
          const m = ((i % period) + period) % period;
          return m < n ? m : period - m;
        });
        out = indexSelect(out, d, tensor(idx, { dtype: 'int32', device: x.device }));
      }
      return out;
    }
    const shape = [...x.shape];
    for (const [d, l, r] of pairs) shape[d] = x.shape[d]! + l + r;
    const out = full(shape, opts.value ?? 0, { dtype: x.dtype, device: x.device });
    let src = x, dst = out;
    for (const [d, l, r] of pairs) {
      const keep = x.shape[d]! + Math.min(l, 0) + Math.min(r, 0);
      if (keep <= 0) return out;
      src = narrow(src, d, Math.max(-l, 0), keep);
      dst = narrow(dst, d, Math.max(l, 0), keep);
    }
    copyInto(dst, src);
    return out;
  });
}

/** Reverse the order of elements along dims (a copy, as in torch). */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  const ds = (typeof dims === 'number' ? [dims] : [...dims]).map((d) => normalizeDim('flip', d, x.ndim));
  return apply('flip', [x], { dims: ds }, () => {
    let out = x;
    for (const d of ds) {
      const n = x.shape[d]!;
      out = indexSelect(out, d, tensor(Array.from({ length: n }, (_, i) => n - 1 - i), { dtype: 'int32', device: x.device }));
    }
    return out === x ? x.clone() : out;
  });
}

/** Tile the whole tensor `sizes` times along each dim (torch.Tensor.repeat). */
export function repeat(x: Tensor, ...sizes: ShapeArg[]): Tensor {
  const reps = parseShape(sizes);
  if (reps.length < x.ndim) throw new ShapeError(`repeat: number of repeat dims (${reps.length}) can't be smaller than the tensor's dims (${x.ndim})`);
  return apply('repeat', [x], { sizes: reps }, () => {
    const src = [...Array(reps.length - x.ndim).fill(1), ...x.shape] as number[];
    const inter: number[] = [], expanded: number[] = [];
    src.forEach((s, i) => { inter.push(1, s); expanded.push(reps[i]!, s); });
    const e = expand(reshape(x, inter), expanded);
    const out = allocate(x.device, x.dtype, e.shape);
    launch('copy', [e], [out], {});
    return reshape(out, src.map((s, i) => s * reps[i]!));
  });
}

/** torch.tile: like repeat, with missing leading dims taken as 1. */
export function tile(x: Tensor, ...dims: ShapeArg[]): Tensor {
  const reps = parseShape(dims);
  return repeat(x, [...Array(Math.max(0, x.ndim - reps.length)).fill(1), ...reps]);
}
