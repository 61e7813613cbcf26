// backward() and grad() take options objects: a misspelt key is an error, not a silently ignored flag.
import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import * as F from '@flint/core';
import { grad } from './index.js';

describe('options', () => {
  it('backward and grad reject misspelt options', () => {
    const x = F.tensor([1, 2], { requiresGrad: true });
    expect(() => x.mul(x).sum().backward(undefined, { retain_graph: true } as never)).toThrow(/backward: unknown option 'retain_graph' \(did you mean 'retainGraph'\?\)/);
    expect(() => grad(x.mul(x).sum(), [x], { create_graph: true } as never)).toThrow(/grad: unknown option 'create_graph' \(did you mean 'createGraph'\?\)/);
  });
});
