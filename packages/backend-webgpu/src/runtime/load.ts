// Finds a WebGPU device: the caller's own, navigator.gpu (browsers, Deno), or Dawn through the `webgpu`
// package in Node, which is loaded only when navigator.gpu is absent (an optional peer dependency).
/// <reference types="@webgpu/types" />
import { BackendError } from '@flint/core';

/** Where the device came from, for messages and `vendor`. */
export type DeviceSource = 'caller' | 'navigator.gpu' | 'webgpu (Dawn)';

/** A device and what was learnt while acquiring it. */
export interface Acquired { device: GPUDevice; adapter?: GPUAdapter; source: DeviceSource; description: string }

/** How `initWebGPU` finds a device: a caller's GPUDevice, `navigator.gpu`, or the `webgpu` package in Node. */
export interface AcquireOptions {
  /** Use this device (an app that already owns one shares it); nothing is requested. */
  device?: GPUDevice;
  /** Passed to requestAdapter. */
  powerPreference?: GPUPowerPreference;
  /** Dawn toggles for the `webgpu` package's create() in Node, e.g. ['backend=vulkan']. */
  dawnFlags?: string[];
}

interface DawnModule { create(flags: string[]): GPU; globals: Record<string, unknown> }

const isNode = (): boolean => typeof process !== 'undefined' && typeof process.versions?.node === 'string';

// Dawn's GPU object must outlive every device made from it: if it is garbage-collected, Dawn's instance goes
// and its device threads crash the process. One per process, kept here.
let dawnGpu: GPU | undefined;

async function loadDawn(flags: string[]): Promise<GPU> {
  if (dawnGpu) return dawnGpu;
  await privateRuntimeDir();
  const name = 'webgpu'; // a variable, so browser bundlers leave the Node-only package out
  const mod = (await import(/* @vite-ignore */ name)) as DawnModule;
  // Dawn's classes (GPUBufferUsage, ...) are what the WebGPU spec puts on globalThis
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  dawnGpu = mod.create(flags);
  return dawnGpu;
}

/** Dawn's Vulkan loader wants XDG_RUNTIME_DIR; when it is unset, a private temporary folder serves. */
async function privateRuntimeDir(): Promise<void> {
  if (process.env.XDG_RUNTIME_DIR) return;
  const [fs, os, path] = ['node:fs', 'node:os', 'node:path'];
  const { mkdtempSync } = (await import(/* @vite-ignore */ fs)) as typeof import('node:fs');
  const { tmpdir } = (await import(/* @vite-ignore */ os)) as typeof import('node:os');
  const { join } = (await import(/* @vite-ignore */ path)) as typeof import('node:path');
  process.env.XDG_RUNTIME_DIR = mkdtempSync(join(tmpdir(), 'flint-webgpu-'));
}

/** The adapter limits worth raising above WebGPU's defaults (storage bindings, buffer size, workgroup memory). */
const RAISED: readonly (keyof GPUSupportedLimits)[] = [
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxStorageBuffersPerShaderStage', 'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY', 'maxComputeWorkgroupsPerDimension',
];

/** Acquires a device, or throws a BackendError saying what was tried and what to install or enable. */
export async function acquireDevice(opts: AcquireOptions = {}): Promise<Acquired> {
  if (opts.device) return { device: opts.device, source: 'caller', description: 'a GPUDevice passed by the caller' };
  const tried: string[] = [];
  let gpu: GPU | undefined;
  let source: DeviceSource = 'navigator.gpu';
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) gpu = nav.gpu;
  else {
    tried.push('navigator.gpu is absent');
    if (isNode()) {
      try {
        gpu = await loadDawn(opts.dawnFlags ?? []);
        source = 'webgpu (Dawn)';
      } catch (e) {
        tried.push(`the 'webgpu' package (Dawn for Node) did not load (${e instanceof Error ? e.message : String(e)})`);
      }
    }
  }
  const advice = isNode()
    ? "In Node, install the optional peer dependency: npm install webgpu (Dawn); it needs a Vulkan, Metal or D3D12 driver — on a Linux machine without a GPU, a CPU Vulkan driver such as Mesa's lavapipe (see the package README; tooling/webgpu/setup-vulkan.sh sets one up). Or use the CPU backend: import '@flint/backend-cpu'."
    : 'Use a browser with WebGPU (Chrome/Edge 113+, Safari 26, Firefox 141+; Chromium on Linux may need --enable-unsafe-webgpu), or the CPU backend: import \'@flint/backend-cpu\'.';
  if (!gpu) throw new BackendError(`initWebGPU: no WebGPU: ${tried.join('; ')}. ${advice}`);
  const adapter = await gpu.requestAdapter(opts.powerPreference ? { powerPreference: opts.powerPreference } : undefined);
  if (!adapter) throw new BackendError(`initWebGPU: ${source} gave no adapter (no usable GPU or driver). ${advice}`);
  const requiredLimits: Record<string, number> = {};
  for (const k of RAISED) {
    const v = adapter.limits[k];
    if (typeof v === 'number') requiredLimits[k] = v;
  }
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits });
  } catch (e) {
    throw new BackendError(`initWebGPU: the adapter refused a device (${e instanceof Error ? e.message : String(e)}). ${advice}`);
  }
  const info = adapter.info as GPUAdapterInfo | undefined;
  const description = [info?.vendor, info?.architecture, info?.device, info?.description].filter((s) => s).join(' ') || 'unknown adapter';
  return { device, adapter, source, description };
}
