// Operator variants across opsets (attributes that became inputs, negative axes and steps, padding modes,
// recurrent layouts, control flow), each a small model built in code and checked against ONNX Runtime.
import '@flint/backend-cpu';
import { describe, expect, it } from 'vitest';
import { DataType } from '../proto/index.js';
import * as Core from '@flint/core';
import { loadOnnx } from './model.js';
import { compareWithOrt, seeded } from './testing/compare.js';
import { f32, graphModel, i64, node, value, type Attr } from './testing/single.js';

const F = DataType.FLOAT;
const I = DataType.INT64;
type Case = [name: string, opset: number, op: string, inputs: Record<string, number[]>, args: string[], attrs: Record<string, Attr>, consts?: ReturnType<typeof i64>[], outs?: Record<string, number>];

const cases: Case[] = [
  ['Split by attribute (opset 11)', 11, 'Split', { x: [6, 4] }, ['x'], { axis: { i: 0 }, split: { ints: [2, 4] } }, [], { a: F, b: F }],
  ['Split by input (opset 13)', 13, 'Split', { x: [6, 4] }, ['x', 's'], { axis: { i: -1 } }, [i64('s', [1, 3])], { a: F, b: F }],
  ['Split into num_outputs (opset 18), uneven', 18, 'Split', { x: [7, 2] }, ['x'], { num_outputs: { i: 3 } }, [], { a: F, b: F, c: F }],
  ['Squeeze by attribute (opset 11)', 11, 'Squeeze', { x: [1, 3, 1, 2] }, ['x'], { axes: { ints: [0, -2] } }],
  ['Squeeze by input (opset 13)', 13, 'Squeeze', { x: [1, 3, 1, 2] }, ['x', 'ax'], {}, [i64('ax', [2])]],
  ['Unsqueeze by attribute (opset 11)', 11, 'Unsqueeze', { x: [3, 2] }, ['x'], { axes: { ints: [0, 3] } }],
  ['Unsqueeze by input (opset 13), negative', 13, 'Unsqueeze', { x: [3, 2] }, ['x', 'ax'], {}, [i64('ax', [-1, 1])]],
  ['ReduceSum by attribute (opset 11)', 11, 'ReduceSum', { x: [2, 3, 4] }, ['x'], { axes: { ints: [1] }, keepdims: { i: 0 } }],
  ['ReduceSum by input (opset 13), all axes', 13, 'ReduceSum', { x: [2, 3, 4] }, ['x'], {}],
  ['ReduceMean by input (opset 18)', 18, 'ReduceMean', { x: [2, 3, 4] }, ['x', 'ax'], {}, [i64('ax', [0, 2])]],
  ['ReduceMax by attribute (opset 13)', 13, 'ReduceMax', { x: [2, 3, 4] }, ['x'], { axes: { ints: [-1] } }],
  ['Slice by attributes (opset 9)', 9, 'Slice', { x: [5, 6] }, ['x'], { starts: { ints: [1, -4] }, ends: { ints: [4, 1000] }, axes: { ints: [0, 1] } }],
  ['Slice with negative steps (opset 13)', 13, 'Slice', { x: [5, 6] }, ['x', 'st', 'en', 'ax', 'sp'], {}, [i64('st', [-1, 4]), i64('en', [-1000, 0]), i64('ax', [0, 1]), i64('sp', [-2, -3])]],
  ['Gather with negative indices', 13, 'Gather', { x: [5, 3] }, ['x', 'idx'], { axis: { i: 0 } }, [i64('idx', [-1, 0, 2, -5], [2, 2])]],
  ['Gather a scalar index on axis 1', 13, 'Gather', { x: [2, 5, 3] }, ['x', 'idx'], { axis: { i: 1 } }, [i64('idx', [3], [])]],
  ['GatherElements', 13, 'GatherElements', { x: [3, 4] }, ['x', 'idx'], { axis: { i: 1 } }, [i64('idx', [0, 3, -1, 2, 1, 1], [3, 2])]],
  ['Pad constant by input (opset 13)', 13, 'Pad', { x: [2, 3, 4] }, ['x', 'p', 'v'], {}, [i64('p', [0, 1, 2, 0, 0, 1]), f32('v', [0.5], [])]],
  ['Pad reflect by attribute (opset 10)', 10, 'Pad', { x: [1, 2, 4, 5] }, ['x'], { mode: { s: 'reflect' }, pads: { ints: [0, 0, 1, 2, 0, 0, 2, 1] } }],
  ['Pad edge (opset 13)', 13, 'Pad', { x: [2, 4, 5] }, ['x', 'p'], { mode: { s: 'edge' } }, [i64('p', [0, 2, 1, 0, 1, 3])]],
  ['Tile', 13, 'Tile', { x: [2, 3] }, ['x', 'r'], {}, [i64('r', [2, 3])]],
  ['Expand both ways', 13, 'Expand', { x: [3, 1] }, ['x', 's'], {}, [i64('s', [2, 1, 4])]],
  ['Transpose default (reverse)', 13, 'Transpose', { x: [2, 3, 4] }, ['x'], {}],
  ['Flatten at axis -1', 13, 'Flatten', { x: [2, 3, 4] }, ['x'], { axis: { i: -1 } }],
  ['Softmax opset 11 (2-D coercion at axis 1)', 11, 'Softmax', { x: [2, 3, 4] }, ['x'], {}],
  ['LogSoftmax opset 13 axis 1', 13, 'LogSoftmax', { x: [2, 3, 4] }, ['x'], { axis: { i: 1 } }],
  ['Clip by attributes (opset 6)', 7, 'Clip', { x: [3, 4] }, ['x'], { min: { f: -0.3 }, max: { f: 0.2 } }],
  ['Clip by inputs, max only (opset 13)', 13, 'Clip', { x: [3, 4] }, ['x', '', 'mx'], {}, [f32('mx', [0.1], [])]],
  ['HardSigmoid', 13, 'HardSigmoid', { x: [3, 4] }, ['x'], { alpha: { f: 0.3 }, beta: { f: 0.4 } }],
  ['LeakyRelu', 13, 'LeakyRelu', { x: [3, 4] }, ['x'], { alpha: { f: 0.2 } }],
  ['Gemm with transA, alpha, beta', 13, 'Gemm', { a: [3, 2], b: [3, 4] }, ['a', 'b', 'c'], { transA: { i: 1 }, alpha: { f: 0.5 }, beta: { f: 2 } }, [f32('c', [1, 2, 3, 4])]],
  ['MatMul batched broadcast', 13, 'MatMul', { a: [2, 1, 3, 4], b: [3, 4, 5] }, ['a', 'b'], {}],
  ['Conv 1-D, groups, dilation, asymmetric pads', 13, 'Conv', { x: [2, 4, 11], w: [6, 2, 3] }, ['x', 'w'], { group: { i: 2 }, dilations: { ints: [2] }, pads: { ints: [1, 3] }, strides: { ints: [2] } }],
  ['Conv SAME_LOWER', 13, 'Conv', { x: [1, 2, 7, 6], w: [3, 2, 3, 2] }, ['x', 'w'], { auto_pad: { s: 'SAME_LOWER' }, strides: { ints: [2, 2] } }],
  ['ConvTranspose with output_padding and group', 13, 'ConvTranspose', { x: [1, 4, 5, 4], w: [4, 3, 3, 3] }, ['x', 'w'], { group: { i: 2 }, strides: { ints: [2, 2] }, pads: { ints: [1, 0, 1, 0] }, output_padding: { ints: [1, 1] } }],
  ['ConvTranspose 1-D with output_shape', 13, 'ConvTranspose', { x: [1, 2, 5], w: [2, 3, 4] }, ['x', 'w'], { strides: { ints: [3] }, output_shape: { ints: [16] } }],
  ['MaxPool SAME_UPPER, stride 2', 13, 'MaxPool', { x: [1, 2, 7, 8] }, ['x'], { kernel_shape: { ints: [3, 2] }, auto_pad: { s: 'SAME_UPPER' }, strides: { ints: [2, 2] } }],
  ['MaxPool with dilation', 13, 'MaxPool', { x: [1, 2, 7, 8] }, ['x'], { kernel_shape: { ints: [3, 2] }, pads: { ints: [1, 1, 1, 1] }, dilations: { ints: [1, 2] } }],
  ['MaxPool 1-D asymmetric pads, ceil_mode', 13, 'MaxPool', { x: [1, 2, 9] }, ['x'], { kernel_shape: { ints: [3] }, strides: { ints: [2] }, pads: { ints: [0, 2] }, ceil_mode: { i: 1 } }],
  ['AveragePool asymmetric pads, pads not counted', 13, 'AveragePool', { x: [1, 2, 6, 6] }, ['x'], { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 0, 0, 2] } }],
  ['AveragePool pads counted', 13, 'AveragePool', { x: [1, 2, 6, 6] }, ['x'], { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] }, count_include_pad: { i: 1 }, strides: { ints: [2, 2] } }],
  ['GlobalMaxPool', 13, 'GlobalMaxPool', { x: [2, 3, 4, 5] }, ['x'], {}],
  ['InstanceNormalization', 13, 'InstanceNormalization', { x: [2, 3, 4, 5] }, ['x', 's', 'b'], {}, [f32('s', [1, 2, 3]), f32('b', [0, 1, -1])]],
  ['LayerNormalization over two axes', 17, 'LayerNormalization', { x: [2, 3, 4] }, ['x', 's', 'b'], { axis: { i: 1 } }, [f32('s', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [3, 4]), f32('b', [1, 0, 0, 2], [4])]],
  ['ArgMax select_last_index', 13, 'ArgMax', { x: [3, 4] }, ['x'], { axis: { i: 1 }, keepdims: { i: 0 }, select_last_index: { i: 1 } }, [], { y: I }],
  ['Resize nearest half_pixel round_prefer_ceil by sizes', 13, 'Resize', { x: [1, 2, 3, 5] }, ['x', '', '', 'sz'], { mode: { s: 'nearest' }, coordinate_transformation_mode: { s: 'half_pixel' }, nearest_mode: { s: 'round_prefer_ceil' } }, [i64('sz', [1, 2, 7, 8])]],
  ['Resize linear align_corners', 13, 'Resize', { x: [1, 2, 3, 5] }, ['x', '', 'sc'], { mode: { s: 'linear' }, coordinate_transformation_mode: { s: 'align_corners' } }, [f32('sc', [1, 1, 2, 1.5])]],
  ['Upsample nearest (opset 9)', 9, 'Upsample', { x: [1, 2, 3, 4] }, ['x', 'sc'], { mode: { s: 'nearest' } }, [f32('sc', [1, 1, 2, 3])]],
  ['GRU reverse, linear_before_reset=0 (ONNX Runtime has no layout=1)', 14, 'GRU', { x: [5, 2, 3], w: [1, 12, 3], r: [1, 12, 4], b: [1, 24] }, ['x', 'w', 'r', 'b'], { hidden_size: { i: 4 }, direction: { s: 'reverse' } }, [], { y: F, yh: F }],
  ['LSTM bidirectional with initial states', 13, 'LSTM', { x: [5, 2, 3], w: [2, 16, 3], r: [2, 16, 4], b: [2, 32], h0: [2, 2, 4], c0: [2, 2, 4] }, ['x', 'w', 'r', 'b', '', 'h0', 'c0'], { hidden_size: { i: 4 }, direction: { s: 'bidirectional' } }, [], { y: F, yh: F, yc: F }],
  ['Upsample by attribute (opset 7)', 7, 'Upsample', { x: [1, 2, 3, 4] }, ['x'], { mode: { s: 'nearest' }, scales: { floats: [1, 1, 2, 2] } }],
  ['BatchNormalization (opset 7, spatial)', 7, 'BatchNormalization', { x: [2, 3, 4, 5] }, ['x', 's', 'b', 'm', 'v'], { spatial: { i: 1 }, epsilon: { f: 1e-3 } }, [f32('s', [1, 2, 3]), f32('b', [0, 1, -1]), f32('m', [0.1, -0.2, 0.3]), f32('v', [0.5, 1, 2])]],
  ['BatchNormalization on [N, C] (opset 15)', 15, 'BatchNormalization', { x: [4, 3] }, ['x', 's', 'b', 'm', 'v'], {}, [f32('s', [1, 2, 3]), f32('b', [0, 1, -1]), f32('m', [0.1, -0.2, 0.3]), f32('v', [0.5, 1, 2])]],
  ['Dropout (opset 7, ratio attribute)', 7, 'Dropout', { x: [3, 4] }, ['x'], { ratio: { f: 0.3 } }],
  ['Softmax (opset 7, axis 2 coercion)', 7, 'Softmax', { x: [2, 3, 4, 2] }, ['x'], { axis: { i: 2 } }],
  ['Reshape with 0 and -1 (opset 7)', 7, 'Reshape', { x: [2, 3, 4] }, ['x', 's'], {}, [i64('s', [0, -1, 2])]],
  ['Gemm (opset 7) with a broadcast bias', 7, 'Gemm', { a: [3, 5], b: [4, 5] }, ['a', 'b', 'c'], { transB: { i: 1 } }, [f32('c', [0.5], [1])]],
  ['Concat on a negative axis', 13, 'Concat', { a: [2, 3], b: [2, 1] }, ['a', 'b'], { axis: { i: -1 } }],
  ['Erf', 13, 'Erf', { x: [3, 4] }, ['x'], {}],
  ['Sin', 13, 'Sin', { x: [3, 4] }, ['x'], {}],
  ['Cos', 13, 'Cos', { x: [3, 4] }, ['x'], {}],
  ['Elu', 13, 'Elu', { x: [3, 4] }, ['x'], { alpha: { f: 0.7 } }],
  ['Gelu tanh (opset 20)', 20, 'Gelu', { x: [3, 4] }, ['x'], { approximate: { s: 'tanh' } }],
  ['HardSwish', 14, 'HardSwish', { x: [3, 4] }, ['x'], {}],
  ['Softplus', 13, 'Softplus', { x: [3, 4] }, ['x'], {}],
  ['Sign', 13, 'Sign', { x: [3, 4] }, ['x'], {}],
  ['Round (half to even)', 13, 'Round', { x: [3, 4] }, ['x'], {}],
  ['Mod fmod=1 on floats', 13, 'Mod', { a: [3, 4], b: [4] }, ['a', 'b'], { fmod: { i: 1 } }],
  ['Pow with a broadcast exponent', 13, 'Pow', { a: [3, 4] }, ['a', 'e'], {}, [f32('e', [2, 3, 1, 2])]],
  ['Mean of three', 13, 'Mean', { a: [3, 4], b: [4], c: [3, 1] }, ['a', 'b', 'c'], {}],
  ['Max / Min variadic', 13, 'Max', { a: [3, 4], b: [4], c: [3, 1] }, ['a', 'b', 'c'], {}],
  ['ReduceProd (opset 13 attribute)', 13, 'ReduceProd', { x: [2, 3, 4] }, ['x'], { axes: { ints: [0, 2] } }],
  ['ReduceL2 by input (opset 18)', 18, 'ReduceL2', { x: [2, 3, 4] }, ['x', 'ax'], { keepdims: { i: 0 } }, [i64('ax', [1])]],
  ['ReduceLogSumExp', 13, 'ReduceLogSumExp', { x: [2, 3, 4] }, ['x'], { axes: { ints: [2] } }],
  ['ReduceSumSquare', 13, 'ReduceSumSquare', { x: [2, 3, 4] }, ['x'], { axes: { ints: [0] } }],
  ['ReduceMin noop_with_empty_axes', 18, 'ReduceMin', { x: [2, 3] }, ['x'], { noop_with_empty_axes: { i: 1 } }],
  ['Size', 13, 'Size', { x: [2, 3, 4] }, ['x'], {}, [], { y: I }],
  ['Shape with start/end (opset 15)', 15, 'Shape', { x: [2, 3, 4, 5] }, ['x'], { start: { i: 1 }, end: { i: -1 } }, [], { y: I }],
];

