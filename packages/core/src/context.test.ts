// The fallback for context values where there is no AsyncLocalStorage (browsers): nested async scopes
// work; overlapping ones are reported instead of silently sharing state.
import { describe, expect, it } from 'vitest';
import { stackContextVar } from './context.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('stackContextVar', () => {
  it('keeps nested async runs exact', async () => {
    const v = stackContextVar('outer');
    const seen: string[] = [];
    await v.run('a', async () => {
      await tick();
      seen.push(v.get());
      await v.run('b', async () => { await tick(); seen.push(v.get()); });
      seen.push(v.get());
    });
    seen.push(v.get());
    expect(seen).toEqual(['a', 'b', 'a', 'outer']);
  });
  it('rejects two overlapping async runs with a clear error', async () => {
    const v = stackContextVar(0);
    const first = v.run(1, async () => { await tick(); });
    const second = v.run(2, async () => { await tick(); await tick(); });
    await expect(first).rejects.toThrow(/two asynchronous scopes overlapped .* no AsyncLocalStorage/);
    await expect(second).rejects.toThrow(/two asynchronous scopes overlapped/);
    expect(v.get()).toBe(0);
  });
});
