// initCuda: find and bind the NVIDIA libraries, open the device, load the package's PTX lazily, and
// register the 'cuda' backend. Importing the package does none of this, so it works with no driver.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, registerBackend, type Backend } from '@flint/core';
import { createCudaBackend } from './backend.js';
import { findLibrary, nodeHost, notFoundError, type SearchHost } from './discovery/find.js';
import type { LibraryKey } from './discovery/libraries.js';
import { CudaCallError, CudaUnavailableError } from './errors.js';
import { cublasLtVersion, openBlas } from './ffi/cublas.js';
import { openDnn, type Dnn } from './ffi/cudnn.js';
import { loadDriver } from './ffi/driver.js';
import { getKoffi } from './ffi/koffi.js';
import type { DeviceContext, Tf32Flags } from './kernels/util.js';
import { CudaRuntime } from './runtime/runtime.js';

/**
 * Options of {@link initCuda}.
 * @property device - the CUDA device ordinal (default 0)
 * @property allowTf32 - TF32 tensor cores: `matmul` (default false, as torch.backends.cuda.matmul.allow_tf32) and `cudnn` convolutions and RNNs (default true, as torch.backends.cudnn.allow_tf32)
 * @property cudnn - use cuDNN when found (default true); false runs convolutions, batch norm and RNNs as core's composites
 * @property priority - the registry priority of 'cuda' (default 10)
 */
export interface CudaOptions { device?: number; allowTf32?: Partial<Tf32Flags>; cudnn?: boolean; priority?: number }

/** The open device, for memory(), emptyCache() and cudaGraph(). */
let current: { ctx: DeviceContext; backend: Backend; device: number } | undefined;

/** The context of the initialised device, or an error saying to call initCuda first. */
export function currentContext(what: string): DeviceContext {
  if (!current) throw new CudaUnavailableError(`${what}: call 'await initCuda()' first`);
  return current.ctx;
}

/** Where the package's PTX is: FLINT_CUDA_PTX_DIR, then dist/ptx next to this module (or above it, running from src). */
export function ptxDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.FLINT_CUDA_PTX_DIR) return env.FLINT_CUDA_PTX_DIR;
  const here = dirname(fileURLToPath(import.meta.url));
  for (const d of [join(here, 'ptx'), join(here, '..', 'dist', 'ptx')]) if (existsSync(d)) return d;
  return join(here, 'ptx');
}

function require(key: LibraryKey, host: SearchHost): string {
  const r = findLibrary(key, host);
  if (r.found) return r.path;
  // the system loader may still know it (ldconfig cache)
  return key === 'cuda' ? 'libcuda.so.1' : `${key === 'cublasLt' ? 'libcublasLt' : `lib${key}`}.so`;
}

/**
 * Finds the NVIDIA driver, cuBLAS and cuDNN, opens `device`, and registers the `'cuda'` backend (so
 * `tensor.to('cuda')` works). Throws CudaUnavailableError, listing where it looked and what to install,
 * when the driver or cuBLAS is missing; without cuDNN, convolutions and RNNs run as composites.
 */
export async function initCuda(opts: CudaOptions = {}, host: SearchHost = nodeHost()): Promise<Backend> {
  const device = opts.device ?? 0;
  // one device per process: a second call returns the open backend (re-registering would dispose it)
  if (current) {
    if (current.device !== device) throw new CudaUnavailableError(`initCuda: device ${current.device} is already open in this process; Flint drives one CUDA device per process`);
    return current.backend;
  }
  if (process.platform !== 'linux' && process.platform !== 'win32') throw new CudaUnavailableError(`initCuda: CUDA runs on Linux and Windows, not ${process.platform}`);
  const libs: Partial<Record<LibraryKey, string>> = {};
  const load = <T>(key: LibraryKey, fn: (path: string) => T): T => {
    const path = require(key, host);
    try {
      const v = fn(path);
      libs[key] = path;
      return v;
    } catch (e) {
      if (e instanceof CudaCallError) throw e;
      throw notFoundError(key, findLibrary(key, host).searched, host, (e as Error).message);
    }
  };
  const driver = load('cuda', loadDriver);
  let info;
  try { info = driver.open(device); } catch (e) {
    if (e instanceof CudaCallError && (e.status === 100 || e.status === 34)) throw new CudaUnavailableError(`initCuda: the NVIDIA driver loaded but reports no CUDA device (${e.message}); check nvidia-smi, and in containers run with --gpus all`);
    throw e;
  }
  const dir = ptxDir();
  const rt = new CudaRuntime(driver, (v) => getKoffi().address(v) as bigint, (file) => {
    const p = join(dir, `${file}.ptx`);
    if (!existsSync(p)) throw new CudaUnavailableError(`initCuda: ${p} is missing; the package was built without its kernels (run 'node scripts/build-ptx.mjs' with nvcc, or set FLINT_CUDA_PTX_DIR)`);
    return readFileSync(p, 'utf8');
  });
  const workspace = rt.alloc(32 << 20); // cuBLAS's workspace: fixed, so GEMMs can be captured in graphs
  const blas = load('cublas', (p) => openBlas(p, rt.compute, workspace.ptr, workspace.size));
  const tf32: Tf32Flags = { matmul: opts.allowTf32?.matmul ?? false, cudnn: opts.allowTf32?.cudnn ?? true };
  blas.setTf32(tf32.matmul);
  const vendor: Record<string, string> = { device: info.name, computeCapability: info.computeCapability, driver: info.driverVersion, cublas: blas.version };
  try { vendor.cublasLt = load('cublasLt', cublasLtVersion); } catch { /* only its version is used */ }
  let dnn: Dnn | undefined;
  if (opts.cudnn !== false) {
    const found = findLibrary('cudnn', host);
    try {
      dnn = openDnn(found.found ? found.path : 'libcudnn.so.9', rt.compute);
      vendor.cudnn = dnn.version;
    } catch (e) {
      if (e instanceof CudaCallError) throw e;
      vendor.cudnn = `not found: convolutions, batch norm and RNNs run as composites (${notFoundError('cudnn', found.searched, host).message.split('\n')[0]})`;
    }
  }
  const ctx: DeviceContext = { rt, blas, ...(dnn ? { dnn } : {}), tf32 };
  const backend = createCudaBackend(ctx, { vendor, totalBytes: info.totalBytes });
  registerBackend('cuda', () => backend, opts.priority ?? 10);
  await initBackend('cuda');
  current = { ctx, backend, device };
  return backend;
}

/** Sets the TF32 switches (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32). */
export function setAllowTf32(flags: Partial<Tf32Flags>): void {
  const ctx = currentContext('setAllowTf32');
  if (flags.matmul !== undefined) { ctx.tf32.matmul = flags.matmul; ctx.blas?.setTf32(flags.matmul); }
  if (flags.cudnn !== undefined) ctx.tf32.cudnn = flags.cudnn;
}

/** For tests: install a context (a fake driver's) as the current device. */
export function setCurrentForTests(ctx: DeviceContext, backend: Backend): void { current = { ctx, backend, device: 0 }; }
