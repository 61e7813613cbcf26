import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createCpuBackend } from '@flint/backend-cpu';
import '@flint/backend-cpu';
import * as F from '@flint/core';

describe('the backend registry', () => {
  it('with no backend registered, the first op says which package to install', () => {
    const core = fileURLToPath(new URL('./index.ts', import.meta.url));
    const script = `import('${core}').then((F) => { try { F.zeros([2]); } catch (e) { console.log(e.name + ': ' + e.message); } });`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
    expect(out).toMatch(/^DeviceError: no backend is registered.*npm install @flint\/backend-cpu.*import '@flint\/backend-cpu'/);
  });
  it('an unknown device names the registered ones', () => {
    expect(() => F.zeros([2], { device: 'tpu' })).toThrow(/unknown device 'tpu'; registered devices: .*cpu/);
  });
  it('moves tensors between devices with to()', async () => {
    F.registerBackend('cpu2', () => ({ ...createCpuBackend(), name: 'cpu2' }));
    const x = F.tensor([[1, 2], [3, 4]]).t();
    const y = x.to('cpu2');
    expect(y.device).toBe('cpu2');
    expect(await y.tolist()).toEqual([[1, 3], [2, 4]]);
    expect(() => x.add(y)).toThrow(/expected all tensors on one device, got 'cpu' and 'cpu2'/);
    expect((await y.to({ device: 'cpu', dtype: 'float64' })).dtype).toBe('float64');
    F.removeBackend('cpu2');
  });
  it('rejects a backend that speaks another contract version', () => {
    F.registerBackend('old', () => ({ ...createCpuBackend(), apiVersion: 0 as unknown as 1 }));
    expect(() => F.zeros([1], { device: 'old' })).toThrow(/apiVersion 0.*speaks 1/);
    F.removeBackend('old');
  });
  it('an async backend must be initialised first', async () => {
    F.registerBackend('later', async () => ({ ...createCpuBackend(), name: 'later' }));
    expect(() => F.zeros([1], { device: 'later' })).toThrow(/await initBackend\("later"\)/);
    await F.initBackend('later');
    expect(F.zeros([1], { device: 'later' }).device).toBe('later');
    F.removeBackend('later');
  });
});
