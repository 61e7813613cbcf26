// The kernels compile with nvcc (warnings as errors) into dist/ptx, every kernel the TypeScript wrappers
// launch is an entry of the PTX file they name, and the generated files are what the generator writes.
// Where nvcc is absent and dist/ptx is missing or stale, the compile checks skip with the reason printed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GENERATED } from '../../../../tooling/cuda/gen-kernels.js';
import { BINARY_DTYPES, CAST_DTYPES, COMPARE_OPS, UNARY_DTYPES } from './elementwise.gen.js';
import { COMPUTE, FLOATS } from './util.js';

const pkg = fileURLToPath(new URL('../../', import.meta.url));
const kernelsDir = join(pkg, 'kernels'), ptxDir = join(pkg, 'dist', 'ptx');
const sources = readdirSync(kernelsDir).filter((f) => f.endsWith('.cu'));
const newestSource = Math.max(...readdirSync(kernelsDir).map((f) => statSync(join(kernelsDir, f)).mtimeMs));
const fresh = () => sources.every((f) => { const p = join(ptxDir, f.replace(/\.cu$/, '.ptx')); return existsSync(p) && statSync(p).mtimeMs >= newestSource; });
const hasNvcc = spawnSync(process.env.NVCC ?? 'nvcc', ['--version']).status === 0;

// build when stale and nvcc is here (CI builds first: `pnpm --filter @flint/backend-cuda build`)
let skipReason = '';
if (!fresh()) {
  if (!hasNvcc) skipReason = 'nvcc is not on PATH and dist/ptx is missing or older than kernels/ (install the CUDA toolkit, or build where it is)';
  else {
    const r = spawnSync(process.execPath, [join(pkg, 'scripts', 'build-ptx.mjs')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`build-ptx failed:\n${r.stderr}`);
  }
}
if (skipReason) console.log(`[backend-cuda] PTX checks skipped: ${skipReason}`);

/** Every (file, entry) the wrappers in src/kernels launch. */
function launched(): [string, string][] {
  const out: [string, string][] = [];
  const add = (file: string, names: string[]) => names.forEach((n) => out.push([file, n]));
  const x = <T>(a: readonly T[], f: (v: T) => string[]) => a.flatMap(f);
  add('elementwise.gen', [
    ...x(Object.entries(UNARY_DTYPES), ([op, ds]) => ds.map((d) => `un_${op}_${d}`)),
    ...x(Object.entries(BINARY_DTYPES), ([op, ds]) => ds.flatMap((d) => [`bin_${op}_${d}`, `sc_${op}_${d}`])),
    ...x(COMPARE_OPS, (op) => COMPUTE.flatMap((d) => [`cmp_${op}_${d}`, `cmps_${op}_${d}`])),
    ...COMPUTE.flatMap((d) => [`where_${d}`, `arange_${d}`]),
    ...x(CAST_DTYPES, (a) => CAST_DTYPES.map((b) => `cast_${a}_${b}`)),
    ...[1, 2, 4, 8].flatMap((b) => [`copy_${b}`, `fill_${b}`]),
  ]);
  const R = ['f32', 'f64', 'i32', 'i64', 'u8'];
  add('reduce', x(['sum', 'prod', 'max', 'min', 'argmax', 'argmin', 'cumsum'], (op) => R.map((d) => `${op}_${d}`)));
  add('index', x(['gather', 'scatter_add'], (op) => R.flatMap((d) => [`${op}_${d}_i32`, `${op}_${d}_i64`])));
  add('softmax', x(FLOATS, (d) => [`softmax_${d}`, `log_softmax_${d}`, `xent_reduce_${d}`, `xent_rows_${d}_i32`, `xent_rows_${d}_i64`]));
  add('random', x(FLOATS, (d) => [`uniform_${d}`, `normal_${d}`]));
  add('rnn', x(['gru_cell', 'gru_cell_backward', 'lstm_cell', 'lstm_cell_backward'], (k) => FLOATS.map((d) => `${k}_${d}`)));
  add('optim', x(['sgd_step', 'adam_step'], (k) => FLOATS.map((d) => `${k}_${d}`)));
  add('matmul', ['imatmul_i32', 'imatmul_i64']);
  add('pool', x(FLOATS, (d) => [`maxpool2d_${d}_i32`, `maxpool2d_${d}_i64`, `maxpool2d_backward_${d}_i32`, `maxpool2d_backward_${d}_i64`, `avgpool2d_${d}`, `avgpool2d_backward_${d}`]));
  add('layernorm', FLOATS.map((d) => `layer_norm_${d}`));
  return out;
}

describe('PTX', () => {
  it.skipIf(!!skipReason)('every .cu file compiled to PTX for compute_75, with every kernel the wrappers launch', () => {
    const entries = new Map<string, Set<string>>();
    for (const f of sources) {
      const text = readFileSync(join(ptxDir, f.replace(/\.cu$/, '.ptx')), 'utf8');
      expect(text, f).toMatch(/^\.target sm_75$/m);
      entries.set(f.replace(/\.cu$/, ''), new Set([...text.matchAll(/^\.visible \.entry (\w+)\(/gm)].map((m) => m[1]!)));
    }
    const missing = launched().filter(([file, name]) => !entries.get(file)?.has(name));
    expect(missing).toEqual([]);
    expect(launched().length).toBeGreaterThan(300);
  });
});

describe('generated files', () => {
  for (const g of GENERATED) {
    it(`${g.target.slice(pkg.length)} is what tooling/cuda/gen-kernels.ts writes`, () => {
      expect(readFileSync(g.target, 'utf8')).toBe(g.render());
    });
  }
});
