// The generated protobuf code: committed output matches the generator, and models round-trip through it.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DataType, decodeModel, encodeModel } from './index.js';

describe('onnx proto', () => {
  // cheap: the generated files name the hash of the schema they came from (`pnpm codegen:check` regenerates in full)
  it('onnx.gen.js and onnx.gen.d.ts were generated from the current onnx.proto', () => {
    const read = (f: string) => readFileSync(fileURLToPath(new URL(f, import.meta.url)));
    const hash = createHash('sha256').update(read('./onnx.proto')).digest('hex');
    for (const f of ['./onnx.gen.js', './onnx.gen.d.ts']) {
      expect(read(f).toString('utf8').split('\n')[1], `${f} is stale: run pnpm --filter @flint/onnx codegen`).toBe(`// onnx.proto sha256: ${hash}`);
    }
  });

  it('round-trips a model with int64 fields, raw data, attributes and a subgraph', () => {
    const raw = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);
    const bytes = encodeModel({
      ir_version: 8,
      producer_name: 'flint',
      opset_import: [{ domain: '', version: 17 }],
      graph: {
        name: 'g',
        node: [{ op_type: 'If', input: ['c'], output: ['y'], attribute: [
          { name: 'then_branch', type: 5, g: { name: 'then', node: [], output: [{ name: 'w' }] } },
          { name: 'axes', type: 7, ints: [-1, 2 ** 40] },
        ] }],
        initializer: [{ name: 'w', dims: [2, 2], data_type: DataType.FLOAT, raw_data: raw }],
        input: [{ name: 'c', type: { tensor_type: { elem_type: DataType.BOOL, shape: { dim: [{ dim_param: 'batch' }, { dim_value: 3 }] } } } }],
      },
    });
    expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
    expect(bytes.byteLength).toBe(bytes.buffer.byteLength);
    const m = decodeModel(bytes.buffer as ArrayBuffer);
    expect(m.ir_version).toBe(8);
    expect(m.opset_import![0]!.version).toBe(17);
    const g = m.graph!;
    expect(g.node![0]!.attribute![1]!.ints).toEqual([-1, 2 ** 40]);
    expect(g.node![0]!.attribute![0]!.g!.output![0]!.name).toBe('w');
    expect(Array.from(new Float32Array(Uint8Array.from(g.initializer![0]!.raw_data!).buffer))).toEqual([1, 2, 3, 4]);
    expect(g.initializer![0]!.dims).toEqual([2, 2]);
    const dims = g.input![0]!.type!.tensor_type!.shape!.dim!;
    expect(dims[0]!.dim_param).toBe('batch');
    expect(dims[1]!.dim_value).toBe(3);
  });
});
