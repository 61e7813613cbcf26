// ONNX GRU and LSTM (forward, reverse, bidirectional; layout 0 and 1; gate orders z,r,h and i,o,f,c) as
// per-step core ops, so they run on every backend and the tape records them for fine-tuning.
import * as F from '@flint/core';
import type { Tensor } from '@flint/core';
import { need, type OpContext, type OpTable } from './types.js';

interface Common { x: Tensor; hidden: number; dirs: number; reverse: boolean[]; batchFirst: boolean }

function common(ctx: OpContext, xs: (Tensor | undefined)[], gates: number): Common {
  const a = ctx.attrs;
  const direction = a.string('direction', 'forward');
  const dirs = direction === 'bidirectional' ? 2 : 1;
  if (!['forward', 'reverse', 'bidirectional'].includes(direction)) ctx.fail(`direction '${direction}' is not forward, reverse or bidirectional`);
  if (a.has('clip')) ctx.fail("the 'clip' attribute is not supported");
  const acts = a.strings('activations');
  const defaults = gates === 3 ? ['Sigmoid', 'Tanh'] : ['Sigmoid', 'Tanh', 'Tanh'];
  if (acts !== undefined && acts.some((s, i) => s !== defaults[i % defaults.length])) ctx.fail(`activations [${acts.join(',')}] are not supported (only the defaults ${defaults.join(',')})`);
  if (xs[4] !== undefined) ctx.fail('sequence_lens is not supported (pad sequences to one length)');
  const batchFirst = a.int('layout', 0) === 1;
  const x = batchFirst ? F.transpose(need(ctx, xs, 0, 'X'), 0, 1) : need(ctx, xs, 0, 'X');
  const w = need(ctx, xs, 1, 'W');
  const hidden = a.int('hidden_size') ?? w.shape[1]! / gates;
  if (w.shape[0] !== dirs || w.shape[1] !== gates * hidden) ctx.fail(`W has shape [${w.shape.join(',')}], expected [${dirs}, ${gates * hidden}, input_size]`);
  return { x, hidden, dirs, batchFirst, reverse: dirs === 2 ? [false, true] : [direction === 'reverse'] };
}

/** Per-direction weights: W^T [in, g*H], R^T [H, g*H], Wb and Rb [g*H] (zero when B is absent). */
function weights(xs: (Tensor | undefined)[], d: number, gates: number, hidden: number) {
  const w = F.select(xs[1]!, 0, d);
  const r = F.select(xs[2]!, 0, d);
  const b = xs[3] !== undefined ? F.select(xs[3], 0, d) : F.full([2 * gates * hidden], 0, { device: w.device, dtype: w.dtype });
  return { wT: F.transpose(w, 0, 1), rT: F.transpose(r, 0, 1), wb: F.narrow(b, 0, 0, gates * hidden), rb: F.narrow(b, 0, gates * hidden, gates * hidden) };
}

const part = (t: Tensor, k: number, hidden: number): Tensor => F.narrow(t, -1, k * hidden, hidden);

function initial(c: Common, t: Tensor | undefined, d: number): Tensor {
  const batch = c.x.shape[1]!;
  if (t === undefined) return F.full([batch, c.hidden], 0, { device: c.x.device, dtype: c.x.dtype });
  return F.select(c.batchFirst ? F.transpose(t, 0, 1) : t, 0, d);
}

function finish(c: Common, ys: Tensor[][], last: Tensor[][]): Tensor[] {
  // Y [seq, dirs, batch, H] (layout 1: [batch, seq, dirs, H]); Y_h / Y_c [dirs, batch, H] (layout 1: [batch, dirs, H])
  const y = F.stack(ys.map((steps) => F.stack(steps, 0)), 1);
  const outs = [c.batchFirst ? F.permute(y, [2, 0, 1, 3]) : y];
  for (const states of last) {
    const s = F.stack(states, 0);
    outs.push(c.batchFirst ? F.transpose(s, 0, 1) : s);
  }
  return outs;
}

function gru(ctx: OpContext, xs: (Tensor | undefined)[]): Tensor[] {
  const c = common(ctx, xs, 3);
  const H = c.hidden;
  const beforeReset = ctx.attrs.int('linear_before_reset', 0) === 1;
  const ys: Tensor[][] = [];
  const hs: Tensor[] = [];
  for (let d = 0; d < c.dirs; d++) {
    const { wT, rT, wb, rb } = weights(xs, d, 3, H);
    const xg = F.add(F.matmul(c.x, wT), wb); // [seq, batch, 3H]
    let h = initial(c, xs[5], d);
    const steps: Tensor[] = new Array<Tensor>(c.x.shape[0]!);
    for (let s = 0; s < c.x.shape[0]!; s++) {
      const t = c.reverse[d] ? c.x.shape[0]! - 1 - s : s;
      const xt = F.select(xg, 0, t);
      const rz = F.add(F.matmul(h, F.narrow(rT, 1, 0, 2 * H)), F.narrow(rb, 0, 0, 2 * H));
      const z = F.sigmoid(F.add(part(xt, 0, H), part(rz, 0, H)));
      const r = F.sigmoid(F.add(part(xt, 1, H), part(rz, 1, H)));
      const rh = F.narrow(rT, 1, 2 * H, H);
      const rbh = F.narrow(rb, 0, 2 * H, H);
      const hh = beforeReset ? F.mul(r, F.add(F.matmul(h, rh), rbh)) : F.add(F.matmul(F.mul(r, h), rh), rbh);
      const cand = F.tanh(F.add(part(xt, 2, H), hh));
      h = F.add(cand, F.mul(z, F.sub(h, cand))); // (1 - z) * cand + z * h
      steps[t] = h;
    }
    ys.push(steps);
    hs.push(h);
  }
  return finish(c, ys, [hs]).slice(0, Math.max(1, ctx.outputCount));
}

function lstm(ctx: OpContext, xs: (Tensor | undefined)[]): Tensor[] {
  const c = common(ctx, xs, 4);
  if (xs[7] !== undefined) ctx.fail('peephole weights (P) are not supported');
  if (ctx.attrs.int('input_forget', 0) === 1) ctx.fail('input_forget=1 is not supported');
  const H = c.hidden;
  const ys: Tensor[][] = [];
  const hs: Tensor[] = [];
  const cs: Tensor[] = [];
  for (let d = 0; d < c.dirs; d++) {
    const { wT, rT, wb, rb } = weights(xs, d, 4, H);
    const xg = F.add(F.matmul(c.x, wT), F.add(wb, rb));
    let h = initial(c, xs[5], d);
    let cell = initial(c, xs[6], d);
    const steps: Tensor[] = new Array<Tensor>(c.x.shape[0]!);
    for (let s = 0; s < c.x.shape[0]!; s++) {
      const t = c.reverse[d] ? c.x.shape[0]! - 1 - s : s;
      const g = F.add(F.select(xg, 0, t), F.matmul(h, rT));
      const i = F.sigmoid(part(g, 0, H));
      const o = F.sigmoid(part(g, 1, H));
      const f = F.sigmoid(part(g, 2, H));
      cell = F.add(F.mul(f, cell), F.mul(i, F.tanh(part(g, 3, H))));
      h = F.mul(o, F.tanh(cell));
      steps[t] = h;
    }
    ys.push(steps);
    hs.push(h);
    cs.push(cell);
  }
  return finish(c, ys, [hs, cs]).slice(0, Math.max(1, ctx.outputCount));
}

/** Recurrent operators. */
export const rnnOps: OpTable = { GRU: { run: gru }, LSTM: { run: lstm } };
