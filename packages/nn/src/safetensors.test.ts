// safetensors: Flint reads PyTorch-written files, writes the same bytes for the same tensors, round-trips
// every dtype, saves atomically, and rejects malformed files with an error naming the problem.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import '@flint/backend-cpu';
import { memory, scope, tensor, type DType } from '@flint/core';
import { BatchNorm2d, Conv2d, Linear, ReLU, SafetensorsError, Sequential, load, loadFromBytes, loadMetadata, save, saveToBytes } from './index.js';

const DIR = fileURLToPath(new URL('../fixtures/layers/', import.meta.url));

/** A valid file built by hand: header JSON + data, for corrupting. */
function file(header: Record<string, unknown>, data: Uint8Array, headerLen?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLen ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}
const f32 = (n: number) => new Uint8Array(new Float32Array(n).fill(1).buffer);

describe('reading and writing PyTorch-format files', () => {
  it("reads every generator-written fixture and re-encodes it to identical bytes (PyTorch's layout)", async () => {
    const names = readdirSync(DIR).filter((f) => f.endsWith('.safetensors'));
    expect(names.length).toBeGreaterThan(40);
    for (const name of names) {
      const bytes = new Uint8Array(readFileSync(join(DIR, name)));
      await scope(async () => {
        const tensors = loadFromBytes(bytes);
        const again = await saveToBytes(tensors, { metadata: loadMetadata(bytes) });
        expect(Buffer.from(again).equals(Buffer.from(bytes)), name).toBe(true);
      });
    }
  });

  it('state-dict keys are PyTorch\'s, including BatchNorm buffers with an int64 num_batches_tracked', async () => {
    const model = new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2), new ReLU(), new Linear(3, 2));
    const bytes = await saveToBytes(model.stateDict());
    const json = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true)))));
    expect(Object.keys(json).sort()).toEqual(['0.bias', '0.weight', '1.bias', '1.num_batches_tracked', '1.running_mean', '1.running_var', '1.weight', '3.bias', '3.weight']);
    expect(json['1.num_batches_tracked']).toEqual({ dtype: 'I64', shape: [], data_offsets: [0, 8] });
    const other = new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2), new ReLU(), new Linear(3, 2));
    scope(() => {
      expect(other.loadStateDict(loadFromBytes(bytes))).toEqual({ missingKeys: [], unexpectedKeys: [] });
    });
    expect(other.stateDict()['3.weight']!.tolistSync()).toEqual(model.stateDict()['3.weight']!.tolistSync());
  });

  it('round-trips every dtype, values and shapes included', async () => {
    const cases: [DType, number[] | boolean[]][] = [
      ['float32', [1.5, -2, 0.25]], ['float64', [Math.PI, -1e300, 0]], ['int32', [1, -2, 2147483647]], ['int64', [0, -5, 9]],
      ['uint8', [0, 255, 7]], ['bool', [true, false, true]], ['float16', [0.5, -2, 65504]], ['bfloat16', [1, -0.5, 3.140625]],
    ];
    await scope(async () => {
      const dict = Object.fromEntries(cases.map(([d, v]) => [d, tensor(v, { dtype: d }).reshape([3, 1])]));
      dict.empty = tensor([], { dtype: 'float32' }).reshape([0, 4]);
      const back = loadFromBytes(await saveToBytes(dict, { metadata: { format: 'pt' } }));
      for (const [d, v] of cases) {
        expect(back[d]!.dtype).toBe(d);
        expect(back[d]!.shape).toEqual([3, 1]);
        expect(back[d]!.tolistSync()).toEqual(v.map((x) => [d === 'bool' ? x : Number(x)]));
      }
      expect(back.empty!.shape).toEqual([0, 4]);
    });
  });

  it('writes views (non-contiguous tensors) by value', async () => {
    await scope(async () => {
      const t = tensor([[1, 2, 3], [4, 5, 6]]).t();
      expect(loadFromBytes(await saveToBytes({ t })).t!.tolistSync()).toEqual([[1, 4], [2, 5], [3, 6]]);
    });
  });

  it('save() writes atomically, leaves no temp file, and load() reads it back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-nn-'));
    const path = join(dir, 'model.safetensors');
    const model = new Linear(3, 2);
    await save(model.stateDict(), path);
    await save(model.stateDict(), path); // overwriting replaces the file whole
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
    const before = memory().tensors;
    scope(() => {
      const fresh = new Linear(3, 2);
      fresh.loadStateDict(load(path));
      expect(fresh.weight.tolistSync()).toEqual(model.weight.tolistSync());
      fresh.dispose();
    });
    expect(memory().tensors).toBe(before);
  });
});

