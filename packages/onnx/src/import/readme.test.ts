// The README's Import example runs as written (its 'model.onnx' is the committed MobileNetV3 export).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test, vi } from 'vitest';

const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const model = fileURLToPath(new URL('../../fixtures/models/mobilenet_v3_small.onnx', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'flint-onnx-readme-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('README "Import" example runs and prints what its comments say', async () => {
  const code = /## Import\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code, 'README.md has a ts block under "## Import"').toBeDefined();
  const file = join(dir, 'import.ts');
  writeFileSync(file, code!.replaceAll("'model.onnx'", JSON.stringify(model)));
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    await import(/* @vite-ignore */ file);
    expect(log.mock.calls[0]?.[0]).toEqual([{ name: 'input', dtype: 'float32', shape: ['batch', 3, 64, 64] }]);
    expect(log.mock.calls[1]?.[0]).toEqual([2, 10]);
  } finally {
    log.mockRestore();
  }
});
