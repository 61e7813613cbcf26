// Basic indexing, PyTorch's x[1, :, None, ::2, ...] spelt index(x, 1, ':', null, '::2', '...') or
// x.slice(1, ':', null, '::2', '...'). The result is a view (shared storage), as in PyTorch.
//
// Each item is one of:
//   a number        select that index of the next dim (negative counts from the end; the dim goes away)
//   'start:stop:step'   a Python slice of the next dim; any part may be left out (':', '1:', ':-1', '::2');
//                   out-of-range bounds are clipped, as in Python. The step must be positive: PyTorch has
//                   no negative steps, so '::-1' is a ValueError that points to flip()
//   null            a new axis of size 1 (Python's None)
//   '...'           as many full slices as the dims not otherwise indexed (at most one)
import { apply } from '../dispatch.js';
import { IndexError, ValueError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';

/** One item of {@link index}: a number, a slice string (`'1:'`, `'::2'`, `'...'`), or null for a new axis. */
export type IndexItem = number | string | null;

/** One step of a normalized index, in input-dim order (the op's recorded attrs; autograd undoes them). */
export type IndexStep =
  | { readonly kind: 'select'; readonly dim: number; readonly index: number }
  | { readonly kind: 'slice'; readonly dim: number; readonly start: number; readonly length: number; readonly step: number }
  | { readonly kind: 'newaxis' };

const SLICE = /^\s*(-?\d+)?\s*:\s*(-?\d+)?\s*(?::\s*(-?\d+)?\s*)?$/;

interface Parsed { start?: number; stop?: number; step: number }

function parseSlice(s: string): Parsed {
  const m = SLICE.exec(s);
  if (!m) throw new ValueError(`index: can't read '${s}' as a slice; write 'start:stop:step' with integers (any part may be left out), e.g. '1:5', ':', '::2', or '...' for the remaining dims`);
  const step = m[3] === undefined ? 1 : Number(m[3]);
  if (step === 0) throw new ValueError(`index: slice '${s}' has step 0; the step must be a positive integer`);
  if (step < 0) throw new ValueError(`index: slice '${s}' has a negative step, which PyTorch does not support; reverse with flip(x, dim) (then slice), e.g. x.flip(0) for '::-1'`);
  return { start: m[1] === undefined ? undefined : Number(m[1]), stop: m[2] === undefined ? undefined : Number(m[2]), step };
}

/** Python's slice.indices: bounds clipped into [0, size]. */
function resolveSlice(p: Parsed, size: number): { start: number; length: number } {
  const clip = (v: number | undefined, dflt: number) => (v === undefined ? dflt : Math.min(Math.max(v < 0 ? v + size : v, 0), size));
  const start = clip(p.start, 0), stop = clip(p.stop, size);
  return { start, length: Math.max(0, Math.ceil((stop - start) / p.step)) };
}

const describe = (v: unknown): string => (Array.isArray(v) ? 'an array' : v === undefined ? 'undefined' : typeof v === 'object' ? 'an object (a tensor?)' : `${typeof v} ${String(v)}`);

/** Validate the items against x's shape and turn them into steps. */
export function indexSteps(shape: readonly number[], items: readonly IndexItem[]): IndexStep[] {
  let ellipses = 0, consumed = 0;
  for (const it of items) {
    if (it === '...') ellipses++;
    else if (typeof it === 'number' || (typeof it === 'string')) consumed++;
    else if (it !== null) throw new IndexError(`index: ${describe(it)} is not an index; use numbers, 'start:stop:step' strings, null (new axis) or '...'; for tensor indices use indexSelect or gather`);
  }
  if (ellipses > 1) throw new IndexError('index: an index can only have a single ellipsis (\'...\')');
  if (consumed > shape.length) throw new IndexError(`index: too many indices (${consumed}) for a tensor of shape ${fmtShape(shape)} (${shape.length} dims)`);
  const steps: IndexStep[] = [];
  let dim = 0;
  for (const it of items) {
    if (it === null) { steps.push({ kind: 'newaxis' }); continue; }
    if (it === '...') {
      for (const end = dim + shape.length - consumed; dim < end; dim++) steps.push({ kind: 'slice', dim, start: 0, length: shape[dim]!, step: 1 });
      continue;
    }
    const size = shape[dim]!;
    if (typeof it === 'number') {
      const i = it < 0 ? it + size : it;
      if (!Number.isInteger(it) || i < 0 || i >= size) throw new IndexError(`index: index ${it} is out of bounds for dim ${dim} with size ${size} (shape ${fmtShape(shape)})`);
      steps.push({ kind: 'select', dim, index: i });
    } else {
      const p = parseSlice(it);
      steps.push({ kind: 'slice', dim, ...resolveSlice(p, size), step: p.step });
    }
    dim++;
  }
  // dims not indexed are kept whole
  for (; dim < shape.length; dim++) steps.push({ kind: 'slice', dim, start: 0, length: shape[dim]!, step: 1 });
  return steps;
}

/** x[items...] as a view: see the top of this file for the items. */
export function index(x: Tensor, ...items: IndexItem[]): Tensor {
  const steps = indexSteps(x.shape, items);
  return apply('index', [x], { steps }, () => {
    const shape: number[] = [], strides: number[] = [];
    let offset = x.offset;
    for (const s of steps) {
      if (s.kind === 'newaxis') { shape.push(1); strides.push(1); continue; }
      const stride = x.strides[s.dim]!;
      if (s.kind === 'select') { offset += s.index * stride; continue; }
      if (s.length > 0) offset += s.start * stride;
      shape.push(s.length);
      strides.push(stride * s.step);
    }
    return x.viewAs(shape, strides, offset);
  });
}
