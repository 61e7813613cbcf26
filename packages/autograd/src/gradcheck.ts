// gradcheck: compare analytic gradients with central finite differences in float64.
import { checkOptions, scope, tensor, type Tensor } from '@flint/core';
import { grad } from './grad.js';

/**
 * Options of {@link gradcheck}.
 * @property eps - finite-difference step (default 1e-6)
 * @property atol - absolute tolerance (default 1e-5)
 * @property rtol - relative tolerance (default 1e-3)
 * @property raiseException - throw when the check fails (default true); false resolves to `ok: false`
 */
export interface GradcheckOptions { eps?: number; atol?: number; rtol?: number; raiseException?: boolean }
/**
 * What {@link gradcheck} resolves to.
 * @property ok - whether every analytic gradient matched its finite difference
 * @property maxError - the largest absolute difference seen
 * @property report - a readable summary naming the input and element of each mismatch
 */
export interface GradcheckResult { ok: boolean; maxError: number; report: string }

/**
 * fn maps float64 inputs (that require grad) to a tensor; every element's gradient is checked.
 * Resolves to a report naming the input and element where they disagree (async: it reads values back,
 * which works on every device).
 */
export async function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): Promise<GradcheckResult> {
  checkOptions('gradcheck', opts, ['eps', 'atol', 'rtol', 'raiseException']);
  const eps = opts.eps ?? 1e-6, atol = opts.atol ?? 1e-5, rtol = opts.rtol ?? 1e-3;
  const problems: string[] = [];
  let maxError = 0;
  await scope(async () => {
    for (const x of inputs) if (x.dtype !== 'float64') problems.push(`input of shape [${x.shape.join(',')}] is ${x.dtype}; gradcheck needs float64 inputs for meaningful finite differences`);
    if (problems.length) return;
    const out = fn(...inputs);
    const n = out.numel();
    const outShape = out.shape;
    const diff = inputs.map((x) => x.requiresGrad);
    // analytic Jacobian, one output element at a time (vector-Jacobian products with unit vectors)
    const analytic: number[][][] = inputs.map((x) => Array.from({ length: x.numel() }, () => new Array<number>(n).fill(0)));
    for (let j = 0; j < n; j++) {
      const e = new Float64Array(n); e[j] = 1;
      const gs = grad(out, inputs.filter((_, i) => diff[i]), { gradOutputs: [tensor(e, { dtype: 'float64', device: out.device }).reshape(outShape)], retainGraph: true, allowUnused: true });
      let k = 0;
      for (const [i, x] of inputs.entries()) {
        if (!diff[i]) continue;
        const g = gs[k++];
        const v = g ? Array.from((await g.data()) as Float64Array) : new Array<number>(x.numel()).fill(0);
        v.forEach((val, p) => { analytic[i]![p]![j] = val; });
      }
    }
    // numeric Jacobian by central differences on each input element (inputs keep requiresGrad, so a
    // function that itself calls grad(), e.g. for double backward, can be checked too)
    for (const [i, x] of inputs.entries()) {
      if (!diff[i]) continue;
      const values = Float64Array.from((await x.data()) as Float64Array);
      for (let p = 0; p < x.numel(); p++) {
        const base = values[p]!;
        const evalAt = async (v: number): Promise<Float64Array> => {
          const data = Float64Array.from(values); data[p] = v;
          const shifted = inputs.map((y, k) => (k === i ? tensor(data, { dtype: 'float64', device: x.device }).reshape(x.shape).requiresGrad_(x.requiresGrad) : y));
          return scope(async () => Float64Array.from((await fn(...shifted).detach().data()) as Float64Array));
        };
        const plus = await evalAt(base + eps), minus = await evalAt(base - eps);
        for (let j = 0; j < n; j++) {
          const num = (plus[j]! - minus[j]!) / (2 * eps), ana = analytic[i]![p]![j]!;
          const err = Math.abs(num - ana);
          maxError = Math.max(maxError, err);
          if (err > atol + rtol * Math.abs(num) && problems.length < 10) {
            problems.push(`input ${i} element ${p}, output element ${j}: analytic ${ana}, numerical ${num} (|diff| ${err.toExponential(3)})`);
          }
        }
      }
    }
  });
  const ok = problems.length === 0;
  const report = ok ? `gradcheck passed (max |analytic - numerical| = ${maxError.toExponential(3)})` : `gradcheck failed:\n  ${problems.join('\n  ')}`;
  if (!ok && opts.raiseException !== false) throw new Error(report);
  return { ok, maxError, report };
}
