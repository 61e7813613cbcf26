// torch.func.jvp: forward mode. The primals get tangents at a new dual level, fn runs, and each op's
// forward rule carries the tangents along (see ../forward/dual.ts).
import { checkOptions, isTensor, type Tensor } from '@flint/core';
import { withDualLevel } from '../forward/dual.js';
import { AutogradError } from '../graph.js';
import { adopt, alias, asList, checkSameShape, checkTensors, splitAux } from './util.js';

/** Options of `func.jvp`. */
export interface JvpOptions {
  /** The function returns [output, aux]; aux is returned third. */
  hasAux?: boolean;
}

/**
 * torch.func.jvp: [fn(...primals), J·tangents] (with hasAux, [output, jvp, aux]); primals and tangents are
 * one tensor each or matching lists.
 */
export function jvp(fn: (...args: Tensor[]) => unknown, primals: Tensor | readonly Tensor[], tangents: Tensor | readonly Tensor[], opts: JvpOptions = {}): [Tensor | Tensor[], Tensor | Tensor[], unknown?] {
  checkOptions('func.jvp', opts, ['hasAux']);
  const ps = checkTensors('func.jvp', 'primal', asList(primals));
  const ts = checkTensors('func.jvp', 'tangent', asList(tangents));
  if (ps.length !== ts.length) throw new AutogradError(`func.jvp: got ${ps.length} primal(s) and ${ts.length} tangent(s); give one tangent per primal`);
  ts.forEach((t, i) => {
    checkSameShape('func.jvp', `tangent ${i}`, ps[i]!, t);
    if (t.dtype !== ps[i]!.dtype) throw new AutogradError(`func.jvp: tangent ${i} is ${t.dtype}, its primal is ${ps[i]!.dtype}; convert it with .to('${ps[i]!.dtype}')`);
  });
  const r = withDualLevel((level) => {
    const duals = ps.map((p, i) => level.dual(alias(p), ts[i]!));
    const [out, aux] = splitAux<Tensor | Tensor[]>('func.jvp', fn(...duals), opts.hasAux ?? false);
    const outs = checkTensors('func.jvp', 'output', isTensor(out) ? [out] : (out as unknown[]));
    const tangentsOut = outs.map((o) => level.tangentOf(o));
    const result: [Tensor | Tensor[], Tensor | Tensor[], unknown?] = [out, isTensor(out) ? tangentsOut[0]! : tangentsOut];
    if (opts.hasAux) result.push(aux);
    return { result, keepAlive: tangentsOut };
  });
  // the tangents were kept out of scopes by their level: hand them to the caller's scope
  if (isTensor(r[1])) r[1] = adopt(r[1]);
  else r[1] = r[1].map(adopt);
  return r;
}
