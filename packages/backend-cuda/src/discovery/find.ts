// Finds the NVIDIA libraries: FLINT_CUDA_LIB_DIR, LD_LIBRARY_PATH (PATH on Windows), the CUDA toolkit and
// driver folders, and the nvidia/*/lib folders of Python environments' NVIDIA wheels. The file system and
// environment come in as an object so tests run the search against temporary folders.
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CudaUnavailableError } from '../errors.js';
import { LIBRARIES, type LibraryKey, type LibrarySpec } from './libraries.js';

/** What the search reads: environment variables, the platform and the file system. */
export interface SearchHost {
  /** Environment variables. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `process.platform`. */
  readonly platform: string;
  /** The home folder (for `~/.local` Python packages). */
  readonly home: string;
  /** Whether a file exists. */
  exists(path: string): boolean;
  /** The names in a folder (empty when it does not exist). */
  list(dir: string): readonly string[];
}

/** The real machine. */
export const nodeHost = (): SearchHost => ({
  env: process.env, platform: process.platform, home: homedir(),
  exists: (p) => existsSync(p),
  list: (d) => { try { return readdirSync(d); } catch { return []; } },
});

/** A folder searched, and why it was. */
export interface SearchDir {
  /** The folder. */
  readonly dir: string;
  /** Why it is searched: the variable or convention it comes from (`LD_LIBRARY_PATH`, `CUDA toolkit`). */
  readonly source: string;
}

const split = (v: string | undefined, sep: string): string[] => (v ? v.split(sep).filter((s) => s.length > 0) : []);

/** site-packages folders of the Python environments in sight: VIRTUAL_ENV, CONDA_PREFIX, PYTHONPATH, ~/.local, /usr/local. */
function sitePackages(host: SearchHost): { dir: string; source: string }[] {
  const out: { dir: string; source: string }[] = [];
  const add = (prefix: string, source: string) => {
    if (host.platform === 'win32') { out.push({ dir: join(prefix, 'Lib', 'site-packages'), source }); return; }
    const lib = join(prefix, 'lib');
    for (const py of host.list(lib).filter((n) => /^python3(\.\d+)?$/.test(n)).sort().reverse()) {
      out.push({ dir: join(lib, py, 'site-packages'), source });
      out.push({ dir: join(lib, py, 'dist-packages'), source });
    }
  };
  for (const v of ['VIRTUAL_ENV', 'CONDA_PREFIX'] as const) { const p = host.env[v]; if (p) add(p, v); }
  for (const p of split(host.env.PYTHONPATH, host.platform === 'win32' ? ';' : ':')) out.push({ dir: p, source: 'PYTHONPATH' });
  if (host.platform !== 'win32') {
    add(join(host.home, '.local'), '~/.local (pip install --user)');
    add('/usr/local', 'system Python');
    add('/usr', 'system Python');
  }
  return out;
}

/** Every folder searched for `spec`, in order, with the reason each is searched. */
export function searchDirs(spec: LibrarySpec, host: SearchHost): SearchDir[] {
  const win = host.platform === 'win32', sep = win ? ';' : ':';
  const dirs: SearchDir[] = [];
  const add = (dir: string, source: string) => { if (!dirs.some((d) => d.dir === dir)) dirs.push({ dir, source }); };
  for (const d of split(host.env.FLINT_CUDA_LIB_DIR, sep)) add(d, 'FLINT_CUDA_LIB_DIR');
  for (const d of split(win ? host.env.PATH : host.env.LD_LIBRARY_PATH, sep)) add(d, win ? 'PATH' : 'LD_LIBRARY_PATH');
  // the CUDA toolkit
  for (const v of ['CUDA_PATH', 'CUDA_HOME', 'CUDA_ROOT'] as const) {
    const p = host.env[v];
    if (p) add(join(p, win ? 'bin' : 'lib64'), v);
  }
  if (!win) {
    add('/usr/local/cuda/lib64', 'CUDA toolkit');
    for (const n of host.list('/usr/local').filter((n) => /^cuda-\d/.test(n)).sort().reverse()) add(`/usr/local/${n}/lib64`, 'CUDA toolkit');
    add('/usr/local/cuda/targets/x86_64-linux/lib', 'CUDA toolkit');
    add('/usr/local/cuda/targets/sbsa-linux/lib', 'CUDA toolkit');
    add('/opt/cuda/lib64', 'CUDA toolkit');
    // driver folders: containers (NVIDIA Container Toolkit), distributions, WSL
    add('/usr/local/nvidia/lib64', 'NVIDIA driver (containers)');
    add('/usr/lib/x86_64-linux-gnu', 'system libraries');
    add('/usr/lib/aarch64-linux-gnu', 'system libraries');
    add('/usr/lib64', 'system libraries');
    add('/usr/lib', 'system libraries');
    add('/usr/lib/wsl/lib', 'NVIDIA driver (WSL)');
  } else {
    const sys = host.env.SystemRoot ?? 'C:\\Windows';
    add(join(sys, 'System32'), 'NVIDIA driver');
  }
  // NVIDIA's Python wheels (nvidia-cublas, nvidia-cudnn-cu13, the cu13 bundle PyTorch installs)
  for (const sp of sitePackages(host)) {
    for (const w of spec.wheels) add(join(sp.dir, 'nvidia', w, win ? 'bin' : 'lib'), `Python wheel nvidia/${w} (${sp.source})`);
  }
  return dirs;
}

/** The result of a search: the library's path, or where it looked. */
export type Found =
  | { readonly found: true; readonly path: string; readonly source: string; readonly searched: readonly SearchDir[] }
  | { readonly found: false; readonly searched: readonly SearchDir[] };

/** The first file of `spec`'s names in the folders of {@link searchDirs}. */
export function findLibrary(key: LibraryKey, host: SearchHost = nodeHost()): Found {
  const spec = LIBRARIES[key];
  const names = host.platform === 'win32' ? spec.windows : spec.linux;
  const searched = searchDirs(spec, host);
  for (const d of searched) {
    for (const n of names) {
      const path = join(d.dir, n);
      if (host.exists(path)) return { found: true, path, source: d.source, searched };
    }
  }
  return { found: false, searched };
}

/** The error for a library that is nowhere: every folder looked in, and what to install. */
export function notFoundError(key: LibraryKey, searched: readonly SearchDir[], host: Pick<SearchHost, 'platform'> = { platform: process.platform }, loaderError?: string): CudaUnavailableError {
  const spec = LIBRARIES[key];
  const names = (host.platform === 'win32' ? spec.windows : spec.linux).join(' or ');
  const lines = searched.map((d) => `  - ${d.dir}  (${d.source})`);
  return new CudaUnavailableError(
    `@flint/backend-cuda: ${names} was not found${key === 'cuda' ? ' — this machine has no NVIDIA driver' : ''}. Looked in:\n${lines.join('\n')}\n` +
    `  - the system loader's own search (ldconfig cache) for ${(host.platform === 'win32' ? spec.windows : spec.linux)[0]}${loaderError ? `: ${loaderError}` : ''}\n` +
    `Install ${spec.install}, or point FLINT_CUDA_LIB_DIR at the folder that holds it.`,
  );
}
