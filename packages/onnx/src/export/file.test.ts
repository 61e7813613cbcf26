// The Node entry writes the exported model atomically: the file appears whole, no temporary is left,
// and a failed export keeps the earlier file.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import '@flint/backend-cpu';
import * as F from '@flint/core';
import { exportOnnxFile } from '@flint/onnx/node';
import { loadOnnx } from '../index.js';

const dir = mkdtempSync(join(tmpdir(), 'flint-onnx-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('exportOnnxFile writes the model atomically; a failed export leaves the old file', async () => {
  const path = join(dir, 'model.onnx');
  writeFileSync(path, 'old');
  const w = F.randn([3, 4]);
  const bytes = await exportOnnxFile((x: F.Tensor) => x.matmul(w).relu(), F.randn([2, 3]), path);
  expect(readFileSync(path)).toEqual(Buffer.from(bytes));
  expect(readdirSync(dir)).toEqual(['model.onnx']);
  const m = await loadOnnx(readFileSync(path));
  const x = F.randn([2, 3]);
  const y = (await m.run({ input: x })).output!;
  expect(y.dataSync()).toEqual(x.matmul(w).relu().dataSync());

  const other = join(dir, 'other.onnx');
  writeFileSync(other, 'keep me');
  await expect(exportOnnxFile((x: F.Tensor) => x.add(F.randn([2, 3])), F.randn([2, 3]), other)).rejects.toThrow(/randn/);
  expect(readFileSync(other, 'utf8')).toBe('keep me');
  expect(readdirSync(dir).sort()).toEqual(['model.onnx', 'other.onnx']);
});