describe('operator variants match ONNX Runtime', () => {
  for (const [name, opset, op, inputs, args, attrs, consts = [], outs = { y: F }] of cases) {
    it(`${op}: ${name}`, async () => {
      const bytes = graphModel(opset, [node(op, args, Object.keys(outs), attrs)], inputs, outs, consts);
      const specs = Object.fromEntries(Object.entries(inputs).map(([k, shape]) => [k, { shape }]));
      for (const d of await compareWithOrt(bytes, specs)) expect(d.maxRel, `${d.name}: max abs ${d.maxAbs}`).toBeLessThan(1e-4);
    });
  }

  it('GRU and LSTM with layout=1 (batch first; ONNX Runtime lacks it) equal layout=0 on transposed data', async () => {
    const rnd = seeded(9);
    const w = (n: number) => Array.from({ length: n }, () => rnd() - 0.5);
    for (const [op, g] of [['GRU', 3], ['LSTM', 4]] as const) {
      const consts = [f32('w', w(2 * g * 4 * 3), [2, g * 4, 3]), f32('r', w(2 * g * 16), [2, g * 4, 4]), f32('b', w(2 * 2 * g * 4), [2, 2 * g * 4])];
      const attrs = { hidden_size: { i: 4 }, direction: { s: 'bidirectional' } } as const;
      const m0 = await loadOnnx(graphModel(14, [node(op, ['x', 'w', 'r', 'b'], ['y', 'yh'], attrs)], { x: [5, 2, 3] }, { y: F, yh: F }, consts));
      const m1 = await loadOnnx(graphModel(14, [node(op, ['x', 'w', 'r', 'b'], ['y', 'yh'], { ...attrs, layout: { i: 1 } })], { x: [2, 5, 3] }, { y: F, yh: F }, consts));
      const x = Core.fromBlob(Float32Array.from(w(30)), [5, 2, 3]);
      const a = await m0.run({ x });
      const b = await m1.run({ x: Core.contiguous(Core.transpose(x, 0, 1)) });
      expect(b.y!.shape).toEqual([2, 5, 2, 4]);
      expect(await Core.permute(b.y!, [1, 2, 0, 3]).tolist()).toEqual(await a.y!.tolist());
      expect(await Core.transpose(b.yh!, 0, 1).tolist()).toEqual(await a.yh!.tolist());
    }
  });

  it('int64 shape arithmetic: Shape -> Gather -> Mul/Div -> Concat -> Reshape, and Range/ConstantOfShape/Where/Cast', async () => {
    const bytes = graphModel(13, [
      node('Shape', ['x'], ['s']),
      node('Gather', ['s', 'zero'], ['n'], { axis: { i: 0 } }),
      node('Gather', ['s', 'one'], ['c']),
      node('Div', ['c', 'two'], ['half']),
      node('Mul', ['n', 'two'], ['n2']),
      node('Unsqueeze', ['n2', 'ax0'], ['n2u']),
      node('Unsqueeze', ['half', 'ax0'], ['hu']),
      node('Concat', ['n2u', 'hu'], ['shape'], { axis: { i: 0 } }),
      node('Reshape', ['x', 'shape'], ['r']),
      node('Range', ['zero', 'half', 'one'], ['ar']),
      node('Cast', ['ar'], ['arf'], { to: { i: DataType.FLOAT } }),
      node('ConstantOfShape', ['shape'], ['zeros'], { value: { t: f32('v', [0.25], [1]) } }),
      node('Greater', ['r', 'zeros'], ['pos']),
      node('Where', ['pos', 'r', 'arf'], ['y']),
    ], { x: [3, 6] }, { y: F }, [i64('zero', [0], []), i64('one', [1], []), i64('two', [2], []), i64('ax0', [0])]);
    for (const d of await compareWithOrt(bytes, { x: { shape: [3, 6] } })) expect(d.maxRel).toBeLessThan(1e-6);
  });

  it('Loop with a trip count, a condition, carried values and scan outputs; If on a computed condition', async () => {
    const body = {
      name: 'body',
      node: [
        node('Add', ['acc_in', 'x'], ['acc_out']),
        node('Mul', ['acc_out', 'half'], ['scan']),
        node('ReduceSum', ['acc_out'], ['total'], { keepdims: { i: 0 } }),
        node('Less', ['total', 'limit'], ['cond_out']),
      ],
      input: [value('iter', DataType.INT64, []), value('cond_in', DataType.BOOL, []), value('acc_in', F, [2, 3])],
      output: [value('cond_out', DataType.BOOL, []), value('acc_out', F, [2, 3]), value('scan', F, [2, 3])],
    };
    const then = { name: 'then', node: [node('Neg', ['acc'], ['t'])], output: [{ name: 't' }] };
    const otherwise = { name: 'else', node: [node('Exp', ['acc'], ['e'])], output: [{ name: 'e' }] };
    const bytes = graphModel(13, [
      node('Loop', ['m', 'c', 'x0'], ['acc', 'scans'], { body: { g: body } }),
      node('ReduceMean', ['acc'], ['mean'], { keepdims: { i: 0 } }),
      node('Greater', ['mean', 'zero'], ['cond']),
      node('If', ['cond'], ['y'], { then_branch: { g: then }, else_branch: { g: otherwise } }),
    ], { x: [2, 3], x0: [2, 3] }, { y: F, scans: F }, [i64('m', [5], []), { ...f32('c', [1], []), data_type: DataType.BOOL, raw_data: new Uint8Array([1]) }, f32('half', [0.5], []), f32('limit', [4], []), f32('zero', [0], [])]);
    for (const d of await compareWithOrt(bytes, { x: { shape: [2, 3] }, x0: { shape: [2, 3] } })) expect(d.maxRel).toBeLessThan(1e-6);
  });
});
