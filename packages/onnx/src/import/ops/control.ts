// Control flow: If (a branch chosen by a host-read condition) and Loop (trip count and/or condition,
// loop-carried values, scan outputs stacked on a new first axis), both running subgraphs that see outer values.
import * as F from '@flint/core';
import type { Tensor } from '@flint/core';
import type { GraphProto } from '../../proto/index.js';
import { int64 } from './shape.js';
import { need, type OpContext, type OpTable } from './types.js';

const MAX_TRIPS = 2 ** 31;

async function ifOp(ctx: OpContext, xs: (Tensor | undefined)[]): Promise<Tensor[]> {
  const cond = (await ctx.ints(need(ctx, xs, 0, 'cond'), 'cond'))[0];
  const branch = ctx.attrs.graph(cond !== 0 && cond !== undefined ? 'then_branch' : 'else_branch');
  return ctx.runGraph(branch, new Map());
}

async function loop(ctx: OpContext, xs: (Tensor | undefined)[]): Promise<Tensor[]> {
  const body: GraphProto = ctx.attrs.graph('body');
  const inputs = (body.input ?? []).map((v) => v.name ?? '');
  const maxTrips = xs[0] !== undefined ? (await ctx.ints(xs[0], 'M'))[0]! : MAX_TRIPS;
  let cond = xs[1] !== undefined ? (await ctx.ints(xs[1], 'cond'))[0] !== 0 : true;
  if (xs[0] === undefined && xs[1] === undefined) ctx.fail('has neither a trip count M nor a condition (it would never end)');
  let carried = xs.slice(2).map((t, i) => t ?? ctx.fail(`loop-carried input ${i} is missing`));
  const nCarried = carried.length;
  if (inputs.length !== 2 + nCarried) ctx.fail(`body takes ${inputs.length} inputs, expected 2 + ${nCarried} loop-carried`);
  const scans: Tensor[][] = [];
  let trip = 0;
  for (; trip < maxTrips && cond; trip++) {
    const feeds = new Map<string, Tensor>([[inputs[0]!, int64(ctx, [trip], [])], [inputs[1]!, F.full([], true, { device: ctx.hostDevice, dtype: 'bool' })]]);
    carried.forEach((t, i) => feeds.set(inputs[2 + i]!, t));
    const outs = await ctx.runGraph(body, feeds);
    cond = (await ctx.ints(outs[0]!, 'cond'))[0] !== 0;
    carried = outs.slice(1, 1 + nCarried);
    outs.slice(1 + nCarried).forEach((t, i) => (scans[i] ??= []).push(t));
  }
  const nScan = (body.output ?? []).length - 1 - nCarried;
  const stacked = Array.from({ length: nScan }, (_, i) => {
    const s = scans[i];
    if (s === undefined || s.length === 0) ctx.fail('a scan output of a loop that ran zero times has no shape (not supported)');
    return F.stack(s, 0);
  });
  return [...carried, ...stacked];
}

/** Control-flow operators. */
export const controlOps: OpTable = { If: { host: [0], run: ifOp }, Loop: { host: [0, 1], run: loop } };
