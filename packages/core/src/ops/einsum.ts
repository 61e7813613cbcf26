// einsum: torch.einsum's Einstein summation. Repeated labels on one operand take a diagonal (a gather),
// labels nobody needs later are summed at once, and operands are contracted left to right as one batched
// matmul each (permute and reshape to [batch, free, contracted] @ [batch, contracted, free]).
import { apply } from '../dispatch.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { tensor } from './creation.js';
import { indexSelect } from './indexing.js';
import { matmul } from './linalg.js';
import { sum } from './reduce.js';

/** An operand with one label per dim; ellipsis dims get labels '.0', '.1', ... aligned to the right. */
interface Term { t: Tensor; labels: string[] }

interface Parsed { inputs: string[][]; output: string[]; ellipsisDims: number }

const LETTER = /^[a-zA-Z]$/;

/** Split one side of the equation into labels, '...' kept as one item. */
function tokens(side: string, what: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < side.length; i++) {
    if (side.startsWith('...', i)) {
      if (out.includes('...')) throw new ValueError(`einsum: ${what} has more than one ellipsis ('...')`);
      out.push('...');
      i += 2;
    } else if (LETTER.test(side[i]!)) out.push(side[i]!);
    else throw new ValueError(`einsum: invalid subscript '${side[i]}' in ${what}; subscripts are letters a-z, A-Z and '...'`);
  }
  return out;
}

function parse(equation: string, operands: readonly Tensor[]): Parsed {
  const eq = equation.replace(/\s+/g, '');
  const sides = eq.split('->');
  if (sides.length > 2) throw new ValueError(`einsum: equation '${equation}' has more than one '->'`);
  const terms = sides[0]!.split(',');
  if (terms.length !== operands.length) {
    throw new ValueError(`einsum: the equation '${equation}' names ${terms.length} operand(s) but ${operands.length} tensor(s) were given`);
  }
  const raw = terms.map((s, i) => tokens(s, `operand ${i}`));
  let ellipsisDims = 0;
  raw.forEach((r, i) => {
    const nLabels = r.filter((l) => l !== '...').length, nd = operands[i]!.ndim;
    if (r.includes('...') ? nLabels > nd : nLabels !== nd) {
      throw new ShapeError(`einsum: operand ${i} has ${nd} dims (shape ${fmtShape(operands[i]!.shape)}) but its subscripts '${terms[i]}' name ${nLabels}${r.includes('...') ? ' (plus an ellipsis)' : ''}`);
    }
    if (r.includes('...')) ellipsisDims = Math.max(ellipsisDims, nd - nLabels);
  });
  const ell = (n: number) => Array.from({ length: n }, (_, k) => `.${ellipsisDims - n + k}`);
  const inputs = raw.map((r, i) => r.flatMap((l) => (l === '...' ? ell(operands[i]!.ndim - (r.length - 1)) : [l])));
  let output: string[];
  if (sides.length === 2) {
    const r = tokens(sides[1]!, 'the output');
    const all = new Set(raw.flat());
    for (const l of r) {
      if (l !== '...' && !all.has(l)) throw new ValueError(`einsum: output subscript '${l}' does not appear in any input operand`);
    }
    if (new Set(r).size !== r.length) throw new ValueError(`einsum: output subscripts '${sides[1]}' repeat a label`);
    // ellipsis dims that the output leaves out are summed, as in torch
    output = r.flatMap((l) => (l === '...' ? ell(ellipsisDims) : [l]));
  } else {
    const counts = new Map<string, number>();
    for (const l of raw.flat()) if (l !== '...') counts.set(l, (counts.get(l) ?? 0) + 1);
    output = [...ell(ellipsisDims), ...[...counts].filter(([, c]) => c === 1).map(([l]) => l).sort()];
  }
  return { inputs, output, ellipsisDims };
}

/** The diagonal of dims a < b (equal sizes): dim b goes away. A gather, so autograd sees public ops. */
function diagonal(t: Tensor, a: number, b: number): Tensor {
  const n = t.shape[a]!;
  const rest = t.shape.map((_, i) => i).filter((i) => i !== a && i !== b);
  const moved = t.permute([...rest, a, b]).reshape([...rest.map((i) => t.shape[i]!), n * n]);
  const idx = tensor(Int32Array.from({ length: n }, (_, i) => i * (n + 1)), { dtype: 'int32', device: t.device });
  const d = indexSelect(moved, moved.ndim - 1, idx);
  // put the diagonal back at position a
  const order = [...rest.keys()].map((k) => (rest[k]! < a ? k : k + 1));
  const perm = new Array<number>(t.ndim - 1);
  order.forEach((to, k) => { perm[to] = k; });
  perm[a] = rest.length;
  return d.permute(perm);
}

function takeDiagonals(term: Term): Term {
  let { t, labels } = term;
  for (let a = 0; a < labels.length; a++) {
    for (let b = labels.length - 1; b > a; b--) {
      if (labels[b] !== labels[a]) continue;
      if (t.shape[a] !== t.shape[b]) throw new ShapeError(`einsum: subscript '${labels[a]}' is repeated on an operand of shape ${fmtShape(t.shape)} for dims of sizes ${t.shape[a]} and ${t.shape[b]}; they must be equal`);
      t = diagonal(t, a, b);
      labels = labels.filter((_, i) => i !== b);
    }
  }
  return { t, labels };
}

