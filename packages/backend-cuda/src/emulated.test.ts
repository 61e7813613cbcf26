// The testkit's conformance suite, values and gradients, on the real kernels: kernels/*.cu compiled for the
// CPU (one thread per launch, testing/cuda-host.h), driven by the real TypeScript wrappers, runtime and
// allocator; cuBLAS and cuDNN calls go through the real bindings to host stand-ins with their C signatures
// (testing/fake-libcublas.c, testing/fake-libcudnn.c). This checks the project's own kernels and all the
// plumbing, not the GPU's concurrency or the vendor libraries' own numerics.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeBackend } from '@flint/backend-testkit/vitest';
import type { Backend } from '@flint/core';
import { createCudaBackend } from './backend.js';
import { openBlas, type Blas, type Gemm } from './ffi/cublas.js';
import { openDnn } from './ffi/cudnn.js';
import { getKoffi } from './ffi/koffi.js';
import type { DeviceContext } from './kernels/util.js';
import { CudaRuntime } from './runtime/runtime.js';
import { HostDriver, prepareHostKernels } from './testing/host-driver.js';

const cxx = process.env.CXX ?? 'g++';
const hasCxx = process.platform === 'linux' && spawnSync(cxx, ['--version']).status === 0;
if (!hasCxx) console.log(`[backend-cuda] emulated conformance skipped: no C++ compiler ('${cxx}') to build the kernels for the host`);

// cuBLAS through the real binding (src/ffi/cublas.ts) over a column-major host GEMM with cuBLAS's C signatures
const fakes = mkdtempSync(join(tmpdir(), 'flint-fake-libs-'));
const fake = (lib: string, src: string) => hasCxx && spawnSync(process.env.CC ?? 'cc', ['-shared', '-fPIC', '-O1', '-o', join(fakes, lib), fileURLToPath(new URL(`./testing/${src}`, import.meta.url))]).status === 0;
const cublasLib = join(fakes, 'libcublas.so.13'), cudnnLib = join(fakes, 'libcudnn.so.9');
const hasCublas = fake('libcublas.so.13', 'fake-libcublas.c'), hasCudnn = fake('libcudnn.so.9', 'fake-libcudnn.c');

/** A row-major batched GEMM in JS over the host driver's memory, where the fake libcublas can't be built. */
function hostBlas(drv: HostDriver): Blas {
  return {
    version: 'host', setTf32: () => {}, dispose: () => {},
    gemm({ a, b, out, batch, M, K, N, double }: Gemm) {
      const T = double ? Float64Array : Float32Array, el = double ? 8 : 4;
      const view = (p: bigint, n: number) => { const u = drv.view(p, n * el); return new T(u.buffer as ArrayBuffer, u.byteOffset, n); };
      const A = view(a, batch * M * K), B = view(b, batch * K * N), C = view(out, batch * M * N);
      for (let z = 0; z < batch; z++) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += A[z * M * K + i * K + k]! * B[z * K * N + k * N + j]!;
        C[z * M * N + i * N + j] = s;
      }
    },
  };
}

const drivers: HostDriver[] = [];
function emulated(): Backend {
  const drv = new HostDriver();
  drivers.push(drv);
  const rt = new CudaRuntime(drv, drv.addressOf, (file) => file);
  const ws = rt.alloc(1 << 20);
  const blas = hasCublas ? openBlas(cublasLib, rt.compute, ws.ptr, ws.size) : hostBlas(drv);
  const ctx: DeviceContext = { rt, blas, ...(hasCudnn ? { dnn: openDnn(cudnnLib, rt.compute) } : {}), tf32: { matmul: false, cudnn: true } };
  return createCudaBackend(ctx, { vendor: { device: 'host emulation' }, totalBytes: 1 << 30 });
}

// without cuDNN conv2d is core's composite, whose kernels each round to float16; cuDNN's one kernel rounds once
const skip: Record<string, string> = hasCudnn ? {} : {
  'half/conv2d/float16_float32_rounded': 'conv2d runs as a composite here (no cuDNN stand-in): each of its kernels rounds to float16',
  'half/conv2d/bfloat16_float32_rounded': 'conv2d runs as a composite here (no cuDNN stand-in): each of its kernels rounds to bfloat16',
};
if (hasCxx) await prepareHostKernels();
if (hasCxx) describeBackend(emulated, { name: 'cuda kernels emulated on the CPU', grads: true, skip });

describe.skipIf(!hasCxx)('emulated kernel coverage', () => {
  it('the suite ran every family of hand-written kernel, not only composites', () => {
    const ran = new Set(drivers.flatMap((d) => d.launched));
    const families = ['maxpool2d_f32_', 'maxpool2d_backward_f32_', 'avgpool2d_f32', 'avgpool2d_backward_f32', 'layer_norm_f32', 'adam_step_f32', 'sgd_step_f32',
      'gru_cell_f32', 'gru_cell_backward_f32', 'lstm_cell_f32', 'lstm_cell_backward_f32', 'xent_rows_f32_', 'xent_reduce_f32', 'gather_f32_', 'scatter_add_f32_',
      'uniform_f32', 'normal_f32', 'cumsum_f32', 'argmax_f32', 'softmax_f32', 'log_softmax_f32', 'sum_i64', 'imatmul_i64', 'cast_f32_f16', 'copy_4', 'fill_8', 'bin_remainder_i64'];
    expect(families.filter((f) => ![...ran].some((n) => n.startsWith(f)))).toEqual([]);
    console.log(`[backend-cuda] emulation ran ${ran.size} distinct CUDA kernels`);
    expect(ran.size).toBeGreaterThan(150);
  });
  it.skipIf(!hasCublas)('float matmuls went through the cuBLAS binding (the fake libcublas), not the JS GEMM', () => {
    const calls = getKoffi().load(cublasLib).func('int fakeCublasGemmCalls()') as () => number;
    expect(calls()).toBeGreaterThan(50);
  });
  it.skipIf(!hasCudnn)('convolutions and batch norm went through the cuDNN binding (the fake libcudnn)', () => {
    const lib = getKoffi().load(cudnnLib);
    expect((lib.func('int fakeCudnnConvCalls()') as () => number)()).toBeGreaterThan(20);
    expect((lib.func('int fakeCudnnBnCalls()') as () => number)()).toBeGreaterThan(5);
  });
});
