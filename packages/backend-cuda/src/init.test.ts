// On a machine without an NVIDIA driver the package imports, and initCuda says what is missing, where it
// looked and what to install, without registering 'cuda'.
import { listBackends } from '@flint/core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CudaUnavailableError, initCuda, memory, ptxDir } from './index.js';
import { findLibrary, nodeHost } from './discovery/find.js';

const driverHere = findLibrary('cuda').found;

describe('without a driver', () => {
  it.skipIf(driverHere)('initCuda rejects with CudaUnavailableError naming libcuda, the folders searched and the driver to install', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'flint-nodriver-'));
    const host = { ...nodeHost(), env: { FLINT_CUDA_LIB_DIR: empty } };
    const err = await initCuda({}, host).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CudaUnavailableError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^@flint\/backend-cuda: libcuda\.so\.1 or libcuda\.so was not found — this machine has no NVIDIA driver\. Looked in:/);
    expect(msg).toContain(`  - ${empty}  (FLINT_CUDA_LIB_DIR)`);
    expect(msg).toMatch(/the system loader's own search \(ldconfig cache\) for libcuda\.so\.1: Failed to load/);
    expect(msg).toMatch(/Install the NVIDIA driver/);
    expect(listBackends()).not.toContain('cuda');
  });
  it('memory() before initCuda says to call it', () => {
    expect(() => memory()).toThrow(/memory: call 'await initCuda\(\)' first/);
  });
  it('PTX is looked for in FLINT_CUDA_PTX_DIR first, then dist/ptx', () => {
    expect(ptxDir({ FLINT_CUDA_PTX_DIR: '/x/ptx' })).toBe('/x/ptx');
    expect(ptxDir({})).toMatch(/dist[/\\]ptx$|[/\\]ptx$/);
  });
});
