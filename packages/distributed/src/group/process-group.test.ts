// The process group's entry points in this process (no MPI started): options are checked, a missing MPI
// library says what to install, and using the group before initProcessGroup is a clear error. NCCL's
// missing-library message and, on a GPU machine with NCCL, a 1-rank all-reduce of a CUDA tensor.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DistributedError, allReduce, barrier, getRank, getWorldSize, initProcessGroup, isInitialized } from '../index.js';
import { candidatePaths } from '../mpi/library.js';
import { ones } from '@flint/core';
import '@flint/backend-cpu';
import { launch, packageDir } from '../testing/launch.js';

describe('initProcessGroup', () => {
  it('with MPI missing, says what to install', async () => {
    const saved = process.env.FLINT_MPI_LIB;
    process.env.FLINT_MPI_LIB = '/nonexistent/libmpi.so.40';
    try {
      await expect(initProcessGroup({ backend: 'mpi' })).rejects.toThrow(/initProcessGroup: MPI library not found; tried \/nonexistent\/libmpi\.so\.40 .*apt-get install openmpi-bin libopenmpi-dev/);
      await expect(initProcessGroup({ backend: 'mpi' })).rejects.toBeInstanceOf(DistributedError);
    } finally {
      if (saved === undefined) delete process.env.FLINT_MPI_LIB; else process.env.FLINT_MPI_LIB = saved;
    }
    expect(isInitialized()).toBe(false);
  });

  it('looks for libmpi by its usual names and folders unless FLINT_MPI_LIB names it', () => {
    expect(candidatePaths({})).toContain('libmpi.so.40');
    expect(candidatePaths({ FLINT_MPI_LIB: '/opt/x/libmpi.so' })).toEqual(['/opt/x/libmpi.so']);
  });

  it('checks its options', async () => {
    await expect(initProcessGroup({ backend: 'gloo' as 'mpi' })).rejects.toThrow("initProcessGroup: backend must be 'mpi' or 'nccl', got 'gloo'");
    await expect(initProcessGroup({ backend: 'mpi', timeout: 0 })).rejects.toThrow('initProcessGroup: timeout must be a positive number of seconds, got 0');
    await expect(initProcessGroup({ backend: 'mpi', time_out: 3 } as unknown as { backend: 'mpi' })).rejects.toThrow(/time_out/);
  });

  it('collectives before initProcessGroup are a DistributedError naming the call', async () => {
    expect(() => getRank()).toThrow('getRank: the default process group is not initialised; call \'await initProcessGroup({ backend: "mpi" })\' first');
    expect(() => getWorldSize()).toThrow(DistributedError);
    expect(() => allReduce(ones([2]))).toThrow(/^allReduce: the default process group is not initialised/);
    await expect(barrier()).rejects.toThrow(/^barrier: /);
  });
});

const hasNccl = ((): boolean => {
  try {
    const koffi = createRequire(import.meta.url)('koffi') as { load(p: string): unknown };
    koffi.load(process.env.FLINT_NCCL_LIB ?? 'libnccl.so.2');
    return true;
  } catch { return false; }
})();

describe('the nccl backend', () => {
  it.skipIf(hasNccl)('without libnccl, initProcessGroup({ backend: "nccl" }) says what to install', async () => {
    const job = await launch('src/testing/nccl-rank.ts', [], { ranks: 1, limitMs: 30_000 });
    const [r] = job.reports as { error: string }[];
    expect(r?.error, job.out).toMatch(/^DistributedError: initProcessGroup: NCCL \(libnccl\.so\.2\) not found; tried libnccl\.so\.2 .*install NCCL/);
  });
  // Needs a CUDA GPU, libnccl and @flint/backend-cuda exposing device addresses: skipped where libnccl is missing (CI has no GPU).
  it.skipIf(!hasNccl)('a 1-rank NCCL group all-reduces a CUDA tensor', async () => {
    const job = await launch('src/testing/nccl-rank.ts', [], { ranks: 1, limitMs: 60_000 });
    expect(job.reports, job.out).toEqual([{ rank: 0, size: 1, got: [[0, 3], [1, 4], [2, 5]] }]);
  });
});

/** fake-nccl.c built as a shared library, or undefined without a C compiler. */
function buildFake(): { lib: string; cleanup: () => void } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'flint-fake-nccl-'));
  try {
    execFileSync('cc', ['-shared', '-fPIC', '-O1', '-o', join(dir, 'libfakenccl.so'), join(packageDir, 'src/testing/fake-nccl.c')], { stdio: 'pipe' });
    return { lib: join(dir, 'libfakenccl.so'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  } catch { rmSync(dir, { recursive: true, force: true }); return undefined; }
}
const fake = buildFake();

// The NCCL plumbing against a stand-in library with NCCL's and the CUDA runtime's C signatures (fake-nccl.c), on 2 ranks.
describe.skipIf(!fake)('the nccl backend over a stand-in libnccl (needs a C compiler)', () => {
  it('bootstraps the unique id over MPI, joins on the local device, awaits queued work, and reports errors', async () => {
    const job = await launch('src/testing/nccl-fake-rank.ts', [], { limitMs: 60_000, env: { FLINT_NCCL_LIB: fake!.lib, FLINT_CUDART_LIB: fake!.lib } });
    fake!.cleanup();
    expect(job.code, job.out).toBe(0);
    const [r0, r1] = job.reports as { rank: number; tensors: Record<string, unknown>; comm: number[]; device: number; stream: string; reduced: number[]; errors: string[] }[];
    // both ranks joined a 2-rank communicator with the same id (rank 0 made it, MPI broadcast it), on devices 0 and 1
    expect([r0!.comm.slice(0, 2), r1!.comm.slice(0, 2)]).toEqual([[2, 0], [2, 1]]);
    expect(r0!.comm[2]).toBe(r1!.comm[2]);
    expect([r0!.device, r1!.device]).toEqual([0, 1]);
    expect(r0!.stream).toBe(String(0x5eed));
    // collectives on tensors hand NCCL their device addresses (views at their offset; strided ones through a dense copy)
    for (const r of [r0!, r1!]) {
      expect(r.tensors).toEqual({
        allReduce: [[0, 2, 4], [6, 8, 10]], offset: [[0, 1, 2], [6, 8, 10]], strided: [[0, 2, 4], [6, 8, 10]],
        allGather: [[0, 1, 2].map((v) => v + 10 * r.rank), [0, 1, 2].map((v) => v + 10 * r.rank)],
        reduceScatter: r.rank === 0 ? [0, 2, 4] : [6, 8, 10],
        broadcast: [0, 1, 2].map((v) => v + r.rank), // the stand-in broadcast is a copy in place: each rank keeps its own
      });
    }
    for (const r of [r0!, r1!]) {
      expect(r.reduced).toEqual([2, 4, 6]); // the stand-in sums as if every rank held the same data
      expect(r.errors).toEqual([
        'DistributedError: allReduce: NCCL error 5 (fake error)',
        "DeviceError: allReduce: the 'nccl' backend carries CUDA tensors, got tensor on 'cpu'; move it with .to('cuda') or use initProcessGroup({ backend: 'mpi' }) for CPU tensors",
        "DistributedError: DistributedDataParallel: the 'nccl' backend is not supported yet (gradient buckets live in host memory); use initProcessGroup({ backend: 'mpi' }) with CPU tensors",
      ]);
    }
  });
});
