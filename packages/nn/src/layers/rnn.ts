// Recurrent layers RNN, GRU and LSTM with PyTorch's parameter names, layouts and gate orders
// (GRU: r, z, n; LSTM: i, f, g, o). Each layer/direction projects the whole input sequence with one
// matmul up front; the time loop then does one [B, H] x [H, G] matmul per step, then the gates. GRU and
// LSTM layers are core's gruSequence/lstmSequence ops, which a backend may run as one kernel per layer.
import { cat, checkOptions, dropout, gruSequence, lstmSequence, optionKeys, stack, scope, zeros, type Tensor } from '@flint/core';
import { uniform_ } from '../init.js';
import { Module, fmt, inputError, pyBool, pyFloat } from '../module.js';
import { param, type Parameter } from '../parameter.js';

type Mode = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';

/** Options of {@link RNN}, {@link LSTM} and {@link GRU}, torch's keyword arguments in camelCase. */
export interface RNNOptions {
  /** Number of stacked layers (default 1). */
  numLayers?: number;
  /** Whether the layers have biases (default true). */
  bias?: boolean;
  /** Input and output as [batch, seq, feature] instead of [seq, batch, feature]. */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training. */
  dropout?: number;
  /** Run a second set of layers over the reversed sequence and concatenate (default false). */
  bidirectional?: boolean;
  /** Device of the parameters (default: the default device). */
  device?: string;
  /** Dtype of the parameters (default float32). */
  dtype?: 'float32' | 'float64';
}

const RNN_KEYS = optionKeys<RNNOptions>()('numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional', 'device', 'dtype');

interface Run { output: Tensor; h: Tensor; c: Tensor | null }

abstract class RNNBase extends Module {
  /** Number of stacked layers. */
  readonly numLayers: number;
  /** Whether the layers have biases. */
  readonly bias: boolean;
  /** Whether input and output are [batch, seq, feature]. */
  readonly batchFirst: boolean;
  /** Dropout on the outputs of every layer but the last, in training. */
  readonly dropout: number;
  /** Whether a second set of layers runs over the reversed sequence. */
  readonly bidirectional: boolean;

  /**
   * @param mode - the cell: `'RNN_TANH'`, `'RNN_RELU'`, `'LSTM'` or `'GRU'`
   * @param inputSize - features of each input step
   * @param hiddenSize - features of the hidden state
   * @param opts - layers, bias, batchFirst, dropout, bidirectional, device, dtype
   */
  constructor(readonly mode: Mode, readonly inputSize: number, readonly hiddenSize: number, opts: RNNOptions = {}) {
    super();
    const { numLayers = 1, bias = true, batchFirst = false, dropout = 0, bidirectional = false, device, dtype } = opts;
    const name = this.constructor.name;
    if (!Number.isInteger(hiddenSize) || hiddenSize < 1) throw new Error(`${name}: hidden_size must be a positive integer, got ${hiddenSize}`);
    if (!Number.isInteger(numLayers) || numLayers < 1) throw new Error(`${name}: num_layers must be a positive integer, got ${numLayers}`);
    if (!(dropout >= 0 && dropout <= 1)) throw new Error(`${name}: dropout must be a number in [0, 1], got ${dropout}`);
    this.numLayers = numLayers;
    this.bias = bias;
    this.batchFirst = batchFirst;
    this.dropout = dropout;
    this.bidirectional = bidirectional;
    const gates = { LSTM: 4, GRU: 3, RNN_TANH: 1, RNN_RELU: 1 }[mode] * hiddenSize;
    const D = bidirectional ? 2 : 1, like = { device, dtype };
    for (let l = 0; l < numLayers; l++) {
      for (let d = 0; d < D; d++) {
        const sfx = `_l${l}${d ? '_reverse' : ''}`, inSize = l === 0 ? inputSize : hiddenSize * D;
        this.registerParameter(`weight_ih${sfx}`, param(zeros([gates, inSize], like)));
        this.registerParameter(`weight_hh${sfx}`, param(zeros([gates, hiddenSize], like)));
        if (bias) {
          this.registerParameter(`bias_ih${sfx}`, param(zeros([gates], like)));
          this.registerParameter(`bias_hh${sfx}`, param(zeros([gates], like)));
        }
      }
    }
    this.resetParameters();
  }

