// --amp bf16|f16 for the apps: the training step's forward and loss run under autocast, and float16
// scales the loss with a GradScaler (bfloat16 has float32's range and needs none), as torch's AMP recipe.
import { autocast, type Tensor } from '@flint/core';
import { GradScaler, type Optimizer } from '@flint/optim';
import type { FlagSpec } from './flags.js';

/** The mixed precision an app trains in: bfloat16 or float16 autocast, or off (undefined). */
export type AmpMode = 'bf16' | 'f16';

/** The --amp flag, off by default. */
export const AMP_FLAG: FlagSpec = { type: 'string', help: 'mixed precision: bf16 or f16 autocast for the forward pass and loss (f16 adds a GradScaler); off by default' };

/** --amp's value, checked. */
export function ampFlag(v: string | boolean | undefined): AmpMode | undefined {
  if (v === undefined) return undefined;
  if (v === 'bf16' || v === 'f16') return v;
  throw new Error(`--amp must be bf16 or f16, got '${String(v)}'`);
}

/** One optimizer step under a mixed-precision mode; `mode` undefined is a plain float32 step. */
export class AmpStep {
  /** The gradient scaler (float16 only). */
  readonly scaler: GradScaler | undefined;
  constructor(readonly mode: AmpMode | undefined) {
    this.scaler = mode === 'f16' ? new GradScaler() : undefined;
  }

  /** Run the forward pass and loss (`fn`) under autocast on `device` (or as is when off). */
  forward<R>(device: string, fn: () => R): R {
    if (!this.mode) return fn();
    return autocast(device, { dtype: this.mode === 'bf16' ? 'bfloat16' : 'float16' }, fn);
  }

  /** Backward from `loss` and step `optimizer` (through the scaler for float16: skipped on inf/NaN), then clear the gradients. */
  async backwardAndStep(loss: Tensor, optimizer: Optimizer<object>): Promise<void> {
    if (this.scaler) {
      this.scaler.scale(loss).backward();
      await this.scaler.stepAsync(optimizer as Optimizer<{ lr?: number }>);
      this.scaler.update();
    } else {
      loss.backward();
      optimizer.step();
    }
    optimizer.zeroGrad();
  }
}
