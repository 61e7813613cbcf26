// nn.GRU and nn.LSTM as ONNX GRU/LSTM nodes, one per layer. Weights stay initializers under their
// state-dict names; a Gather reorders their gate blocks (torch GRU r,z,n -> ONNX z,r,h; LSTM i,f,g,o ->
// ONNX i,o,f,c), which runtimes fold once at load. GRU uses linear_before_reset=1, torch's formula.
import { GRU, LSTM, type Module } from '@flint/nn';
import type { ModuleContext, ModuleExporter } from '../context.js';
import { attr } from '../graph.js';

const A = attr;

function rnn(kind: 'GRU' | 'LSTM'): ModuleExporter {
  // ONNX block k is torch block order[k]
  const order = kind === 'GRU' ? [1, 0, 2] : [0, 3, 1, 2];
  return (c: ModuleContext) => {
    const { g } = c;
    const m = c.module as GRU | LSTM;
    const H = m.hiddenSize, D = m.bidirectional ? 2 : 1, L = m.numLayers;
    const x0 = c.argTensors[0];
    if (!x0) return c.fail('expected an input tensor');
    const batched = x0.ndim === 3;
    const perm = g.i64(order.flatMap((b) => Array.from({ length: H }, (_, i) => b * H + i)));
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
      const attrs = {
        hidden_size: A.int(H), direction: A.string(D === 2 ? 'bidirectional' : 'forward'),
        ...(kind === 'GRU' ? { linear_before_reset: A.int(1) } : {}),
      };
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
];
