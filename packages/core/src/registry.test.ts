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
  it('rejects at registration a backend of contract v1, pointing to the migration notes', () => {
    expect(() => F.registerBackend('old', () => ({ ...createCpuBackend(), apiVersion: 1 as unknown as F.ApiVersion })))
      .toThrow(/backend 'old' does not meet the backend contract:[\s\S]*contract 1\.x, but this @flint\/core speaks 2\.2; see "Migrating a v1 backend"/);
    expect(F.listBackends()).not.toContain('old');
  });
  it('accepts an older minor of the same major, and rejects a newer minor', () => {
    F.registerBackend('same', () => ({ ...createCpuBackend(), apiVersion: { major: 2, minor: 0 } }));
    F.removeBackend('same');
    expect(() => F.registerBackend('newer', () => ({ ...createCpuBackend(), apiVersion: { major: 2, minor: F.API_VERSION.minor + 1 } })))
      .toThrow(/newer than this @flint\/core's 2\.2; upgrade @flint\/core/);
  });
  it('a misspelt kernel fails at registration, naming the nearest valid names', () => {
    const b = createCpuBackend();
    const { conv2d, ...rest } = b.kernels;
    expect(() => F.registerBackend('typo', () => ({ ...b, kernels: { ...rest, conv2D: conv2d } })))
      .toThrow(/unknown kernel 'conv2D' \(did you mean 'conv2d'/);
    expect(() => F.registerBackend('typo', () => ({ ...b, kernels: { ...b.kernels, softmaxx: conv2d } })))
      .toThrow(/unknown kernel 'softmaxx' \(did you mean 'softmax'/);
  });
  it('a missing required kernel fails at registration, listing every one', () => {
    const b = createCpuBackend();
    const { gather, matmul, ...rest } = b.kernels;
    void gather; void matmul;
    expect(() => F.registerBackend('partial', () => ({ ...b, kernels: rest }))).toThrow(/missing required kernels: gather, matmul/);
  });
  it('checks dtypes and capabilities against the schema', () => {
    const b = createCpuBackend();
    const noInt64 = { ...b.dtypes, int64: { storage: true, arithmetic: false, accelerated: false } };
    expect(() => F.registerBackend('d', () => ({ ...b, dtypes: noInt64 }))).toThrow(/dtypes\.int64 must be computed in, or stored with computeAs: 'int32'/);
    F.registerBackend('d', () => ({ ...b, dtypes: { ...noInt64, int64: { ...noInt64.int64, computeAs: 'int32' } } }));
    F.removeBackend('d');
    expect(() => F.registerBackend('c', () => ({ ...b, capabilities: { stridedKernels: ['add', 'conv2d'] } }))).toThrow(/the schema gives 'conv2d' dense inputs only/);
  });
  it('a kernel table is typed by the schema: a misspelt kernel or attr does not compile', () => {
    const table: F.KernelTable = {
      // @ts-expect-error 'softmaxx' is not a kernel
      softmaxx: () => {},
      // @ts-expect-error fill's attr is 'value'
      fill: (_inputs, _outputs, { vlaue }) => void vlaue,
      random: (_inputs, _outputs, { dist, key }) => void [dist === 'normal', key[0]],
    };
    expect(Object.keys(table)).toHaveLength(3);
  });
  it('an async backend must be initialised first, and is checked when it resolves', async () => {
    F.registerBackend('later', async () => ({ ...createCpuBackend(), name: 'later' }));
    expect(() => F.zeros([1], { device: 'later' })).toThrow(/await initBackend\("later"\)/);
    await F.initBackend('later');
    expect(F.zeros([1], { device: 'later' }).device).toBe('later');
    F.removeBackend('later');
    F.registerBackend('broken', async () => ({ ...createCpuBackend(), kernels: {} }));
    await expect(F.initBackend('broken')).rejects.toThrow(/missing required kernels: copy, cast, fill/);
    F.removeBackend('broken');
  });
  it('CORE_VERSION is the package version', async () => {
    const { readFileSync } = await import('node:fs');
    expect(F.CORE_VERSION).toBe(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
  });
});
