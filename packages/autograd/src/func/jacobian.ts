// torch.func.jacrev, jacfwd and hessian: Jacobians row by row from vjp (reverse) or column by column
// from jvp (forward), each shaped output.shape ++ input.shape.
import { checkOptions, eye, isTensor, type Tensor } from '@flint/core';
import { vmap } from './vmap/vmap.js';
import { AutogradError } from '../graph.js';
import { jvp } from './jvp.js';
import { argIndices, splitAux, type Argnums } from './util.js';
import { vjp } from './grad.js';

/** Options of `func.jacrev` and `func.jacfwd`. */
export interface JacobianOptions {
  /** Which positional arguments to differentiate (default 0); a list gives a list of Jacobians. */
  argnums?: Argnums;
  /** The function returns [output, aux]; the result is then [jacobian, aux]. */
  hasAux?: boolean;
}

/** A Jacobian (or one per argnum). */
export type Jacobians = Tensor | Tensor[];

type Fn = (...args: never[]) => unknown;

/** The basis vectors of a tensor's space, stacked: [numel, ...t.shape], one-hot each. */
function basis(t: Tensor): Tensor {
  const n = t.numel();
  return eye(n, undefined, { dtype: t.dtype, device: t.device }).reshape([n, ...t.shape]);
}

function finish(js: Tensor[], many: boolean, aux: unknown, hasAux: boolean): Jacobians | [Jacobians, unknown] {
  const j = many ? js : js[0]!;
  return hasAux ? [j, aux] : j;
}

/** torch.func.jacrev: the Jacobian of fn's tensor output with respect to the argnums, by reverse mode. */
export function jacrev<A extends unknown[]>(fn: (...args: A) => unknown, opts: JacobianOptions = {}): (...args: A) => Jacobians | [Jacobians, unknown] {
  checkOptions('func.jacrev', opts, ['argnums', 'hasAux']);
  return (...args: A) => {
    const argnums = opts.argnums ?? 0;
    const idx = argIndices('func.jacrev', argnums, args);
    const bound = (...ps: Tensor[]) => { const a = [...args]; idx.forEach((i, k) => { a[i] = ps[k]; }); return (fn as Fn)(...(a as never[])) as Tensor; };
    const r = vjp(bound, idx.map((i) => args[i] as Tensor), { hasAux: opts.hasAux ?? false });
    const out = r[0];
    if (!isTensor(out)) throw new AutogradError('func.jacrev: the function must return one Tensor');
    // all rows at once: vjpFn vmapped over the one-hot cotangents (torch's jacrev does the same)
    const rows = vmap((v: Tensor) => r[1](v))(basis(out)) as Tensor[];
    const js = idx.map((i, k) => rows[k]!.reshape([...out.shape, ...(args[i] as Tensor).shape]));
    return finish(js, typeof argnums !== 'number', r[2], opts.hasAux ?? false);
  };
}

/** torch.func.jacfwd: the Jacobian of fn's tensor output with respect to the argnums, by forward mode. */
export function jacfwd<A extends unknown[]>(fn: (...args: A) => unknown, opts: JacobianOptions = {}): (...args: A) => Jacobians | [Jacobians, unknown] {
  checkOptions('func.jacfwd', opts, ['argnums', 'hasAux']);
  return (...args: A) => {
    const argnums = opts.argnums ?? 0;
    const idx = argIndices('func.jacfwd', argnums, args);
    const xs = idx.map((i) => args[i] as Tensor);
    let aux: unknown;
    let outShape: readonly number[] = [];
    const bound = (...ps: Tensor[]) => {
      const a = [...args];
      idx.forEach((i, k) => { a[i] = ps[k]; });
      const [o, x] = splitAux<Tensor>('func.jacfwd', (fn as Fn)(...(a as never[])), opts.hasAux ?? false);
      if (!isTensor(o)) throw new AutogradError('func.jacfwd: the function must return one Tensor');
      aux = x; outShape = o.shape;
      return o;
    };
    // one jvp per input element of each argnum (the other argnums' tangents are zero)
    const js = xs.map((x, k) => {
      if (x.numel() === 0) throw new AutogradError('func.jacfwd: an input has no elements');
      // all columns at once: jvp vmapped over the one-hot tangents of this argnum (the others' are zero)
      const cols = vmap((v: Tensor) => jvp(bound, xs, xs.map((y, j) => (j === k ? v : y.mul(0))))[1] as Tensor)(basis(x)) as Tensor;
      // [numel_in, ...out] -> [...out, ...in]
      return cols.permute([...outShape.map((_, d) => d + 1), 0]).reshape([...outShape, ...x.shape]);
    });
    return finish(js, typeof argnums !== 'number', aux, opts.hasAux ?? false);
  };
}

/** torch.func.hessian: the Jacobian of the gradient, jacfwd(jacrev(fn)), shaped input ++ input. */
export function hessian<A extends unknown[]>(fn: (...args: A) => unknown, opts: { argnums?: Argnums } = {}): (...args: A) => Jacobians {
  checkOptions('func.hessian', opts, ['argnums']);
  return jacfwd(jacrev(fn, opts), opts) as (...args: A) => Jacobians;
}
