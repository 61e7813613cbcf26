// Library discovery against temporary folders with fake library files: the search order, NVIDIA Python
// wheels, and an error that lists every place looked and what to install.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CudaUnavailableError } from '../errors.js';
import { findLibrary, nodeHost, notFoundError, searchDirs, type SearchHost } from './find.js';
import { LIBRARIES } from './libraries.js';

const root = mkdtempSync(join(tmpdir(), 'flint-cuda-find-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const touch = (...parts: string[]) => { const p = join(root, ...parts); mkdirSync(join(p, '..'), { recursive: true }); writeFileSync(p, ''); return p; };

/** The real file system under `root`, with a given environment and no system folders. */
const host = (env: Record<string, string>, home = join(root, 'home')): SearchHost => {
  const real = nodeHost();
  const inRoot = (p: string) => p.startsWith(root);
  return { env, platform: 'linux', home, exists: (p) => inRoot(p) && real.exists(p), list: (d) => (inRoot(d) ? real.list(d) : []) };
};

describe('findLibrary', () => {
  it('FLINT_CUDA_LIB_DIR comes first, before LD_LIBRARY_PATH', () => {
    const a = touch('flint', 'libcudnn.so.9'), b = touch('ld', 'libcudnn.so.9');
    const r = findLibrary('cudnn', host({ FLINT_CUDA_LIB_DIR: join(root, 'flint'), LD_LIBRARY_PATH: join(root, 'ld') }));
    expect(r).toMatchObject({ found: true, path: a, source: 'FLINT_CUDA_LIB_DIR' });
    const r2 = findLibrary('cudnn', host({ LD_LIBRARY_PATH: `${join(root, 'nothing')}:${join(root, 'ld')}` }));
    expect(r2).toMatchObject({ found: true, path: b, source: 'LD_LIBRARY_PATH' });
  });
  it('prefers the newest soname in a folder (libcublas.so.13 over .12)', () => {
    touch('two', 'libcublas.so.12');
    const p13 = touch('two', 'libcublas.so.13');
    expect(findLibrary('cublas', host({ FLINT_CUDA_LIB_DIR: join(root, 'two') }))).toMatchObject({ path: p13 });
  });
  it('finds the CUDA toolkit from CUDA_HOME', () => {
    const p = touch('toolkit', 'lib64', 'libnvrtc.so.13');
    expect(findLibrary('nvrtc', host({ CUDA_HOME: join(root, 'toolkit') }))).toMatchObject({ found: true, path: p, source: 'CUDA_HOME' });
  });
  it("finds NVIDIA wheels in a virtualenv's site-packages (nvidia/cudnn/lib, nvidia/cu13/lib)", () => {
    const venv = join(root, 'venv');
    const dnn = touch('venv', 'lib', 'python3.12', 'site-packages', 'nvidia', 'cudnn', 'lib', 'libcudnn.so.9');
    const blas = touch('venv', 'lib', 'python3.12', 'site-packages', 'nvidia', 'cu13', 'lib', 'libcublasLt.so.13');
    expect(findLibrary('cudnn', host({ VIRTUAL_ENV: venv }))).toMatchObject({ found: true, path: dnn, source: 'Python wheel nvidia/cudnn (VIRTUAL_ENV)' });
    expect(findLibrary('cublasLt', host({ VIRTUAL_ENV: venv }))).toMatchObject({ found: true, path: blas });
  });
  it('finds user-installed wheels under ~/.local', () => {
    const home = join(root, 'user');
    const p = touch('user', '.local', 'lib', 'python3.11', 'site-packages', 'nvidia', 'cublas', 'lib', 'libcublas.so.12');
    expect(findLibrary('cublas', host({}, home))).toMatchObject({ found: true, path: p });
  });
  it('searches the driver folders of containers and WSL for libcuda, and no wheels', () => {
    const dirs = searchDirs(LIBRARIES.cuda, host({})).map((d) => d.dir);
    expect(dirs).toContain('/usr/local/nvidia/lib64');
    expect(dirs).toContain('/usr/lib/wsl/lib');
    expect(dirs).toContain('/usr/lib/x86_64-linux-gnu');
    expect(dirs.some((d) => d.includes('site-packages'))).toBe(false);
  });
  it('on Windows reads PATH with ; and looks for DLLs', () => {
    const h: SearchHost = { ...host({ PATH: `C:\\a;${join(root, 'win')}` }), platform: 'win32' };
    const p = touch('win', 'cudnn64_9.dll');
    expect(findLibrary('cudnn', h)).toMatchObject({ found: true, path: p, source: 'PATH' });
  });
});

describe('the not-found error', () => {
  it('lists every folder looked in, with why, and what to install', () => {
    const h = host({ FLINT_CUDA_LIB_DIR: '/opt/mine', LD_LIBRARY_PATH: '/x/lib' });
    const r = findLibrary('cuda', h);
    expect(r.found).toBe(false);
    const err = notFoundError('cuda', r.searched, h);
    expect(err).toBeInstanceOf(CudaUnavailableError);
    const lines = err.message.split('\n');
    expect(lines[0]).toBe('@flint/backend-cuda: libcuda.so.1 or libcuda.so was not found — this machine has no NVIDIA driver. Looked in:');
    expect(lines).toContain('  - /opt/mine  (FLINT_CUDA_LIB_DIR)');
    expect(lines).toContain('  - /x/lib  (LD_LIBRARY_PATH)');
    expect(lines).toContain('  - /usr/local/nvidia/lib64  (NVIDIA driver (containers))');
    expect(err.message).toMatch(/Install the NVIDIA driver .*or point FLINT_CUDA_LIB_DIR at the folder that holds it\.$/s);
    expect(lines.length).toBe(r.searched.length + 3);
  });
  it('names the pip package for cuDNN', () => {
    const h = host({});
    expect(notFoundError('cudnn', findLibrary('cudnn', h).searched, h).message).toMatch(/pip install nvidia-cudnn-cu13/);
  });
});
