// nn.GRU, nn.LSTM and nn.RNN as ONNX GRU/LSTM/RNN nodes, one per layer (both directions in one node), and core's
// one-direction gruSequence/lstmSequence ops as one node each (for layers reached outside a Module tree).
// Weights stay initializers under their state-dict names; a Gather reorders their gate blocks (torch GRU r,z,n -> ONNX z,r,h; LSTM i,f,g,o ->
// ONNX i,o,f,c), which runtimes fold once at load. GRU uses linear_before_reset=1, torch's formula.
import { GRU, LSTM, RNN, type Module } from '@flint/nn';
import type { ModuleContext, ModuleExporter, OpExporter } from '../context.js';
import { attr, type Graph } from '../graph.js';

const A = attr;
/** ONNX gate block k is torch's block ORDER[kind][k]. */
const ORDER = { GRU: [1, 0, 2], LSTM: [0, 3, 1, 2], RNN: [0] } as const;
type Kind = keyof typeof ORDER;
/** The int64 row permutation that reorders torch's gate blocks (H rows each) into ONNX's. */
const gatePerm = (g: Graph, kind: Kind, H: number) => g.i64(ORDER[kind].flatMap((b) => Array.from({ length: H }, (_, i) => b * H + i)));
const cellAttrs = (kind: Kind, H: number, direction: string, activation = 'Tanh') => ({
  hidden_size: A.int(H), direction: A.string(direction), ...(kind === 'GRU' ? { linear_before_reset: A.int(1) } : {}),
  ...(kind === 'RNN' ? { activations: { kind: 'strings' as const, value: direction === 'bidirectional' ? [activation, activation] : [activation] } } : {}),
});

/**
 * core's gruSequence/lstmSequence (one layer, one direction: x [T, B, I], h0 (and c0) [B, H], torch-layout
 * weights) as one ONNX GRU/LSTM node in the forward or reverse direction.
 */
function sequence(kind: 'GRU' | 'LSTM'): OpExporter {
  const states = kind === 'LSTM' ? 2 : 1;
  return (c) => {
    const { g } = c;
    const H = c.x[1]!.shape[1]!, perm = gatePerm(g, kind, H), axis0 = g.i64([0]);
    const [wIh, wHh, bIh, bHh] = c.inputs.slice(1 + states);
    const lift = (n: string) => g.op('Unsqueeze', [n, axis0]);
    const reorder = (n: string) => g.op('Gather', [n, perm], { axis: A.int(0) });
    const B = bIh && bHh ? lift(g.op('Concat', [reorder(bIh), reorder(bHh)], { axis: A.int(0) })) : '';
    const ins = [c.inputs[0]!, lift(reorder(wIh!)), lift(reorder(wHh!)), B, '', ...c.inputs.slice(1, 1 + states).map(lift)];
    const outs = g.node(kind, ins, cellAttrs(kind, H, c.attrs.reverse ? 'reverse' : 'forward'), 1 + states);
    return [g.op('Squeeze', [outs[0]!, g.i64([1])]), ...outs.slice(1).map((o) => g.op('Squeeze', [o, axis0]))];
  };
}

/** gruCell: one GRU step from its two projections, written out (r, z, n gates; h' = n + z (h - n)). */
const gruCell: OpExporter = (c) => {
  const { g } = c;
  const H = c.x[2]!.shape[1]!, split = (n: string) => g.node('Split', [n, g.i64([H, H, H])], { axis: A.int(1) }, 3);
  const hg = c.inputs[3] ? g.op('Add', [c.inputs[1]!, c.inputs[3]]) : c.inputs[1]!;
  const [xr, xz, xn] = split(c.inputs[0]!), [hr, hz, hn] = split(hg);
  const r = g.op('Sigmoid', [g.op('Add', [xr!, hr!])]), z = g.op('Sigmoid', [g.op('Add', [xz!, hz!])]);
  const n = g.op('Tanh', [g.op('Add', [xn!, g.op('Mul', [r, hn!])])]);
  return [g.op('Add', [n, g.op('Mul', [z, g.op('Sub', [c.inputs[2]!, n])])]), ''];
};

