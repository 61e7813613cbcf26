// The NVIDIA libraries the backend binds, their file names on each platform, the folders of NVIDIA's
// Python wheels that carry them, and what to install when one is missing.

/** A library the backend loads at run time. */
export interface LibrarySpec {
  /** Short key: `cuda` (the driver API), `cublas`, `cublasLt`, `cudnn`, `nvrtc`. */
  readonly key: LibraryKey;
  /** File names to look for on Linux, newest first. */
  readonly linux: readonly string[];
  /** File names on Windows. */
  readonly windows: readonly string[];
  /** Sub-folders of a Python environment's `site-packages/nvidia/` whose `lib` (Linux) or `bin` (Windows) holds it. */
  readonly wheels: readonly string[];
  /** What to install when it is missing. */
  readonly install: string;
}

/** The libraries the backend knows. */
export type LibraryKey = 'cuda' | 'cublas' | 'cublasLt' | 'cudnn' | 'nvrtc';

/** Every library, by key. */
export const LIBRARIES: Readonly<Record<LibraryKey, LibrarySpec>> = {
  cuda: {
    key: 'cuda', linux: ['libcuda.so.1', 'libcuda.so'], windows: ['nvcuda.dll'], wheels: [],
    install: 'the NVIDIA driver (libcuda comes with the driver, not the toolkit: e.g. `apt install nvidia-driver-580`, or in a container run with `--gpus all` and the NVIDIA Container Toolkit)',
  },
  cublas: {
    key: 'cublas', linux: ['libcublas.so.13', 'libcublas.so.12', 'libcublas.so'], windows: ['cublas64_13.dll', 'cublas64_12.dll'], wheels: ['cu13', 'cublas'],
    install: 'cuBLAS: the CUDA toolkit (`apt install libcublas-13-0`), or `pip install nvidia-cublas` (cuBLAS 13) into a Python environment Flint can see (VIRTUAL_ENV/CONDA_PREFIX)',
  },
  cublasLt: {
    key: 'cublasLt', linux: ['libcublasLt.so.13', 'libcublasLt.so.12', 'libcublasLt.so'], windows: ['cublasLt64_13.dll', 'cublasLt64_12.dll'], wheels: ['cu13', 'cublas'],
    install: 'cuBLASLt (ships with cuBLAS): the CUDA toolkit, or `pip install nvidia-cublas`',
  },
  cudnn: {
    key: 'cudnn', linux: ['libcudnn.so.9', 'libcudnn.so'], windows: ['cudnn64_9.dll'], wheels: ['cudnn'],
    install: 'cuDNN 9: `apt install libcudnn9-cuda-13` (NVIDIA\'s apt repository), or `pip install nvidia-cudnn-cu13`',
  },
  nvrtc: {
    key: 'nvrtc', linux: ['libnvrtc.so.13', 'libnvrtc.so.12', 'libnvrtc.so'], windows: ['nvrtc64_130_0.dll', 'nvrtc64_120_0.dll'], wheels: ['cu13', 'cuda_nvrtc'],
    install: 'NVRTC (optional: only fused kernels use it): the CUDA toolkit, or `pip install nvidia-cuda-nvrtc`',
  },
};
