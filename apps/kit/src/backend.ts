// Choose a backend by name for --backend: 'cpu' (always available), the GPU packages once installed, and
// 'mockgpu' (the testkit's queued mock GPU: a quick way to check a training loop never reads synchronously).
import { initBackend, listBackends, setDefaultDevice } from '@flint/core';

/** What the kit needs of @flint/backend-webgpu: its init acquires a device and registers 'webgpu'. */
interface WebGpuModule { initWebGPU?: (options?: object) => Promise<unknown> }

/** Acquires a WebGPU device; the package's own error (what was tried, what to install) reaches the user as it is. */
async function initWebGpu(mod: unknown): Promise<void> {
  const { initWebGPU } = mod as WebGpuModule;
  if (typeof initWebGPU !== 'function') throw new Error('--backend webgpu: @flint/backend-webgpu has no initWebGPU(); update it, or use --backend cpu');
  await initWebGPU();
}

/** What the kit needs of @flint/backend-cuda: initCuda finds the libraries, creates a context and registers 'cuda'. */
interface CudaModule { initCuda?: (options?: object) => Promise<unknown> }

/** Starts CUDA on device 0; the package's own error (no driver, which libraries it looked for and where) reaches the user as it is. */
async function initCudaBackend(mod: unknown): Promise<void> {
  const { initCuda } = mod as CudaModule;
  if (typeof initCuda !== 'function') throw new Error('--backend cuda: @flint/backend-cuda has no initCuda(); update it, or use --backend cpu');
  await initCuda();
}

const PACKAGES: Record<string, { pkg: string; load: () => Promise<unknown>; init?: (mod: unknown) => Promise<void> }> = {
  cpu: { pkg: '@flint/backend-cpu', load: () => import('@flint/backend-cpu') },
  webgpu: { pkg: '@flint/backend-webgpu', load: () => import(/* @vite-ignore */ '@flint/backend-webgpu' as string), init: initWebGpu },
  cuda: { pkg: '@flint/backend-cuda', load: () => import(/* @vite-ignore */ '@flint/backend-cuda' as string), init: initCudaBackend },
  mockgpu: { pkg: '@flint/backend-testkit/mock', load: async () => (await import('@flint/backend-testkit/mock')).registerMockGpu() },
};

/** Make `name` the default device, loading its package unless a backend of that name is registered already. */
export async function useBackend(name = 'cpu'): Promise<string> {
  if (!listBackends().includes(name)) {
    const entry = PACKAGES[name];
    if (!entry) throw new Error(`--backend '${name}' is unknown; choose one of: ${Object.keys(PACKAGES).join(', ')}`);
    let mod: unknown;
    try {
      mod = await entry.load();
    } catch (e) {
      throw new Error(`--backend ${name}: could not load ${entry.pkg} (${(e as Error).message}); install it, or use --backend cpu. Registered: ${listBackends().join(', ') || 'none'}`);
    }
    await entry.init?.(mod);
  }
  await initBackend(name);
  setDefaultDevice(name);
  return name;
}
