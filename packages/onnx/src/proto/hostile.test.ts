// The hostile-file corpus: every malformed, truncated, deceptive or escaping file is a typed OnnxError that
// names the field or node at fault; none crashes, hangs or allocates what a length merely claims.
import '@flint/backend-cpu';
import { describe, expect, it } from 'vitest';
import { OnnxError } from '../errors.js';
import { loadOnnx } from '../import/model.js';
import { seeded } from '../import/testing/compare.js';
import { DataType, encodeModel } from './index.js';
import { deeplyNested, externalAt, model, validModel, varint, withInitializer, wrap } from './hostile.testutil.js';

async function rejects(bytes: Uint8Array, message: RegExp): Promise<OnnxError> {
  const err = await loadOnnx(bytes).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(OnnxError);
  expect((err as Error).message).toMatch(message);
  return err as OnnxError;
}

describe('hostile ONNX files', () => {
  it('the valid baseline loads', async () => {
    expect((await loadOnnx(validModel())).inputNames).toEqual(['x']);
    const fromArrayBuffer = await loadOnnx(validModel().slice().buffer);
    expect(fromArrayBuffer.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: [2] }]);
    expect(fromArrayBuffer.outputNames).toEqual(['y']);
  });

  it('an empty file', () => rejects(new Uint8Array(0), /the model is empty \(0 bytes\)/));

  it('a file truncated in the middle of a field', async () => {
    const ok = validModel();
    const e = await rejects(ok.subarray(0, ok.length - 7), /declares \d+ bytes but only \d+ remain \(truncated or corrupt file\)/);
    expect(e.field).toMatch(/^ModelProto\.graph/);
  });

  it('a declared length far past the end (no allocation of it)', async () => {
    const e = await rejects(new Uint8Array([...varint(7 * 8 + 2), ...varint(2 ** 40)]), /field ModelProto\.graph: declares 1099511627776 bytes but only 0 remain/);
    expect(e.field).toBe('ModelProto.graph');
  });

  it('a wrong wire type for a message field', () => rejects(new Uint8Array([7 * 8 + 0, 1]), /field ModelProto\.graph: wire type varint where the schema has a GraphProto message/));

  it('a wrong wire type for a nested scalar (packed floats that are not a multiple of 4 bytes)', () =>
    rejects(new Uint8Array(wrap(7, wrap(5, wrap(4, [0, 0, 0])))), /ModelProto\.graph\.initializer\[0\]\.float_data\[0\]: packed 32-bit values take 3 bytes/));

  it('the group wire types ONNX never uses', () => rejects(new Uint8Array([8 * 8 + 3]), /wire type start-group is not used by ONNX/));

  it('a varint longer than 10 bytes', () => rejects(new Uint8Array([8, ...new Array(11).fill(0xff)]), /a varint longer than 10 bytes/));

  it('a varint cut off by the end of the file', () => rejects(new Uint8Array([8, 0xff]), /a varint runs past the end of its message \(truncated file\)/));

  it('nesting deeper than the limit (subgraph in subgraph ...), and 100000 levels do not overflow the stack', async () => {
    const e = await rejects(deeplyNested(30), /messages nest deeper than the limit of 64/);
    expect(e.field).toMatch(/^ModelProto\.graph\.node\[0\]\.attribute\[0\]\.g\.node/);
    await rejects(deeplyNested(100_000), /nest deeper than the limit of 64/);
    await expect(loadOnnx(deeplyNested(30), { limits: { maxDepth: 200 } })).rejects.toThrow(/the model imports no default-domain \(ai\.onnx\) opset/);
  });

  it('a graph with a cycle', async () => {
    const e = await rejects(encodeModel(model({
      node: [{ op_type: 'Relu', input: ['b'], output: ['a'], name: 'first' }, { op_type: 'Relu', input: ['a'], output: ['b'], name: 'second' }],
      output: [{ name: 'a' }],
    })), /node Relu 'first'.*the graph has a cycle/);
    expect(e.node).toBe("Relu 'first'");
  });

  it('an undefined input', async () => {
    const e = await rejects(encodeModel(model({
      node: [{ op_type: 'Relu', input: ['nowhere'], output: ['y'], name: 'r' }], output: [{ name: 'y' }],
    })), /node Relu 'r', field ModelProto\.graph\.node\[0\]\.input: input 'nowhere' is not a graph input, an initializer, or any node's output/);
    expect(e.node).toBe("Relu 'r'");
  });

  it('an undefined value inside a subgraph', () => rejects(encodeModel(model({
    node: [{ op_type: 'If', input: ['c'], output: ['y'], name: 'branch', attribute: [
      { name: 'then_branch', type: 5, g: { node: [{ op_type: 'Neg', input: ['ghost'], output: ['t'], name: 'inner' }], output: [{ name: 't' }] } },
      { name: 'else_branch', type: 5, g: { node: [], output: [{ name: 'c' }] } },
    ] }],
    input: [{ name: 'c', type: { tensor_type: { elem_type: DataType.BOOL } } }], output: [{ name: 'y' }],
  })), /input 'ghost' is not a graph input/));

  it('a value produced twice', () => rejects(encodeModel(model({
    node: [{ op_type: 'Relu', input: ['x'], output: ['y'], name: 'a' }, { op_type: 'Neg', input: ['x'], output: ['y'], name: 'b' }],
    input: [{ name: 'x' }], output: [{ name: 'y' }],
  })), /node Neg 'b'.*value 'y' is produced twice/));

  it('raw data whose byte size disagrees with the shape', async () => {
    const e = await rejects(withInitializer({ name: 'w', dims: [1000, 1000], data_type: DataType.FLOAT, raw_data: new Uint8Array(16) }),
      /raw data has 16 bytes but dims \[1000,1000\] of FLOAT need 4000000/);
    expect(e.field).toBe('ModelProto.graph.initializer[0].raw_data');
  });

  it('typed data whose count disagrees with the shape', () =>
    rejects(withInitializer({ name: 'w', dims: [3], data_type: DataType.INT64, int64_data: [1, 2] }), /int64_data has 2 values but dims \[3\] need 3/));

  it('dims declaring more elements than any real tensor (no allocation)', () =>
    rejects(withInitializer({ name: 'w', dims: [2 ** 31, 2 ** 31], data_type: DataType.FLOAT, raw_data: new Uint8Array(4) }), /declare 4611686018427388000 elements, more than the limit of 2\^31/));

  it('negative dims', () => rejects(withInitializer({ name: 'w', dims: [-4], data_type: DataType.FLOAT }), /dims \[-4\] has a negative or non-integer size/));

  it('an element type Flint cannot hold', () => rejects(withInitializer({ name: 'w', dims: [1], data_type: DataType.COMPLEX64, raw_data: new Uint8Array(8) }), /element type COMPLEX64 is not supported/));

  it("external data whose location climbs out of the model's folder with ../", async () => {
    const e = await rejects(externalAt('../../etc/passwd'), /external data location '\.\.\/\.\.\/etc\/passwd' leaves the model's folder/);
    expect(e.field).toBe('ModelProto.graph.initializer[0].external_data.location');
  });

  it('external data at an absolute path (POSIX and Windows)', async () => {
    await rejects(externalAt('/etc/passwd'), /location '\/etc\/passwd' is absolute/);
    await rejects(externalAt('C:\\Windows\\win.ini'), /is absolute/);
    await rejects(externalAt('sub\\..\\..\\x.bin'), /leaves the model's folder/);
  });

  it('external data whose length disagrees with the shape', () => rejects(externalAt('w.bin', 12), /external data length 12 disagrees with the 8 bytes the dims need/));

  it('external data loaded from bytes without a reader says how to load it', () =>
    rejects(externalAt('w.bin'), /keeps its data in 'w\.bin'; load the model from a path with @flint\/onnx\/node, or pass options\.externalData/));

  it('an operator Flint does not know, with its domain and opset', () => rejects(encodeModel({
    ir_version: 8, opset_import: [{ domain: '', version: 17 }, { domain: 'com.example', version: 3 }],
    graph: { node: [{ op_type: 'Frobnicate', domain: 'com.example', input: ['x'], output: ['y'], name: 'f' }, { op_type: 'NotAnOp', input: ['y'], output: ['z'] }],
      input: [{ name: 'x' }], output: [{ name: 'z' }] },
  }), /unsupported operator\(s\): Frobnicate \(domain 'com\.example', opset 3\) at node Frobnicate 'f'; NotAnOp \(domain 'ai\.onnx', opset 17\) at node NotAnOp 'z'/));

  it('an opset outside 7-21', () => rejects(encodeModel(model({ node: [], output: [] }, 5)), /default-domain opset 5 is outside the supported range 7-21/));

  it('a ConstantOfShape asking for 2^60 elements at run time (no allocation)', async () => {
    const m = await loadOnnx(encodeModel(model({
      node: [{ op_type: 'ConstantOfShape', input: ['s'], output: ['y'], name: 'huge' }],
      initializer: [{ name: 's', dims: [2], data_type: DataType.INT64, int64_data: [2 ** 30, 2 ** 30] }],
      output: [{ name: 'y' }],
    })));
    await expect(m.run({})).rejects.toThrow(/node ConstantOfShape 'huge': shape \[1073741824,1073741824\] is negative or larger than 2\^31 elements/);
  });

  it('unknown options are a TypeError naming the closest one', async () => {
    await expect(loadOnnx(validModel(), { devcie: 'cpu' } as never)).rejects.toThrow(/loadOnnx: unknown option 'devcie'.*device/);
    await expect(loadOnnx(validModel(), { limits: { max_depth: 3 } } as never)).rejects.toThrow(/unknown option 'max_depth'.*maxDepth/);
  });

  it('a model without a graph', () => rejects(encodeModel({ ir_version: 8, opset_import: [{ domain: '', version: 17 }] }), /the model has no graph/));

  it('500 random corruptions of a valid model: each loads or is an OnnxError, never another error', async () => {
    const ok = validModel();
    const rnd = seeded(7);
    let rejected = 0;
    for (let k = 0; k < 500; k++) {
      const bad = ok.slice(0, Math.max(1, Math.floor(rnd() * (ok.length + 1))));
      for (let j = 0; j < 3; j++) bad[Math.floor(rnd() * bad.length)] = Math.floor(rnd() * 256);
      const err = await loadOnnx(bad).then(() => undefined, (e: unknown) => e);
      if (err !== undefined) {
        expect(err).toBeInstanceOf(OnnxError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(400);
  });
});