/** lstmCell: one LSTM step from its two projections (i, f, g, o gates), giving h' and c'. */
const lstmCell: OpExporter = (c) => {
  const { g } = c;
  const H = c.x[2]!.shape[1]!;
  const [i, f, gg, o] = g.node('Split', [g.op('Add', [c.inputs[0]!, c.inputs[1]!]), g.i64([H, H, H, H])], { axis: A.int(1) }, 4);
  const sig = (v: string) => g.op('Sigmoid', [v]);
  const cNew = g.op('Add', [g.op('Mul', [sig(f!), c.inputs[2]!]), g.op('Mul', [sig(i!), g.op('Tanh', [gg!])])]);
  return [g.op('Mul', [sig(o!), g.op('Tanh', [cNew])]), cNew, ''];
};

/** The recurrent ops by Flint name: whole sequences as GRU/LSTM nodes, single cells written out. */
export const RNN_OPS: Record<string, OpExporter> = { gruSequence: sequence('GRU'), lstmSequence: sequence('LSTM'), gruCell, lstmCell };

function rnn(kind: Kind): ModuleExporter {
  return (c: ModuleContext) => {
    const { g } = c;
    const m = c.module as GRU | LSTM | RNN;
    const H = m.hiddenSize, D = m.bidirectional ? 2 : 1, L = m.numLayers;
    const x0 = c.argTensors[0];
    if (!x0) return c.fail('expected an input tensor');
    const batched = x0.ndim === 3;
    const perm = gatePerm(g, kind, H);
    const axis0 = g.i64([0]), axis1 = g.i64([1]);
    const reorder = (name: string) => g.op('Gather', [c.param(name), perm], { axis: A.int(0) });
    const stacked = (names: string[]) => {
      const parts = names.map((n) => g.op('Unsqueeze', [n, axis0]));
      return parts.length === 1 ? parts[0]! : g.op('Concat', parts, { axis: A.int(0) });
    };
    // ONNX layout 0: X [T, B, I], states [L*D, B, H]
    let x = c.args[0]!;
    if (!batched) x = g.op('Unsqueeze', [x, axis1]);
    else if (m.batchFirst) x = g.op('Transpose', [x], { perm: A.ints([1, 0, 2]) });
    const state = (i: number) => {
      const s = c.args[i];
      return s && !batched ? g.op('Unsqueeze', [s, axis1]) : s ?? '';
    };
    const h0 = state(1), c0 = kind === 'LSTM' ? state(2) : '';
    const hN: string[] = [], cN: string[] = [];
    for (let l = 0; l < L; l++) {
      const sfx = Array.from({ length: D }, (_, d) => `_l${l}${d ? '_reverse' : ''}`);
      const W = stacked(sfx.map((s) => reorder(`weight_ih${s}`)));
      const R = stacked(sfx.map((s) => reorder(`weight_hh${s}`)));
      const B = m.bias ? stacked(sfx.map((s) => g.op('Concat', [reorder(`bias_ih${s}`), reorder(`bias_hh${s}`)], { axis: A.int(0) }))) : '';
      const slice = (s: string) => (s ? g.op('Slice', [s, g.i64([l * D]), g.i64([(l + 1) * D]), axis0]) : '');
      const attrs = cellAttrs(kind, H, D === 2 ? 'bidirectional' : 'forward', m.mode === 'RNN_RELU' ? 'Relu' : 'Tanh');
      const ins = [x, W, R, B, '', slice(h0), ...(kind === 'LSTM' ? [slice(c0)] : [])];
      const outs = g.node(kind, ins, attrs, kind === 'LSTM' ? 3 : 2);
      // Y [T, D, B, H] -> [T, B, D*H]
      x = D === 1 ? g.op('Squeeze', [outs[0]!, axis1]) : g.op('Reshape', [g.op('Transpose', [outs[0]!], { perm: A.ints([0, 2, 1, 3]) }), g.i64([0, 0, -1])]);
      hN.push(outs[1]!);
      if (outs[2]) cN.push(outs[2]);
    }
    const joined = (parts: string[]) => {
      const s = parts.length === 1 ? parts[0]! : g.op('Concat', parts, { axis: A.int(0) });
      return batched ? s : g.op('Squeeze', [s, axis1]);
    };
    const y = !batched ? g.op('Squeeze', [x, axis1]) : m.batchFirst ? g.op('Transpose', [x], { perm: A.ints([1, 0, 2]) }) : x;
    return kind === 'LSTM' ? [y, joined(hN), joined(cN)] : [y, joined(hN)];
  };
}

/** Module classes that export as one ONNX operator, with their exporters. */
export const MODULES: readonly (readonly [abstract new (...a: never[]) => Module, ModuleExporter])[] = [
  [GRU, rnn('GRU')],
  [LSTM, rnn('LSTM')],
  [RNN, rnn('RNN')],
];
