#!/usr/bin/env node
// flint-run: starts a Flint script on N ranks through Open MPI's mpirun (see command.ts and the README).
import { spawn } from 'node:child_process';
import { mpirunCommand, parseArgs } from './command.js';

let spec;
try {
  spec = parseArgs(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(2);
}
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const args = mpirunCommand(spec, { node: process.execPath, isRoot, env: process.env });
const child = spawn(process.env.FLINT_MPIRUN ?? 'mpirun', args, { stdio: 'inherit' });
child.on('error', (e: NodeJS.ErrnoException) => {
  process.stderr.write(e.code === 'ENOENT'
    ? "flint-run: mpirun not found on PATH; install Open MPI (Debian/Ubuntu: 'apt-get install openmpi-bin libopenmpi-dev') on every host, or set FLINT_MPIRUN\n"
    : `flint-run: could not start mpirun: ${e.message}\n`);
  process.exit(127);
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + 15 : 1)));
