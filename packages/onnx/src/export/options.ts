// exportOnnx's options (torch.onnx.export's keyword arguments in camelCase), checked and resolved.
import { checkOptions, optionKeys } from '@flint/core';
import { OnnxExportError } from './errors.js';

/** Named dynamic axes of one input or output: `{ 0: 'batch' }`, or a list of axes (names generated). */
export type DynamicAxes = Readonly<Record<number, string>> | readonly number[];

/** Options of {@link exportOnnx}. */
export interface ExportOptions {
  /** ONNX opset to target, 13 to 18 (default 17). */
  opsetVersion?: number;
  /** Graph input names, one per example argument (default `input`, or `input_0`, `input_1`, ...). */
  inputNames?: readonly string[];
  /** Graph output names, one per output tensor (default `output`, or `output_0`, ...). */
  outputNames?: readonly string[];
  /** Axes of inputs and outputs whose size may change, by name: `{ input: { 0: 'batch' } }`. */
  dynamicAxes?: Readonly<Record<string, DynamicAxes>>;
  /** Replace ops whose inputs are all constants by their values (default true). Parameters stay initializers. */
  doConstantFolding?: boolean;
  /** Key/value strings stored in the model's metadata_props. */
  metadata?: Readonly<Record<string, string>>;
}

const KEYS = optionKeys<ExportOptions>()('opsetVersion', 'inputNames', 'outputNames', 'dynamicAxes', 'doConstantFolding', 'metadata');

/** The lowest and highest opset the exporter writes. */
export const OPSET_RANGE = [13, 18] as const;

/** Options with defaults applied. */
export interface Resolved {
  readonly opset: number;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[] | undefined;
  /** Per value name: axis -> symbol. */
  readonly axes: ReadonlyMap<string, ReadonlyMap<number, string>>;
  readonly fold: boolean;
  readonly metadata: Readonly<Record<string, string>>;
}

const names = (what: string, v: unknown): readonly string[] | undefined => {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s === '')) throw new TypeError(`exportOnnx: ${what} must be a list of non-empty strings, got ${JSON.stringify(v)}`);
  if (new Set(v).size !== v.length) throw new OnnxExportError(`${what} has a repeated name (${v.join(', ')})`);
  return v as string[];
};

/** Checks `opts` and applies the defaults, for a model called with `nArgs` tensors (named `defaultInputs` unless inputNames says). */
export function resolveOptions(opts: ExportOptions, nArgs: number, defaultInputs?: readonly string[]): Resolved {
  checkOptions('exportOnnx', opts, KEYS);
  const opset = opts.opsetVersion ?? 17;
  if (!Number.isInteger(opset) || opset < OPSET_RANGE[0] || opset > OPSET_RANGE[1]) {
    throw new OnnxExportError(`opsetVersion must be an integer from ${OPSET_RANGE[0]} to ${OPSET_RANGE[1]}, got ${opset}`);
  }
  const inputNames = names('inputNames', opts.inputNames) ?? defaultInputs ?? Array.from({ length: nArgs }, (_, i) => (nArgs === 1 ? 'input' : `input_${i}`));
  if (inputNames.length !== nArgs) throw new OnnxExportError(`inputNames has ${inputNames.length} names for ${nArgs} example inputs; give one per input`);
  const outputNames = names('outputNames', opts.outputNames);
  if (outputNames?.some((n) => inputNames.includes(n))) throw new OnnxExportError(`an output name is also an input name (${outputNames.join(', ')})`);
  const axes = new Map<string, Map<number, string>>();
  for (const [value, spec] of Object.entries(opts.dynamicAxes ?? {})) {
    const m = new Map<number, string>();
    const entries: [number, unknown][] = Array.isArray(spec) ? spec.map((a: number) => [a, `${value}_dynamic_axes_${a}`]) : Object.entries(spec).map(([a, n]) => [Number(a), n]);
    for (const [a, n] of entries) {
      if (!Number.isInteger(a) || a < 0) throw new OnnxExportError(`dynamicAxes['${value}']: axis ${a} must be a non-negative integer`);
      if (typeof n !== 'string' || n === '') throw new OnnxExportError(`dynamicAxes['${value}'][${a}]: the axis name must be a non-empty string`);
      m.set(a, n);
    }
    axes.set(value, m);
  }
  if (opts.metadata !== undefined && (typeof opts.metadata !== 'object' || Object.values(opts.metadata).some((v) => typeof v !== 'string'))) {
    throw new TypeError('exportOnnx: metadata must be an object of strings');
  }
  return { opset, inputNames, outputNames, axes, fold: opts.doConstantFolding ?? true, metadata: opts.metadata ?? {} };
}
