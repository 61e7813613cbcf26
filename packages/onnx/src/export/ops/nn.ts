// ONNX mappings of the neural-network ops as whole ONNX operators: Gemm/MatMul, Conv, ConvTranspose, MaxPool,
// AveragePool, GlobalAveragePool, BatchNormalization and LayerNormalization (opset 17; below it, its
// decomposition into ReduceMean/Sub/Mul/Sqrt/Div).
import type { Tensor } from '@flint/core';
import type { OpContext, OpExporter } from '../context.js';
import { attr, type Graph } from '../graph.js';
import { reduceNode } from './reduce.js';

const A = attr;
const list = (v: unknown, n: number): number[] => (Array.isArray(v) ? v.map(Number) : new Array<number>(n).fill(Number(v ?? 0)));

/** Runs `body` on a batched input: unbatched [C, ...] inputs get a leading 1 and lose it after. */
function batched(c: OpContext, spatial: number, body: (x: string) => string): string {
  if (c.x[0]!.ndim === spatial + 2) return body(c.inputs[0]!);
  const axis = c.g.i64([0]);
  return c.g.op('Squeeze', [body(c.g.op('Unsqueeze', [c.inputs[0]!, axis])), axis]);
}

/** Conv padding as ONNX pads [begin..., end...]; 'same' puts the odd extra at the end, as torch does. */
function convPads(padding: unknown, kernel: readonly number[], dilation: readonly number[]): number[] {
  const n = kernel.length;
  if (padding === 'valid') return new Array<number>(2 * n).fill(0);
  if (padding === 'same') {
    const total = kernel.map((k, i) => dilation[i]! * (k - 1));
    return [...total.map((t) => Math.floor(t / 2)), ...total.map((t) => t - Math.floor(t / 2))];
  }
  const p = list(padding, n);
  return [...p, ...p];
}

const conv = (spatial: number): OpExporter => (c) => {
  const w = c.x[1]!, kernel = w.shape.slice(2);
  const dilation = list(c.attrs.dilation ?? 1, spatial);
  const attrs = {
    kernel_shape: A.ints(kernel), strides: A.ints(list(c.attrs.stride ?? 1, spatial)), dilations: A.ints(dilation),
    pads: A.ints(convPads(c.attrs.padding, kernel, dilation)), group: A.int(Number(c.attrs.groups ?? 1)),
  };
  return batched(c, spatial, (x) => c.g.op('Conv', [x, c.inputs[1]!, c.inputs[2] ?? ''], attrs));
};

/** conv2dBackwardInput, which ConvTranspose2d runs on: ONNX ConvTranspose with the output padding its size implies. */
function convTranspose(c: OpContext): string {
  if (typeof c.attrs.padding === 'string') c.fail(`padding '${c.attrs.padding}' has no ConvTranspose mapping`, 'use numeric padding');
  const w = c.x[1]!, kernel = w.shape.slice(2), r = c.x[0]!.ndim;
  const stride = list(c.attrs.stride ?? 1, 2), dilation = list(c.attrs.dilation ?? 1, 2), pads = list(c.attrs.padding ?? 0, 2);
  const extra = (xs: readonly number[], out: readonly number[]) => [0, 1].map((i) => {
    const base = (xs[r - 2 + i]! - 1) * stride[i]! - 2 * pads[i]! + dilation[i]! * (kernel[i]! - 1) + 1;
    return out[out.length - 2 + i]! - base;
  });
  const outputPadding = extra(c.x[0]!.shape, c.attrs.inputShape as number[]);
  if (extra(c.xB[0]!, c.attrsB.inputShape as number[]).some((v, i) => v !== outputPadding[i])) {
    c.fail('its output padding changes with the dynamic axes', 'give the output size so the padding is the same at every size, or make the spatial dims static');
  }
  const attrs = {
    kernel_shape: A.ints(kernel), strides: A.ints(stride), dilations: A.ints(dilation), pads: A.ints([...pads, ...pads]),
    group: A.int(Number(c.attrs.groups ?? 1)), output_padding: A.ints(outputPadding),
  };
  return batched(c, 2, (x) => c.g.op('ConvTranspose', [x, c.inputs[1]!], attrs));
}

function poolAttrs(c: OpContext): Record<string, ReturnType<typeof A.int>> {
  const k = list(c.attrs.kernelSize, 2), p = list(c.attrs.padding ?? 0, 2);
  return { kernel_shape: A.ints(k), strides: A.ints(list(c.attrs.stride ?? k, 2)), pads: A.ints([...p, ...p]), ceil_mode: A.int(c.attrs.ceilMode ? 1 : 0) };
}

function maxPool2d(c: OpContext): readonly string[] {
  if (c.attrs.returnIndices) c.fail('its indices (returnIndices: true) count within each plane as torch does, which no ONNX op gives', 'export the values only');
  const attrs = { ...poolAttrs(c), dilations: A.ints(list(c.attrs.dilation ?? 1, 2)) };
  return [batched(c, 2, (x) => c.g.op('MaxPool', [x], attrs)), ''];
}

