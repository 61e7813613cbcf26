// torch.func.vmap: runs fn once on logical tensors (each batched input without its batch dim) while the
// vmap hook runs every op on the whole batch (see ./hook.ts), then puts the batch dim where outDims says.
import { ShapeError, addHook, checkOptions, isTensor, type Tensor } from '@flint/core';
import { AutogradError } from '../../graph.js';
import { logical, physical, release, vmapLevels, type VmapLevel } from './batched.js';
import { adopt } from '../util.js';
import { vmapHook } from './hook.js';
import { ensureBatchRules } from './registry.js';

/** Where each argument's batch dim is: one dim for all, or one per argument; null: not batched. */
export type InDims = number | null | readonly (number | null)[];

/** Options of `func.vmap`, as torch.func.vmap's keyword arguments. */
export interface VmapOptions {
  /** The batch dim of each argument (default 0); tensors inside an array or object argument share its entry. */
  inDims?: InDims;
  /** Where the batch dim goes in each output (default 0). */
  outDims?: number | readonly number[];
  /** Random ops inside fn: 'error' (default), 'different' (each sample its own draw) or 'same' (one draw). */
  randomness?: 'error' | 'different' | 'same';
}

let installed = false;

/** Every tensor of an argument (the argument itself, or those in an array or plain object). */
function tensorsOf(a: unknown): Tensor[] {
  if (isTensor(a)) return [a];
  if (Array.isArray(a)) return a.filter(isTensor);
  if (a && typeof a === 'object' && Object.getPrototypeOf(a) === Object.prototype) return Object.values(a).filter(isTensor);
  return [];
}
function mapArg(a: unknown, f: (t: Tensor) => Tensor): unknown {
  if (isTensor(a)) return f(a);
  if (Array.isArray(a)) return a.map((x) => (isTensor(x) ? f(x) : x));
  if (a && typeof a === 'object' && Object.getPrototypeOf(a) === Object.prototype) return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, isTensor(v) ? f(v) : v]));
  return a;
}
const norm = (d: number, rank: number, what: string): number => {
  const r = d < 0 ? d + rank : d;
  if (!Number.isInteger(r) || r < 0 || r >= rank) throw new ShapeError(`vmap: ${what} ${d} is out of range for a tensor of ${rank - 1 < 0 ? 0 : rank} dim(s)`);
  return r;
};

/**
 * torch.func.vmap: a function that maps `fn` over a batch dim of its arguments, as one batched computation
 * (each op by its batching rule; ops without one loop over the samples with a warning). Composes with the
 * other transforms: vmap(grad(f)) gives per-sample gradients; vmaps nest.
 */
export function vmap<A extends unknown[], R>(fn: (...args: A) => R, opts: VmapOptions = {}): (...args: A) => R {
  checkOptions('func.vmap', opts, ['inDims', 'outDims', 'randomness']);
  const randomness = opts.randomness ?? 'error';
  if (!['error', 'different', 'same'].includes(randomness)) throw new AutogradError(`func.vmap: randomness must be 'error', 'different' or 'same', got '${randomness}'`);
  return (...args: A) => {
    if (!installed) { installed = true; ensureBatchRules(); addHook(vmapHook); }
    const inDims = opts.inDims === undefined ? 0 : opts.inDims;
    if (Array.isArray(inDims) && inDims.length !== args.length) throw new AutogradError(`func.vmap: inDims has ${inDims.length} entries for ${args.length} argument(s)`);
    const dimOf = (k: number): number | null => (Array.isArray(inDims) ? (inDims as (number | null)[])[k]! : (inDims as number | null));
    let size = -1;
    args.forEach((a, k) => {
      const d = dimOf(k);
      if (d === null || d === undefined) return;
      const ts = tensorsOf(a);
      if (ts.length === 0 && Array.isArray(inDims)) throw new AutogradError(`func.vmap: inDims[${k}] is ${d} but argument ${k} holds no tensor; use null for it`);
      for (const t of ts) {
        const n = t.shape[norm(d, t.ndim, `inDims ${k === 0 && !Array.isArray(inDims) ? '' : `[${k}] `}dim`)]!;
        if (size >= 0 && n !== size) throw new ShapeError(`func.vmap: the batched inputs have different sizes along their batch dims (${size} and ${n}, argument ${k})`);
        size = n;
      }
    });
    if (size < 0) throw new AutogradError('func.vmap: no input is batched; give at least one tensor argument a batch dim in inDims');
    const level: VmapLevel = { size, strides: new WeakMap(), randomness, physicals: new WeakMap(), borrowed: new WeakMap() };
    vmapLevels.push(level);
    const i = vmapLevels.length - 1;
    try {
      const logicalArgs = args.map((a, k) => {
        const d = dimOf(k);
        if (d === null || d === undefined) return a;
        return mapArg(a, (t) => {
          const dd = norm(d, t.ndim, 'inDims dim');
          // the batch dim moved in front by a recorded permute, so the tape and jvp still see the input
          const p = dd === 0 ? t : t.permute([dd, ...t.shape.map((_, j) => j).filter((j) => j !== dd)]);
          const l = logical(p, i);
          level.borrowed.set(l, p);
          return l;
        });
      }) as A;
      const out = fn(...logicalArgs);
      const outDims = opts.outDims ?? 0;
      let k = 0;
      const place = (t: Tensor): Tensor => {
        const od = Array.isArray(outDims) ? (outDims as number[])[k] : (outDims as number);
        k++;
        if (od === undefined) throw new AutogradError(`func.vmap: outDims has no entry for output ${k - 1}`);
        const d = norm(od, t.ndim + 1, 'outDims dim');
        if (!level.strides.has(t)) return t.unsqueeze(d).expand(t.shape.slice(0, d).concat([size], t.shape.slice(d)));
        // a physical result the level made is handed to the caller as a tensor of the caller's scope
        const borrowed = level.borrowed.has(t);
        let p = physical(t, i);
        if (!borrowed) { release(t); p = adopt(p); }
        return d === 0 ? p : p.permute([...Array(t.ndim + 1).keys()].slice(1, d + 1).concat([0], [...Array(t.ndim + 1).keys()].slice(d + 1)));
      };
      return mapArg(out, place) as R;
    } finally {
      vmapLevels.pop();
    }
  };
}
