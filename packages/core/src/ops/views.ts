// Views: shape/stride/offset changes that share storage, never copies (reshape copies only when it must).
import { apply, allocate, launch } from '../dispatch.js';
import { scope } from '../memory.js';
import { arange } from './creation.js';
import { indexSelect } from './indexing.js';
import { isIntegral } from '../dtype.js';
import { DeviceError, IndexError, ShapeError, fmtShape } from '../errors.js';
import { inferReshape, normalizeDim, parseShape, viewStrides } from '../shape.js';
import type { Tensor } from '../tensor.js';

/** A size or a list of sizes: `reshape(x, 2, 3)` and `reshape(x, [2, 3])` mean the same. */
export type ShapeArg = number | readonly number[];

/** A contiguous copy (or x itself when already contiguous). */
export function contiguous(x: Tensor): Tensor {
  return apply('contiguous', [x], {}, () => (x.isContiguous() ? x : copyOf(x)));
}

/** A fresh copy with its own storage. */
export function clone(x: Tensor): Tensor {
  return apply('clone', [x], {}, () => copyOf(x));
}

function copyOf(x: Tensor): Tensor {
  const out = allocate(x.device, x.dtype, x.shape);
  launch('copy', [x], [out], {});
  return out;
}

/** A view of `x` with a new shape (-1 infers one size); a ShapeError when the strides don't allow one. */
export function view(x: Tensor, ...shape: ShapeArg[]): Tensor {
  const target = inferReshape('view', x.shape, parseShape(shape));
  return apply('view', [x], { shape: target }, () => {
    const strides = viewStrides(x.shape, x.strides, target);
    if (!strides) throw new ShapeError(`view: shape ${fmtShape(target)} is not compatible with the input's strides (shape ${fmtShape(x.shape)}, strides ${fmtShape(x.strides)}); use reshape, or call contiguous() first`);
    return x.viewAs(target, strides, x.offset);
  });
}

/** `x` in a new shape (-1 infers one size): a view when the strides allow, else a copy. */
export function reshape(x: Tensor, ...shape: ShapeArg[]): Tensor {
  const target = inferReshape('reshape', x.shape, parseShape(shape));
  return apply('reshape', [x], { shape: target }, () => {
    const strides = viewStrides(x.shape, x.strides, target);
    if (strides) return x.viewAs(target, strides, x.offset);
    const c = copyOf(x);
    return c.viewAs(target, viewStrides(c.shape, c.strides, target)!, 0);
  });
}

/** A view of `x` with its dims reordered. */
export function permute(x: Tensor, ...dims: ShapeArg[]): Tensor {
  const d = parseShape(dims).map((v) => normalizeDim('permute', v, x.ndim));
  if (d.length !== x.ndim || new Set(d).size !== d.length) {
    throw new ShapeError(`permute: dims ${fmtShape(parseShape(dims))} must be a permutation of the ${x.ndim} dims of a tensor of shape ${fmtShape(x.shape)}`);
  }
  return apply('permute', [x], { dims: d }, () => x.viewAs(d.map((i) => x.shape[i]!), d.map((i) => x.strides[i]!), x.offset));
}

/** A view of `x` with dims `dim0` and `dim1` swapped. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  if (x.ndim === 0) return apply('transpose', [x], { dim0, dim1 }, () => x.viewAs([], [], x.offset));
  const a = normalizeDim('transpose', dim0, x.ndim), b = normalizeDim('transpose', dim1, x.ndim);
  const order = [...Array(x.ndim).keys()];
  order[a] = b; order[b] = a;
  return apply('transpose', [x], { dim0: a, dim1: b }, () => x.viewAs(order.map((i) => x.shape[i]!), order.map((i) => x.strides[i]!), x.offset));
}

/** Transpose of a matrix (0-d and 1-d tensors come back unchanged). */
export function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw new ShapeError(`t: expects a tensor with <= 2 dims, got shape ${fmtShape(x.shape)}; use transpose(dim0, dim1)`);
  return x.ndim < 2 ? apply('t', [x], {}, () => x.viewAs(x.shape, x.strides, x.offset)) : transpose(x, 0, 1);
}

/** A view of `x` with a size-1 dim inserted at `dim`. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim('unsqueeze', dim, x.ndim, true);
  const shape = [...x.shape], strides = [...x.strides];
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < x.ndim ? x.strides[d]! * x.shape[d]! : 1);
  return apply('unsqueeze', [x], { dim: d }, () => x.viewAs(shape, strides, x.offset));
}

/** A view of `x` without its size-1 dims (only those in `dim` when given). */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const dims = dim === undefined ? x.shape.map((_, i) => i) : (typeof dim === 'number' ? [dim] : [...dim]).map((v) => normalizeDim('squeeze', v, x.ndim));
  const keep = x.shape.map((s, i) => !(s === 1 && dims.includes(i)));
  return apply('squeeze', [x], { dims }, () => x.viewAs(x.shape.filter((_, i) => keep[i]), x.strides.filter((_, i) => keep[i]), x.offset));
}

