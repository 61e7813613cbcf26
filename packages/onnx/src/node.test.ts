// @flint/onnx/node: models with external data load from a path; locations that escape the folder do not.
import '@flint/backend-cpu';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOnnx, OnnxError } from './node.js';
import { externalAt } from './proto/hostile.testutil.js';

const root = mkdtempSync(join(tmpdir(), 'flint-onnx-node-'));
const modelDir = join(root, 'model');
mkdirSync(modelDir);
writeFileSync(join(modelDir, 'w.bin'), new Uint8Array(new Float32Array([3, -4]).buffer));
writeFileSync(join(root, 'secret.bin'), new Uint8Array(8));
symlinkSync(join(root, 'secret.bin'), join(modelDir, 'link.bin'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const save = (name: string, bytes: Uint8Array): string => { const p = join(modelDir, name); writeFileSync(p, bytes); return p; };

describe('@flint/onnx/node', () => {
  it('reads external data from beside the model file', async () => {
    const m = await loadOnnx(save('ok.onnx', externalAt('w.bin')));
    expect(await m.parameters()[0]!.tolist()).toEqual([3, -4]);
    const out = await m.run({});
    expect(await out.y!.tolist()).toEqual([3, -4]);
  });

  it('refuses a symlink that leads out of the folder', async () => {
    const err = await loadOnnx(save('link.onnx', externalAt('link.bin'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OnnxError);
    expect((err as Error).message).toMatch(/external data location 'link\.bin' resolves to .*secret\.bin, outside the model's folder .* \(a symlink out\)/);
  });

  it('refuses ../ and absolute locations before touching the file system', async () => {
    await expect(loadOnnx(save('up.onnx', externalAt('../secret.bin')))).rejects.toThrow(/leaves the model's folder/);
    await expect(loadOnnx(save('abs.onnx', externalAt(join(root, 'secret.bin'))))).rejects.toThrow(/is absolute/);
  });

  it('names a missing external file and one too short for its tensor', async () => {
    await expect(loadOnnx(save('missing.onnx', externalAt('nope.bin')))).rejects.toThrow(/external data file 'nope\.bin' does not exist beside the model/);
    writeFileSync(join(modelDir, 'short.bin'), new Uint8Array(4));
    await expect(loadOnnx(save('short.onnx', externalAt('short.bin')))).rejects.toThrow(/needs bytes 0\.\.8 but the file has 4/);
  });
});
