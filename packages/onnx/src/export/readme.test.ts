// The README's Export and Fine-tune sections run as written (the file path aside, which goes to a
// temporary folder).
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test, vi } from 'vitest';

const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'flint-onnx-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The first ts block under `## <title>`. */
const block = (title: string) => new RegExp(`## ${title}\\n[\\s\\S]*?\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(readme)?.[1];

for (const [title, expected] of [['Export', /^\d+ bytes$/], ['Fine-tune after import', /^fine-tuned model: \d+ bytes$/]] as const) {
  test(`README "${title}" example runs`, async () => {
    const code = block(title);
    expect(code, `README.md has a ts block under "## ${title}"`).toBeDefined();
    const file = join(dir, `${title.replace(/\W+/g, '-')}.ts`);
    const out = join(dir, 'model.onnx');
    writeFileSync(file, code!.replaceAll("'model.onnx'", JSON.stringify(out)));
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await import(/* @vite-ignore */ file);
      expect(String(log.mock.calls.at(-1)?.[0])).toMatch(expected);
    } finally {
      log.mockRestore();
    }
    if (title === 'Export') expect(existsSync(out)).toBe(true);
  });
}