/** Sum away the labels in `drop` (keeping the operand's dtype, as torch does when it contracts). */
function sumOut(term: Term, drop: (l: string) => boolean, keepDType: boolean): Term {
  const dims = term.labels.map((l, i) => (drop(l) ? i : -1)).filter((i) => i >= 0);
  if (!dims.length) return term;
  return { t: sum(term.t, dims, false, keepDType ? { dtype: term.t.dtype } : {}), labels: term.labels.filter((_, i) => !dims.includes(i)) };
}

/** a's and b's labels combined: batch labels kept, contracted ones summed, by one matmul. */
function contract(a: Term, b: Term, later: Set<string>, size: Map<string, number>): Term {
  const inB = new Set(b.labels), inA = new Set(a.labels);
  const batch = a.labels.filter((l) => inB.has(l) && later.has(l));
  const summed = a.labels.filter((l) => inB.has(l) && !later.has(l));
  const aFree = a.labels.filter((l) => !inB.has(l)), bFree = b.labels.filter((l) => !inA.has(l));
  const arrange = (x: Term, order: string[]) => {
    const p = x.t.permute(order.map((l) => x.labels.indexOf(l)));
    // a size-1 dim broadcasts against the other operand's
    return p.expand(order.map((l, i) => (batch.includes(l) || summed.includes(l) ? size.get(l)! : p.shape[i]!)));
  };
  const prod = (ls: string[], x: Tensor, from: number) => ls.reduce((acc, _, i) => acc * x.shape[from + i]!, 1);
  const A = arrange(a, [...batch, ...aFree, ...summed]), B = arrange(b, [...batch, ...summed, ...bFree]);
  const nb = batch.length;
  const [Bt, M, K, N] = [prod(batch, A, 0), prod(aFree, A, nb), prod(summed, A, nb + aFree.length), prod(bFree, B, nb + summed.length)];
  const out = matmul(A.reshape([Bt, M, K]), B.reshape([Bt, K, N]));
  return { t: out.reshape([...A.shape.slice(0, nb + aFree.length), ...B.shape.slice(nb + summed.length)]), labels: [...batch, ...aFree, ...bFree] };
}

/**
 * torch.einsum(equation, *operands): `einsum('ij,jk->ik', a, b)`, `einsum('bii->bi', x)`, `einsum('...ij->...ji', x)`.
 * Without '->' the output is the ellipsis dims, then the labels used once, in alphabetical order (uppercase first).
 */
export function einsum(equation: string, ...operandArgs: (Tensor | readonly Tensor[])[]): Tensor {
  const operands = (operandArgs.length === 1 && Array.isArray(operandArgs[0]) ? operandArgs[0] : operandArgs) as readonly Tensor[];
  if (typeof equation !== 'string') throw new TypeError('einsum: the first argument must be the equation string, e.g. einsum(\'ij,jk->ik\', a, b)');
  if (operands.length === 0) throw new ValueError('einsum: give at least one operand');
  const dtype = operands[0]!.dtype;
  for (const t of operands) {
    if (t.dtype !== dtype) throw new DTypeError(`einsum: all operands must have one dtype, got ${dtype} and ${t.dtype}; cast with .to('${dtype}')`);
  }
  const { inputs, output } = parse(equation, operands);
  const size = new Map<string, number>();
  inputs.forEach((labels, i) => labels.forEach((l, d) => {
    const s = operands[i]!.shape[d]!, prev = size.get(l);
    if (prev !== undefined && prev !== s && prev !== 1 && s !== 1) {
      throw new ShapeError(`einsum: subscript '${l.startsWith('.') ? '...' : l}' has size ${prev} in one place and ${s} in operand ${i} (shape ${fmtShape(operands[i]!.shape)}); sizes must match or be 1`);
    }
    if (prev === undefined || prev === 1) size.set(l, s);
  }));
  // autocast may hand casts of the operands: the terms come from what apply gives
  return apply('einsum', operands, { equation }, (ins) => {
    const single = ins.length === 1;
    const terms = ins.map((t, i) => takeDiagonals({ t, labels: inputs[i]! }));
    const neededAfter = (i: number) => new Set([...output, ...terms.slice(i + 1).flatMap((x) => x.labels)]);
    let acc = sumOut(terms[0]!, (l) => !neededAfter(0).has(l) && !terms.slice(1).some((x) => x.labels.includes(l)), !single);
    for (let i = 1; i < terms.length; i++) {
      const later = neededAfter(i);
      const bLabels = terms[i]!.labels;
      acc = sumOut(acc, (l) => !later.has(l) && !bLabels.includes(l), true);
      const b = sumOut(terms[i]!, (l) => !later.has(l) && !acc.labels.includes(l), true);
      acc = contract(acc, b, later, size);
    }
    // every output label is in acc now (labels are only summed once nothing later needs them)
    const t = acc.t.permute(output.map((l) => acc.labels.indexOf(l)));
    // an output label whose operand had size 1 against a larger size elsewhere broadcasts out
    return output.some((l, i) => t.shape[i] !== size.get(l)) ? t.expand(output.map((l) => size.get(l)!)) : t;
  });
}
