// Counter-based random fill: element i is stream element counter+i, bit-identical on every backend.
import type { Kernel } from '@flint/core';
import { normalFill, uniformFill } from '@flint/core';
import type { NumArray } from '../storage.js';
import { finish, num, numel } from './util.js';

export const random: Kernel<NumArray> = (_, [out], attrs) => {
  const key = attrs.key as readonly [number, number];
  const counter = num(attrs, 'counter'), n = numel(out!.shape);
  if (attrs.dist === 'normal') normalFill(key[0], key[1], counter, n, out!.buffer, out!.offset, num(attrs, 'mean', 0), num(attrs, 'std', 1));
  else uniformFill(key[0], key[1], counter, n, out!.buffer, out!.offset, num(attrs, 'low', 0), num(attrs, 'high', 1));
  finish(out!);
};
