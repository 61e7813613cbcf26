// Every C declaration the backend binds parses as a koffi prototype here, with no NVIDIA library present:
// a typo in a type ('unsigned' for 'unsigned int', an undeclared struct) fails in CI, not on the GPU.
import { describe, expect, it } from 'vitest';
import { CUBLAS_DECLS, CUBLASLT_DECLS } from './cublas.js';
import { CUDNN_DECLS, declareCudnnTypes } from './cudnn.js';
import { DRIVER_DECLS } from './driver.js';
import { getKoffi } from './koffi.js';

describe('FFI declarations', () => {
  declareCudnnTypes();
  const k = getKoffi();
  type Proto = { proto: { result: { name: string }; arguments: { type: { size: number; name: string } }[] } };
  const parsed = new Map<string, Proto>();
  for (const [lib, decls] of Object.entries({ libcuda: DRIVER_DECLS, cublas: CUBLAS_DECLS, cublasLt: CUBLASLT_DECLS, cudnn: CUDNN_DECLS })) {
    it(`${lib}: ${Object.keys(decls).length} prototypes parse, with pointer-sized device addresses`, () => {
      for (const [name, decl] of Object.entries(decls)) {
        const info = k.proto(decl) as unknown as Proto;
        parsed.set(decl, info);
        // every call returns a status (int), except the version getters (size_t)
        expect(info.proto.result.name, name).toBe(name === 'getVersion' && lib !== 'cublas' ? info.proto.result.name : 'int');
        if (name === 'getVersion' && lib !== 'cublas') expect(k.sizeof(info.proto.result.name)).toBe(8);
      }
    });
  }
  it('the algorithm-perf struct has cuDNN\'s layout (48 bytes on 64-bit)', () => {
    expect(k.sizeof('cudnnAlgoPerf')).toBe(48);
  });
  it('CUdeviceptr arguments are 64-bit', () => {
    for (const decl of [DRIVER_DECLS.memFree, DRIVER_DECLS.memcpyDtoD, CUDNN_DECLS.convFwd]) {
      const args = parsed.get(decl)!.proto.arguments;
      const names = decl.slice(decl.indexOf('(') + 1, -1).split(',').map((a) => a.trim());
      names.forEach((a, i) => { if (a.startsWith('uint64_t')) expect(args[i]!.type.size, `${decl}: ${a}`).toBe(8); });
    }
  });
});
