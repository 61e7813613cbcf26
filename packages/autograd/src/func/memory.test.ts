// The transforms free what they make: inside a scope, repeated calls leave the live tensor count unchanged.
import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import * as F from '@flint/core';
import type { Tensor } from '@flint/core';
import { func } from '../index.js';

const live = (): number => F.memory().tensors;

describe('func memory', () => {
  const f = (x: Tensor) => x.sin().mul(x.exp()).sum();
  const cases: [string, (x: Tensor) => unknown][] = [
    ['grad', (x) => func.grad(f)(x.select(0, 0))],
    ['jvp', (x) => func.jvp((a: Tensor) => a.tanh(), [x], [x])],
    ['vjp', (x) => func.vjp((a: Tensor) => a.tanh(), [x])[1](x)],
    ['hessian', (x) => func.hessian(f)(x.select(0, 0))],
    ['vmap(grad)', (x) => func.vmap(func.grad(f))(x)],
    ['vmap(vmap)', (x) => func.vmap(func.vmap((a: Tensor) => a.exp().sum()))(x.unsqueeze(0))],
  ];
  for (const [name, run] of cases) {
    it(`${name} leaves nothing behind`, () => {
      const x = F.randn([3, 4]);
      F.scope(() => { run(x); });
      const before = live();
      for (let k = 0; k < 3; k++) F.scope(() => { run(x); });
      expect(live()).toBe(before);
    });
  }
});
