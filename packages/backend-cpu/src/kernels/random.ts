// Counter-based random fill: element i is stream element counter+i, bit-identical on every backend.
import type { Kernel } from '@flint/core';
import { normalFill, uniformFill } from '@flint/core';
import type { NumArray } from '../storage.js';
import { finish, num, numel } from './util.js';
import { philoxUniform } from './wasm-philox.js';

/** Below this many values the JS fill is as fast (the SIMD fill's call and copy cost more than they save). */
const SIMD_MIN = 64;

export const random: Kernel<NumArray> = (_, [out], attrs) => {
  const key = attrs.key as readonly [number, number];
  const counter = num(attrs, 'counter'), n = numel(out!.shape), B = out!.buffer, o = out!.offset;
  if (attrs.dist === 'normal') normalFill(key[0], key[1], counter, n, B, o, num(attrs, 'mean', 0), num(attrs, 'std', 1));
  else {
    const low = num(attrs, 'low', 0), high = num(attrs, 'high', 1);
    // float32: the whole Philox blocks in WebAssembly SIMD, the partial ones at either end in JS
    const head = Math.min(n, (4 - (counter % 4)) % 4), blocks = Math.floor((n - head) / 4);
    if (B instanceof Float32Array && n >= SIMD_MIN && philoxUniform(B, o + head, (counter + head) / 4, blocks, key[0], key[1], low, (high - low) * 2 ** -24)) {
      uniformFill(key[0], key[1], counter, head, B, o, low, high);
      const done = head + 4 * blocks;
      uniformFill(key[0], key[1], counter + done, n - done, B, o + done, low, high);
    } else uniformFill(key[0], key[1], counter, n, B, o, low, high);
  }
  finish(out!);
};
