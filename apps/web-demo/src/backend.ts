// Starts the device the demo trains on: WebGPU through @flint/backend-webgpu when the browser has it, else the
// CPU backend, with the reason in words so the page can say why it fell back.
import '@flint/backend-cpu';
import { initBackend, setDefaultDevice } from '@flint/core';
import type { BackendWish } from './params.js';

/** The device that was started and, when it is the CPU, why WebGPU was not used. */
export interface BackendChoice {
  device: 'webgpu' | 'cpu';
  /** Why the CPU runs instead of WebGPU; absent when WebGPU runs. */
  fallbackReason?: string;
}

/** What the demo needs of @flint/backend-webgpu (typed here so the page builds against any version of it). */
interface WebGpuModule { initWebGPU?: () => Promise<unknown> }

async function tryWebGpu(): Promise<string | undefined> {
  if (typeof navigator === 'undefined' || !('gpu' in navigator) || !navigator.gpu) {
    return 'this browser has no WebGPU (navigator.gpu is missing: use a recent Chrome, Edge or Safari, or enable WebGPU)';
  }
  try {
    const mod = (await import('@flint/backend-webgpu')) as WebGpuModule;
    if (typeof mod.initWebGPU !== 'function') return '@flint/backend-webgpu in this build has no initWebGPU()';
    await mod.initWebGPU();
    return undefined;
  } catch (e) {
    return `WebGPU could not start: ${(e as Error).message}`;
  }
}

/** Makes WebGPU or the CPU the default device, as `wish` asks and the browser allows. */
export async function startBackend(wish: BackendWish): Promise<BackendChoice> {
  const reason = wish === 'cpu' ? 'the page asked for the CPU (?backend=cpu)' : await tryWebGpu();
  if (reason === undefined) {
    setDefaultDevice('webgpu');
    return { device: 'webgpu' };
  }
  await initBackend('cpu');
  setDefaultDevice('cpu');
  return { device: 'cpu', fallbackReason: reason };
}
