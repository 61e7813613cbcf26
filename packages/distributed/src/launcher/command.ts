// flint-run's command line: `flint-run -n N [--hostfile F] [--host a,b] script.mjs args` becomes one mpirun
// call that starts N copies of `node script args` (TypeScript scripts through tsx), on this host or on
// the hosts listed, with the environment Flint reads forwarded to every rank.

/** What flint-run was asked to do. */
export interface RunSpec { ranks: number; hostfile?: string; hosts?: string; script: string; args: string[]; mpirunArgs: string[] }

export const USAGE = `usage: flint-run -n N [--hostfile FILE | --host h1,h2] [--mca-args '...'] script.mjs [args...]
  -n, --nproc N       number of processes (ranks) to start
  --hostfile FILE     Open MPI hostfile: one host per line, 'slots=K' for K ranks on it
  --host h1,h2        hosts (repeat a host for several ranks on it)
  --mpirun-arg ARG    pass ARG through to mpirun (repeatable)
Every rank runs 'node script args'; .ts scripts run through tsx. Rank and world size come from mpirun.`;

/** Parses flint-run's arguments; throws an Error with the usage on bad input. */
export function parseArgs(argv: readonly string[]): RunSpec {
  let ranks: number | undefined, hostfile: string | undefined, hosts: string | undefined;
  const mpirunArgs: string[] = [];
  let i = 0;
  const value = (flag: string): string => {
    const v = argv[++i];
    if (v === undefined) throw new Error(`flint-run: ${flag} needs a value\n${USAGE}`);
    return v;
  };
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-n' || a === '--nproc' || a === '-np') ranks = Number(value(a));
    else if (a === '--hostfile') hostfile = value(a);
    else if (a === '--host') hosts = value(a);
    else if (a === '--mpirun-arg') mpirunArgs.push(value(a));
    else if (a === '-h' || a === '--help') throw new Error(USAGE);
    else if (a === '--') { i++; break; } else if (a.startsWith('-')) throw new Error(`flint-run: unknown option '${a}'\n${USAGE}`);
    else break;
  }
  const script = argv[i];
  if (!script) throw new Error(`flint-run: no script given\n${USAGE}`);
  if (ranks === undefined || !Number.isInteger(ranks) || ranks < 1) throw new Error(`flint-run: -n must be a positive integer (the number of ranks), got ${ranks === undefined ? 'nothing' : String(ranks)}\n${USAGE}`);
  return { ranks, hostfile, hosts, script, args: argv.slice(i + 1), mpirunArgs };
}

/** The mpirun argument list for `spec`. */
export function mpirunCommand(spec: RunSpec, opts: { node: string; isRoot: boolean; env: NodeJS.ProcessEnv }): string[] {
  const forward = Object.keys(opts.env).filter((k) => k.startsWith('FLINT_') || k === 'NODE_OPTIONS' || k === 'NODE_PATH' || k === 'LD_LIBRARY_PATH' || k === 'TSX_TSCONFIG_PATH').sort();
  return [
    // more ranks than cores is allowed (tests, laptops); Node runs its own threads, so ranks are not pinned to cores
    '--oversubscribe', '--bind-to', 'none',
    ...(opts.isRoot ? ['--allow-run-as-root'] : []),
    '-n', String(spec.ranks),
    ...(spec.hostfile ? ['--hostfile', spec.hostfile] : []),
    ...(spec.hosts ? ['--host', spec.hosts] : []),
    ...forward.flatMap((k) => ['-x', k]),
    ...spec.mpirunArgs,
    opts.node, ...(/\.(c|m)?ts$/.test(spec.script) ? ['--import', 'tsx'] : []), spec.script, ...spec.args,
  ];
}
