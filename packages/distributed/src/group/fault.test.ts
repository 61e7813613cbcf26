// Faults on 2 ranks: a rank that stops answering makes the other fail with the timeout error and end the
// job; a rank that is killed makes mpirun end the job at once, the survivor saying what it waited for.
// Either way the job exits non-zero well within the limit and no rank process is left behind.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { launch, results } from '../testing/launch.js';

/** The pids still running (a zombie waiting to be reaped counts as gone); waits up to 3 s for them to go. */
async function alive(pids: number[]): Promise<number[]> {
  const running = (p: number): boolean => { try { return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${p}/stat`, 'utf8')); } catch { return false; } };
  for (let i = 0; i < 30 && pids.some(running); i++) await new Promise((r) => setTimeout(r, 100));
  return pids.filter(running);
}
const ranksOf = (out: string): number[] => results<number>(out.replace(/^READY \d+ (\d+)$/gm, 'PID $1'), 'PID ');

describe('a dead or silent rank (mpirun, 2 ranks)', () => {
  it('a rank that stops answering (SIGSTOP): the other fails with DistributedTimeoutError after the timeout and aborts the job', async () => {
    const job = await launch('src/testing/fault-rank.ts', ['stop'], { limitMs: 40_000, env: { FLINT_TEST_TIMEOUT: '3' } });
    expect(job.killed, job.out).toBe(false);
    expect(job.code).not.toBe(0);
    expect(job.out).toMatch(/rank 0: DistributedTimeoutError: allReduce \(checking shapes and dtypes across ranks\): rank 0 of 2 waited 3 s and 1 of 1 request\(s\) did not complete: a peer rank died, stopped answering or did not call allReduce; set the limit with initProcessGroup\(\{ timeout \}\)/);
    expect(job.out).not.toContain('UNEXPECTED');
    const pids = ranksOf(job.out);
    expect(pids).toHaveLength(2);
    expect(await alive(pids)).toEqual([]);
  }, 45_000);

  it('a rank that stops answering during DistributedDataParallel: the wait at the end of backward times out the same way', async () => {
    const job = await launch('src/testing/fault-rank.ts', ['ddp'], { limitMs: 40_000, env: { FLINT_TEST_TIMEOUT: '2' } });
    expect(job.killed, job.out).toBe(false);
    expect(job.code).not.toBe(0);
    expect(job.out).toMatch(/rank 0: DistributedTimeoutError: DistributedDataParallel gradient allReduce: rank 0 of 2 waited 2 s and 1 of 1 request\(s\) did not complete/);
    expect(await alive(ranksOf(job.out))).toEqual([]);
  }, 45_000);

  it("with onTimeout 'throw' the handle rejects with the timeout error, and the group refuses further work", async () => {
    const job = await launch('src/testing/fault-rank.ts', ['throw'], { limitMs: 40_000, env: { FLINT_TEST_TIMEOUT: '2' } });
    expect(job.killed, job.out).toBe(false);
    const caught = job.out.split('\n').filter((l) => l.startsWith('CAUGHT'));
    expect(caught[0]).toMatch(/^CAUGHT first after \d+ ms: DistributedTimeoutError: allReduce \(checking shapes and dtypes across ranks\): rank 0 of 2 waited 2 s/);
    expect(Number(/after (\d+) ms/.exec(caught[0]!)![1])).toBeGreaterThanOrEqual(2000);
    expect(caught[1]).toMatch(/^CAUGHT second after \d+ ms: DistributedError: allReduce \(checking shapes and dtypes across ranks\): the process group failed earlier and can't be used: allReduce/);
    expect(job.code).not.toBe(0); // rank 0 exits 3, and mpirun ends the stopped rank
    expect(await alive(ranksOf(job.out))).toEqual([]);
  }, 45_000);

  it('a killed rank (SIGKILL): the job ends before the timeout, the survivor names the operation it was in', async () => {
    const job = await launch('src/testing/fault-rank.ts', ['kill'], { limitMs: 40_000, env: { FLINT_TEST_TIMEOUT: '30' } });
    expect(job.killed, job.out).toBe(false);
    expect(job.code).not.toBe(0);
    expect(job.ms).toBeLessThan(25_000);
    expect(job.out).toMatch(/exited on signal 9/);
    expect(job.out).toMatch(/rank 0: DistributedError: terminated by the launcher while waiting in allReduce/);
    const pids = ranksOf(job.out);
    expect(pids).toHaveLength(2);
    expect(await alive(pids)).toEqual([]);
    expect(execFileSync('ps', ['-eo', 'args']).toString()).not.toMatch(/fault-rank\.ts kill/);
  }, 45_000);
});
