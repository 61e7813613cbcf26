// flint-run: its command line becomes the right mpirun call, and it runs a script on 2 ranks end to end.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { mpirunCommand, parseArgs } from './command.js';
import { packageDir } from '../testing/launch.js';

describe('flint-run', () => {
  it('turns its arguments into one mpirun call (one host, root, env forwarded)', () => {
    const spec = parseArgs(['-n', '4', 'train.mjs', '--epochs', '2']);
    expect(spec).toEqual({ ranks: 4, hostfile: undefined, hosts: undefined, script: 'train.mjs', args: ['--epochs', '2'], mpirunArgs: [] });
    expect(mpirunCommand(spec, { node: '/usr/bin/node', isRoot: true, env: { FLINT_MPI_LIB: '/x', HOME: '/root' } })).toEqual([
      '--oversubscribe', '--bind-to', 'none', '--allow-run-as-root', '-n', '4', '-x', 'FLINT_MPI_LIB', '/usr/bin/node', 'train.mjs', '--epochs', '2',
    ]);
  });

  it('passes a hostfile or hosts for several machines, and runs .ts scripts through tsx', () => {
    const spec = parseArgs(['-n', '8', '--hostfile', 'hosts.txt', '--mpirun-arg', '--mca', '--mpirun-arg', 'btl_tcp_if_include', '--mpirun-arg', 'eth0', 'train.ts']);
    expect(mpirunCommand(spec, { node: 'node', isRoot: false, env: {} })).toEqual([
      '--oversubscribe', '--bind-to', 'none', '-n', '8', '--hostfile', 'hosts.txt', '--mca', 'btl_tcp_if_include', 'eth0', 'node', '--import', 'tsx', 'train.ts',
    ]);
    expect(mpirunCommand(parseArgs(['-n', '2', '--host', 'a,b', 'x.mjs']), { node: 'node', isRoot: false, env: {} })).toContain('a,b');
  });

  it('explains bad arguments', () => {
    expect(() => parseArgs(['train.mjs'])).toThrow(/^flint-run: -n must be a positive integer \(the number of ranks\), got nothing\nusage: flint-run/);
    expect(() => parseArgs(['-n', '2'])).toThrow(/^flint-run: no script given/);
    expect(() => parseArgs(['-n', '2', '--gpus', '1', 'x.mjs'])).toThrow(/^flint-run: unknown option '--gpus'/);
  });

  it('starts a script on 2 ranks that see their rank and the world size', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/launcher/cli.ts', '-n', '2', 'src/testing/launcher-rank.ts', 'hello'], {
      cwd: packageDir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, TSX_TSCONFIG_PATH: `${packageDir}/tsconfig.ranks.json` },
    });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('rank')).sort()).toEqual(['rank 0 of 2: hello', 'rank 1 of 2: hello']);
  });

  it('says what to install when mpirun is missing', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/launcher/cli.ts', '-n', '2', 'x.mjs'], { cwd: packageDir, encoding: 'utf8', env: { ...process.env, FLINT_MPIRUN: '/nonexistent/mpirun' } });
    expect(r.status).toBe(127);
    expect(r.stderr).toContain("flint-run: mpirun not found on PATH; install Open MPI (Debian/Ubuntu: 'apt-get install openmpi-bin libopenmpi-dev') on every host");
  });
});
