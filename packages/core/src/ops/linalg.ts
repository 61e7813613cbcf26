// Matrix products: matmul with torch's 1-D/2-D/batched broadcasting rules, mm, bmm, linear.
import { apply, runKernel } from '../dispatch.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { getBackend } from '../registry.js';
import { add } from './binary.js';
import { cast } from './device.js';
import { broadcastView, castTo, promote } from './util.js';

/** Matrix product with torch.matmul's rules: 1-d operands are vectors, batch dims broadcast. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) throw new ShapeError(`matmul: both arguments need at least 1 dim, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  if (a.dtype === 'bool' || b.dtype === 'bool') throw new DTypeError(`matmul: not defined for bool tensors (${a.dtype}, ${b.dtype}); convert with .float()`);
  const k1 = a.shape[a.ndim - 1]!, k2 = b.ndim === 1 ? b.shape[0]! : b.shape[b.ndim - 2]!;
  if (k1 !== k2) throw new ShapeError(`matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} don't align (${k1} != ${k2})`);
  // autocast may cast the operands: the dtype check is on what the op computes with
  return apply('matmul', [a, b], {}, ([a0, b0]) => {
    const a = a0!, b = b0!;
    if (a.dtype !== b.dtype) throw new DTypeError(`matmul: expected both operands to have the same dtype, got ${a.dtype} and ${b.dtype}; cast one with .to()`);
    const dtype = promote([a, b]);
    const A = a.ndim === 1 ? a.unsqueeze(0) : castTo(a, dtype);
    const B = b.ndim === 1 ? b.unsqueeze(1) : castTo(b, dtype);
    const batch = broadcastShapes('matmul', A.shape.slice(0, -2), B.shape.slice(0, -2));
    const M = A.shape[A.ndim - 2]!, K = k1, N = B.shape[B.ndim - 1]!;
    const Av = broadcastView(A, [...batch, M, K]), Bv = broadcastView(B, [...batch, K, N]);
    const out = runKernel('matmul', a.device, [Av, Bv], [{ shape: [...batch, M, N], dtype }], {})[0]!;
    if (a.ndim === 1 && b.ndim === 1) return out.reshape([]);
    if (a.ndim === 1) return out.squeeze(-2);
    if (b.ndim === 1) return out.squeeze(-1);
    return out;
  });
}

/** The product of two matrices, [n, m] and [m, p]. */
export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2 || b.ndim !== 2) throw new ShapeError(`mm: expects two matrices, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return matmul(a, b);
}

/** Batched matrix product of [B, n, m] and [B, m, p]. */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3 || b.ndim !== 3) throw new ShapeError(`bmm: expects two 3-d tensors, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  if (a.shape[0] !== b.shape[0]) throw new ShapeError(`bmm: batch sizes differ: ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return matmul(a, b);
}

/** y = x @ w.T + b, with w of shape [out, in] as in torch.nn.functional.linear. */
export function linear(x: Tensor, w: Tensor, b?: Tensor | null): Tensor {
  if (w.ndim !== 2 && w.ndim !== 1) throw new ShapeError(`linear: weight must be 1-d or 2-d [out, in], got ${fmtShape(w.shape)}`);
  const inF = w.shape[w.ndim - 1]!;
  if (x.shape[x.ndim - 1] !== inF) throw new ShapeError(`linear: input's last dim ${x.shape[x.ndim - 1]} (shape ${fmtShape(x.shape)}) doesn't match weight's in-features ${inF} (weight ${fmtShape(w.shape)})`);
  return apply('linear', b ? [x, w, b] : [x, w], {}, ([x, w, b]) => {
    // float16/bfloat16 on a backend that doesn't accelerate them (the CPU): x·wᵀ + b in float32, rounded
    // once, as torch's addmm (rounding x·wᵀ before adding b loses the bits the bias cancels)
    const d = x!.dtype;
    if (b && (d === 'float16' || d === 'bfloat16') && !getBackend(x!.device).dtypes[d].accelerated && w!.dtype === d && b.dtype === d) {
      return cast(linearOf(cast(x!, 'float32'), cast(w!, 'float32'), cast(b, 'float32')), d);
    }
    return linearOf(x!, w!, b);
  });
}

const linearOf = (x: Tensor, w: Tensor, b: Tensor | undefined): Tensor => {
  const y = matmul(x, w.ndim === 2 ? w.t() : w);
  return b ? add(y, b) : y;
};
