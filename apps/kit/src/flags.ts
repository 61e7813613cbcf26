// Command-line flags for the sample apps, with a generated --help.
import { parseArgs } from 'node:util';

export interface FlagSpec {
  type: 'string' | 'boolean';
  help: string;
  default?: string | boolean;
  short?: string;
}

export interface AppSpec { name: string; summary: string; flags: Record<string, FlagSpec> }

export function helpText(app: AppSpec): string {
  const rows = Object.entries(app.flags).map(([name, f]) => {
    const left = `  ${f.short ? `-${f.short}, ` : ''}--${name}${f.type === 'string' ? ' <value>' : ''}`;
    const def = f.default !== undefined && f.default !== false ? ` (default: ${String(f.default)})` : '';
    return `${left.padEnd(30)} ${f.help}${def}`;
  });
  return `${app.name} — ${app.summary}\n\nUsage: ${app.name} [options]\n\nOptions:\n${rows.join('\n')}\n  -h, --help                   show this help`;
}

/** Parse argv; prints help and exits on --help, and on unknown flags says which are known. */
export function parseFlags(app: AppSpec, argv: string[] = process.argv.slice(2)): Record<string, string | boolean | undefined> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, f] of Object.entries(app.flags)) options[name] = { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.default !== undefined ? { default: f.default } : {}) };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options, allowPositionals: false, strict: true }) as { values: Record<string, string | boolean | undefined> });
  } catch (e) {
    process.stderr.write(`${app.name}: ${(e as Error).message}\n\n${helpText(app)}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${helpText(app)}\n`);
    process.exit(0);
  }
  return values;
}

/** A flag as a positive integer, with a clear error otherwise. */
export function intFlag(values: Record<string, string | boolean | undefined>, name: string): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got '${String(v)}'`);
  return n;
}