function avgPool2d(c: OpContext): string {
  if (c.attrs.divisorOverride !== null && c.attrs.divisorOverride !== undefined) c.fail('divisorOverride has no ONNX AveragePool attribute', 'scale the output yourself (multiply by window size / divisor)');
  const attrs = { ...poolAttrs(c), count_include_pad: A.int(c.attrs.countIncludePad === false ? 0 : 1) };
  return batched(c, 2, (x) => c.g.op('AveragePool', [x], attrs));
}

function adaptiveAvgPool2d(c: OpContext): string {
  const [oh, ow] = list(c.attrs.outputSize, 2) as [number, number];
  const x = c.x[0]!, H = x.shape[x.ndim - 2]!, W = x.shape[x.ndim - 1]!;
  const hB = c.xB[0]![x.ndim - 2]!, wB = c.xB[0]![x.ndim - 1]!;
  if (oh === 1 && ow === 1) return batched(c, 2, (v) => c.g.op('GlobalAveragePool', [v]));
  // equal windows: a plain AveragePool with kernel = stride = input / output
  if (H === hB && W === wB && H % oh === 0 && W % ow === 0) {
    const k = [H / oh, W / ow];
    return batched(c, 2, (v) => c.g.op('AveragePool', [v], { kernel_shape: A.ints(k), strides: A.ints(k) }));
  }
  return c.fail(`output ${oh}x${ow} from input ${H}x${W} needs windows of unequal sizes, which no ONNX op computes`, 'use an input size divisible by the output size, or outputSize 1 (GlobalAveragePool)');
}

/** A constant [n] of ones or zeros in x's dtype (for absent affine parameters). */
const filled = (g: Graph, x: Tensor, n: number[], v: number) => g.initializer({ dtype: x.dtype, dims: n, data: new Array<number>(n.reduce((a, b) => a * b, 1)).fill(v) });

function batchNorm(c: OpContext): string {
  const x = c.x[0]!;
  const [hasMean, hasVar] = (c.attrs.stats ?? [true, true]) as [boolean, boolean];
  const [hasW, hasB] = (c.attrs.affine ?? [false, false]) as [boolean, boolean];
  if (c.attrs.training || !hasMean || !hasVar) c.fail('batch statistics (training mode, or no running statistics) have no inference mapping', 'call model.eval() and keep trackRunningStats');
  const C = [x.shape[1]!];
  let i = 3;
  const w = hasW ? c.inputs[i++]! : filled(c.g, x, C, 1);
  const b = hasB ? c.inputs[i]! : filled(c.g, x, C, 0);
  return c.g.op('BatchNormalization', [c.inputs[0]!, w, b, c.inputs[1]!, c.inputs[2]!], { epsilon: A.float(Number(c.attrs.eps ?? 1e-5)) });
}

function layerNorm(c: OpContext): string {
  const { g } = c;
  const x = c.x[0]!, ns = list(c.attrs.normalizedShape, 1), eps = Number(c.attrs.eps ?? 1e-5);
  const [hasW, hasB] = (c.attrs.affine ?? [false, false]) as [boolean, boolean];
  let i = 1;
  const w = hasW ? c.inputs[i++]! : '', b = hasB ? c.inputs[i]! : '';
  if (g.opset >= 17) {
    return g.op('LayerNormalization', [c.inputs[0]!, w || filled(g, x, ns, 1), b], { axis: A.int(-ns.length), epsilon: A.float(eps) });
  }
  const axes = ns.map((_, k) => x.ndim - ns.length + k);
  const dev = g.op('Sub', [c.inputs[0]!, reduceNode(c, 'ReduceMean', c.inputs[0]!, axes, 1)]);
  const v = reduceNode(c, 'ReduceMean', g.op('Mul', [dev, dev]), axes, 1);
  let y = g.op('Div', [dev, g.op('Sqrt', [g.op('Add', [v, g.scalar(eps, x.dtype)])])]);
  if (w) y = g.op('Mul', [y, w]);
  if (b) y = g.op('Add', [y, b]);
  return y;
}

function linear(c: OpContext): string {
  const { g } = c;
  // Gemm for a batch of vectors; MatMul against the transposed weight (folded by runtimes) otherwise
  if (c.x[0]!.ndim === 2) return g.op('Gemm', [c.inputs[0]!, c.inputs[1]!, c.inputs[2] ?? ''], { transB: A.int(1) });
  const y = g.op('MatMul', [c.inputs[0]!, g.op('Transpose', [c.inputs[1]!], { perm: A.ints([1, 0]) })]);
  return c.inputs[2] ? g.op('Add', [y, c.inputs[2]]) : y;
}

/** Neural-network ops by Flint name. */
export const NN: Record<string, OpExporter> = {
  linear, matmul: (c) => c.g.op('MatMul', [c.inputs[0]!, c.inputs[1]!]),
  conv1d: conv(1), conv2d: conv(2), conv2dBackwardInput: convTranspose, maxPool2d, avgPool2d, adaptiveAvgPool2d, batchNorm, layerNorm,
  batchNormRelu: (c) => c.g.op('Relu', [batchNorm(c)]),
};