/** `x` with dims startDim..endDim merged into one (a view when the strides allow). */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim('flatten', startDim, x.ndim), e = normalizeDim('flatten', endDim, x.ndim);
  if (s > e) throw new ShapeError(`flatten: startDim ${startDim} comes after endDim ${endDim} for shape ${fmtShape(x.shape)}`);
  const shape = [...x.shape.slice(0, s), x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** torch.broadcast_to: a view of x broadcast to `shape` (new leading dims, size-1 dims stretched; -1 keeps a size). */
export function broadcastTo(x: Tensor, ...shape: ShapeArg[]): Tensor {
  const target = parseShape(shape);
  const lead = target.length - x.ndim;
  const ok = lead >= 0 && x.shape.every((d, i) => d === 1 || target[lead + i] === d || target[lead + i] === -1);
  if (!ok) throw new ShapeError(`broadcastTo: shape ${fmtShape(x.shape)} can't be broadcast to ${fmtShape(target)}: each dim must match, be 1, or be kept with -1`);
  return expand(x, target);
}

/** Broadcast to a larger shape without copying; -1 keeps a size. */
export function expand(x: Tensor, ...sizes: ShapeArg[]): Tensor {
  const target = parseShape(sizes);
  if (target.length < x.ndim) throw new ShapeError(`expand: the target shape ${fmtShape(target)} has fewer dims than the input ${fmtShape(x.shape)}`);
  const lead = target.length - x.ndim;
  const shape: number[] = [], strides: number[] = [];
  target.forEach((d, i) => {
    const j = i - lead;
    const src = j >= 0 ? x.shape[j]! : 1;
    const size = d === -1 ? (j >= 0 ? src : NaN) : d;
    if (Number.isNaN(size)) throw new ShapeError(`expand: -1 is not allowed for the new leading dim ${i} in ${fmtShape(target)}`);
    if (src !== 1 && src !== size) throw new ShapeError(`expand: the input's size ${src} at dim ${j} must match the target size ${size} (or be 1); input ${fmtShape(x.shape)}, target ${fmtShape(target)}`);
    shape.push(size);
    strides.push(j < 0 || (src === 1 && size !== 1) ? 0 : x.strides[j]!);
  });
  return apply('expand', [x], { shape }, () => x.viewAs(shape, strides, x.offset));
}

/** narrow() with a start that stays on the device: indexSelect of start + [0, length) (a copy; bounds checked by the kernel). */
function narrowAt(x: Tensor, dim: number, start: Tensor, length: number): Tensor {
  const d = normalizeDim('narrow', dim, x.ndim);
  // made of public ops, so hooks (autograd) record those; a negative start counts from the end
  return scope(() => {
    const s = start.add(start.lt(0).to(start.dtype).mul(x.shape[d]!));
    return indexSelect(x, d, arange(length, { dtype: start.dtype, device: x.device }).add(s));
  });
}

/** A 0-d integer tensor as a number (torch's `start.item()`: a read, so only where the device reads synchronously). */
function indexValue(op: string, what: string, t: Tensor): number {
  if (t.ndim !== 0 || !isIntegral(t.dtype)) throw new ShapeError(`${op}: ${what} must be a number or a 0-d integer tensor, got a ${t.dtype} tensor of shape ${fmtShape(t.shape)}`);
  if (!t.storage.backend.syncRead) throw new DeviceError(`${op}: ${what} is a tensor on '${t.device}', which reads asynchronously; pass a number (await ${what}.item())`);
  return Number(t.itemSync());
}

/**
 * A view of `length` elements of dim `dim` from `start`. A 0-d tensor start is read (torch's start.item());
 * on a device that reads asynchronously it is used where it is, and the result is a gathered copy.
 */
export function narrow(x: Tensor, dim: number, startArg: number | Tensor, length: number): Tensor {
  if (typeof startArg !== 'number') {
    if (!startArg.storage.backend.syncRead && startArg.ndim === 0 && isIntegral(startArg.dtype)) return narrowAt(x, dim, startArg, length);
  }
  const start = typeof startArg === 'number' ? startArg : indexValue('narrow', 'start', startArg);
  const d = normalizeDim('narrow', dim, x.ndim);
  const size = x.shape[d]!;
  const s = start < 0 ? start + size : start;
  if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > size) {
    throw new IndexError(`narrow: start ${start} and length ${length} are out of range for dim ${d} of size ${size} (shape ${fmtShape(x.shape)})`);
  }
  const shape = [...x.shape];
  shape[d] = length;
  return apply('narrow', [x], { dim: d, start: s, length }, () => x.viewAs(shape, x.strides, x.offset + s * x.strides[d]!));
}

/** A view of entry `index` of `dim`, without that dim. */
export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normalizeDim('select', dim, x.ndim);
  const size = x.shape[d]!;
  const i = index < 0 ? index + size : index;
  if (!Number.isInteger(i) || i < 0 || i >= size) throw new IndexError(`select: index ${index} is out of range for dim ${d} of size ${size} (shape ${fmtShape(x.shape)})`);
  return apply('select', [x], { dim: d, index: i }, () =>
    x.viewAs(x.shape.filter((_, k) => k !== d), x.strides.filter((_, k) => k !== d), x.offset + i * x.strides[d]!));
}