describe('corrupt or truncated checkpoints give clear errors', () => {
  const good = file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, f32(3));
  const bad = (bytes: Uint8Array, msg: RegExp) => {
    expect(() => loadFromBytes(bytes)).toThrow(SafetensorsError);
    expect(() => loadFromBytes(bytes)).toThrow(msg);
  };

  it('accepts the well-formed base file', () => {
    scope(() => { expect(Object.keys(loadFromBytes(good))).toEqual(['a', 'b']); });
  });
  it('a file shorter than the length prefix', () => bad(good.subarray(0, 5), /too short.*truncated/));
  it('a truncated data section', () => bad(good.subarray(0, good.length - 2), /'b'.*outside the 10-byte data section/));
  it('a header length beyond the end of the file', () => bad(file({}, new Uint8Array(0), 4096n), /header length 4096 runs past the end/));
  it('a huge header length, rejected before any allocation', () => bad(file({}, new Uint8Array(0), 2n ** 62n), /over the 100000000-byte limit/));
  it('a header that is not JSON', () => {
    const b = file({}, new Uint8Array(0));
    b.set(new TextEncoder().encode('{x'), 8);
    bad(b, /not valid UTF-8 JSON/);
  });
  it('overlapping offsets', () =>
    bad(file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, f32(3)), /'b'.*overlaps/));
  it('a gap in the data section', () =>
    bad(file({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(2)), /gap of 4 bytes before entry 'a'/));
  it('trailing bytes after the last tensor', () =>
    bad(file({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(2)), /covers? 4/));
  it('an unknown dtype, naming the key', () => bad(file({ w: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, f32(1)), /'w' has unknown dtype "F33"/));
  it('a dtype the format has but Flint does not', () => bad(file({ w: { dtype: 'I16', shape: [2], data_offsets: [0, 4] } }, f32(1)), /'w' has unsupported dtype "I16"/));
  it('a shape whose size disagrees with its offsets', () =>
    bad(file({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] }, v: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, f32(4)), /'w' spans 8 bytes, but shape \[3\] of F32 needs 12/));
  it('an enormous shape, without allocating it', () =>
    bad(file({ w: { dtype: 'F64', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 8] } }, f32(2)), /'w' spans 8 bytes.*needs more than 8/));
  it('negative or fractional dims', () => bad(file({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, f32(1)), /'w' has an invalid shape/));
  it('malformed data_offsets', () => bad(file({ w: { dtype: 'F32', shape: [1], data_offsets: [4] } }, f32(1)), /'w' has invalid data_offsets/));
  it('non-string metadata', () => bad(file({ __metadata__: { n: 1 } }, new Uint8Array(0)), /__metadata__\['n'\] must be a string/));
  it('load() names the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-nn-'));
    const path = join(dir, 'broken.safetensors');
    writeFileSync(path, good.subarray(0, 20));
    expect(() => load(path)).toThrow(/runs past the end.*broken\.safetensors/);
    expect(() => load(join(dir, 'missing.safetensors'))).toThrow(/can't read/);
  });
});

describe('temp files of interrupted saves', () => {
  it('a save removes the temp files that killed saves to the same path left, and only those', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-stale-'));
    const file = join(dir, 'model.safetensors');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // ran and exited: its pid is free
    const stale = `.model.safetensors.${dead}.m1abc.tmp`;
    const live = `.model.safetensors.${process.ppid}.m2def.tmp`; // a process that is still running
    const other = `.other.safetensors.${dead}.m3ghi.tmp`;
    for (const n of [stale, live, other]) writeFileSync(join(dir, n), 'partial');
    await save({ w: tensor([1, 2]) }, file);
    expect(readdirSync(dir).sort()).toEqual([live, other, 'model.safetensors'].sort());
    rmSync(dir, { recursive: true, force: true });
  });
});
