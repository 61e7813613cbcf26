// Choose a backend by name for --backend; the CPU backend is always available.
import { initBackend, listBackends, setDefaultDevice } from '@flint/core';

const PACKAGES: Record<string, string> = { cpu: '@flint/backend-cpu', webgpu: '@flint/backend-webgpu', cuda: '@flint/backend-cuda' };

export async function useBackend(name = 'cpu'): Promise<string> {
  const pkg = PACKAGES[name];
  if (!pkg) throw new Error(`--backend '${name}' is unknown; choose one of: ${Object.keys(PACKAGES).join(', ')}`);
  try {
    await import(pkg);
  } catch (e) {
    throw new Error(`--backend ${name}: could not load ${pkg} (${(e as Error).message}); install it, or use --backend cpu. Registered: ${listBackends().join(', ') || 'none'}`);
  }
  await initBackend(name);
  setDefaultDevice(name);
  return name;
}