  /** Reinitialises every weight and bias from U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)), as torch does. */
  resetParameters(): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -stdv, stdv);
  }

  #p(kind: string, l: number, d: number): Parameter | null {
    return ((this as unknown as Record<string, Parameter | null>)[`${kind}_l${l}${d ? '_reverse' : ''}`]) ?? null;
  }

  /**
   * Runs every layer (and direction) over the sequence from the initial states; returns the output and final states.
   */
  protected run(input: Tensor, h0: Tensor | undefined, c0: Tensor | undefined): Run {
    const D = this.bidirectional ? 2 : 1, H = this.hiddenSize;
    if ((input.ndim !== 2 && input.ndim !== 3) || input.shape[input.ndim - 1] !== this.inputSize) {
      throw inputError(this, this.batchFirst ? `[N, L, ${this.inputSize}] or [L, ${this.inputSize}]` : `[L, N, ${this.inputSize}] or [L, ${this.inputSize}]`, input.shape);
    }
    const batched = input.ndim === 3;
    const B = batched ? input.shape[this.batchFirst ? 0 : 1]! : 1;
    const stateShape = batched ? [this.numLayers * D, B, H] : [this.numLayers * D, H];
    for (const [what, s] of [['h0', h0], ['c0', c0]] as const) {
      if (s && (s.ndim !== stateShape.length || s.shape.some((v, i) => v !== stateShape[i]))) {
        throw new Error(`${this.constructor.name}: expected ${what} of shape ${fmt(stateShape)}, got ${fmt(s.shape)}`);
      }
    }
    return scope(() => {
      const like = { dtype: input.dtype, device: input.device };
      let x = batched ? (this.batchFirst ? input.transpose(0, 1) : input) : input.unsqueeze(1);
      const hInit = h0 ? (batched ? h0 : h0.unsqueeze(1)) : zeros([this.numLayers * D, B, H], like);
      const cInit = this.mode === 'LSTM' ? (c0 ? (batched ? c0 : c0.unsqueeze(1)) : zeros([this.numLayers * D, B, H], like)) : null;
      const hN: Tensor[] = [], cN: Tensor[] = [];
      for (let l = 0; l < this.numLayers; l++) {
        const outs: Tensor[] = [];
        for (let d = 0; d < D; d++) {
          const r = this.#direction(x, l, d, hInit.select(0, l * D + d), cInit?.select(0, l * D + d) ?? null);
          outs.push(r.output);
          hN.push(r.h);
          if (r.c) cN.push(r.c);
        }
        x = D === 2 ? cat(outs, 2) : outs[0]!;
        if (this.dropout > 0 && this.training && l < this.numLayers - 1) x = dropout(x, this.dropout, true);
      }
      let output = batched ? (this.batchFirst ? x.transpose(0, 1) : x) : x.squeeze(1);
      if (this.batchFirst && batched) output = output.contiguous();
      const fix = (t: Tensor): Tensor => (batched ? t : t.squeeze(1));
      return { output, h: fix(stack(hN, 0)), c: cN.length ? fix(stack(cN, 0)) : null };
    });
  }

  /** One layer in one direction over x [T, B, I]. */
  #direction(x: Tensor, l: number, d: number, h0: Tensor, c0: Tensor | null): { output: Tensor; h: Tensor; c: Tensor | null } {
    const w = { wIh: this.#p('weight_ih', l, d)!, wHh: this.#p('weight_hh', l, d)!, bIh: this.#p('bias_ih', l, d), bHh: this.#p('bias_hh', l, d), reverse: d === 1 };
    // GRU and LSTM layers are one op each, which a backend may run as one kernel (cuDNN's RNN)
    if (this.mode === 'LSTM') return lstmSequence(x, h0, c0!, w);
    if (this.mode === 'GRU') return { ...gruSequence(x, h0, w), c: null };
    // transposed weights made contiguous once per call: the per-step matmul is then a plain [B,H] x [H,G]
    const T = x.shape[0]!, wihT = w.wIh.t(), whhT = w.wHh.t().contiguous();
    let xp = x.matmul(wihT);
    if (w.bIh) xp = xp.add(w.bIh);
    if (w.bHh) xp = xp.add(w.bHh);
    // split (one op, whose gradient is one cat) rather than select/narrow per step, whose gradients
    // would each pad back to the full [T, B, G] or [B, G] shape
    const steps = xp.split(1, 0);
    let h = h0;
    const outs: Tensor[] = new Array(T);
    for (let s = 0; s < T; s++) {
      const t = d ? T - 1 - s : s, pre = steps[t]!.squeeze(0).add(h.matmul(whhT));
      h = this.mode === 'RNN_TANH' ? pre.tanh() : pre.relu();
      outs[t] = h;
    }
    return { output: stack(outs, 0), h, c: null };
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += ', bias=False';
    if (this.batchFirst) s += ', batch_first=True';
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional) s += `, bidirectional=${pyBool(true)}`;
    return s;
  }
}

/**
 * Options of {@link RNN}.
 * @property nonlinearity - `'tanh'` (default) or `'relu'`
 */
export interface ElmanOptions extends RNNOptions { nonlinearity?: 'tanh' | 'relu' }

/** Elman RNN: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or relu). */
export class RNN extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: ElmanOptions = {}) {
    checkOptions('RNN', opts, [...RNN_KEYS, 'nonlinearity']);
    const nl = opts.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw new Error(`RNN: unknown nonlinearity '${String(nl)}' (use 'tanh' or 'relu')`);
    super(nl === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, opts);
  }
  /** Returns [output, hN]. */
  override forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    const r = this.run(input, h0 ?? undefined, undefined);
    return [r.output, r.h];
  }
}

/** Gated recurrent unit (gates r, z, n). */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) { checkOptions('GRU', opts, RNN_KEYS); super('GRU', inputSize, hiddenSize, opts); }
  /** Returns [output, hN]. */
  override forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    const r = this.run(input, h0 ?? undefined, undefined);
    return [r.output, r.h];
  }
}

/** Long short-term memory (gates i, f, g, o). */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) { checkOptions('LSTM', opts, RNN_KEYS); super('LSTM', inputSize, hiddenSize, opts); }
  /** Returns [output, [hN, cN]]. */
  override forward(input: Tensor, state?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    const r = this.run(input, state?.[0], state?.[1]);
    return [r.output, [r.h, r.c!]];
  }
}
