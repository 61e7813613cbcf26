// Compiles every kernels/*.cu to PTX in dist/ptx with nvcc, warnings as errors. PTX for a virtual
// architecture (compute_75: Turing and every later card) is what ships: the driver JIT-compiles it for the
// card it runs on. Set NVCC to choose the compiler, FLINT_PTX_OUT to write elsewhere.
// Usage: node scripts/build-ptx.mjs [--out DIR]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(pkg, 'kernels');
const outArg = process.argv.indexOf('--out');
const out = outArg > 0 ? resolve(process.argv[outArg + 1]) : process.env.FLINT_PTX_OUT ? resolve(process.env.FLINT_PTX_OUT) : join(pkg, 'dist', 'ptx');
const nvcc = process.env.NVCC ?? 'nvcc';

// warnings are errors; no multiply-add contraction, so float kernels round each operation as the CPU does
const NVCC_FLAGS = ['-ptx', '-arch=compute_75', '-std=c++17', '-Werror', 'all-warnings', '--fmad=false'];

if (spawnSync(nvcc, ['--version']).status !== 0) {
  console.error(`build-ptx: ${nvcc} was not found. Install the CUDA toolkit (nvcc 12 or 13) or set NVCC; the package ships PTX compiled at build time.`);
  process.exit(1);
}
mkdirSync(out, { recursive: true });
const files = readdirSync(src).filter((f) => f.endsWith('.cu')).sort();
const started = Date.now();
const results = await Promise.all(files.map((f) => new Promise((done) => {
  const target = join(out, `${basename(f, '.cu')}.ptx`);
  const p = spawn(nvcc, [...NVCC_FLAGS, '-o', target, join(src, f)], { stdio: ['ignore', 'inherit', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d) => { err += d; });
  p.on('close', (code) => done({ f, code, err }));
})));
const failed = results.filter((r) => r.code !== 0);
for (const r of failed) console.error(`build-ptx: ${r.f} failed:\n${r.err}`);
if (failed.length) process.exit(1);
console.log(`build-ptx: ${files.length} kernel files -> ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
