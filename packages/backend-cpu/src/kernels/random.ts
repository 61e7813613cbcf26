// Counter-based random fill: element i uses counter+i, so the stream is bit-identical to every backend.
import type { Kernel } from '@flint/core';
import { normalAt, uniformAt } from '@flint/core';
import type { CpuArray } from '../storage.js';
import { finish, num, numel } from './util.js';

export const random: Kernel<CpuArray> = (_, [out], attrs) => {
  const key = attrs.key as readonly [number, number];
  const k0 = key[0], k1 = key[1], counter = num(attrs, 'counter');
  const n = numel(out!.shape), d = out!.buffer, o = out!.offset;
  if (attrs.dist === 'normal') {
    const mean = num(attrs, 'mean', 0), std = num(attrs, 'std', 1);
    for (let i = 0; i < n; i++) d[o + i] = mean + std * normalAt(k0, k1, counter + i);
  } else {
    const low = num(attrs, 'low', 0), high = num(attrs, 'high', 1);
    for (let i = 0; i < n; i++) d[o + i] = low + (high - low) * uniformAt(k0, k1, counter + i);
  }
  finish(out!);
};
