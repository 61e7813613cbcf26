import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helpText, lineChartSvg, writeAtomic } from './index.js';

describe('app kit', () => {
  it('writes files atomically, leaving no temp file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kit-'));
    writeAtomic(join(dir, 'a', 'm.json'), '{"x":1}');
    expect(readFileSync(join(dir, 'a', 'm.json'), 'utf8')).toBe('{"x":1}');
    expect(readdirSync(join(dir, 'a'))).toEqual(['m.json']);
  });
  it('draws a chart as a standalone SVG: title, axis labels, a legend entry and one line per series', async () => {
    const svg = await lineChartSvg([
      { name: 'train', points: [[1, 0.9], [2, 0.5], [3, 0.4]] },
      { name: 'test <acc>', points: [[1, 0.7], [2, NaN], [3, 0.8]] },
    ], { title: 'Loss & accuracy', xLabel: 'epoch', yLabel: 'loss' });
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* width="640" height="400"[^>]*>[\s\S]*<\/svg>\n$/);
    expect(unclosedTags(svg)).toEqual([]);
    const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(texts).toEqual(expect.arrayContaining(['Loss &amp; accuracy', 'epoch', 'loss', 'train', 'test &lt;acc&gt;']));
    // one line mark per series, in the series' colours, through the finite points only
    const lines = [...svg.matchAll(/<path[^>]*aria-roledescription="line mark"[^>]*d="([^"]*)"[^>]*stroke="(#[0-9a-f]+)"/g)];
    expect(lines.map((m) => m[2])).toEqual(['#1f77b4', '#d62728']);
    expect(lines.map((m) => m[1]!.split('L').length)).toEqual([3, 2]);
  });
  it('lists a series with no finite point yet in the legend', async () => {
    const svg = await lineChartSvg([{ name: 'loss', points: [[1, 2]] }, { name: 'mean AUC', points: [[1, NaN]] }], { title: 't', xLabel: 'x', yLabel: 'y', width: 300, height: 200 });
    expect(svg).toContain('width="300" height="200"');
    expect(svg).toMatch(/<text[^>]*>mean AUC<\/text>/);
  });
  it('lists every flag in --help', () => {
    const text = helpText({ name: 'demo', summary: 'a demo', flags: { epochs: { type: 'string', help: 'epochs to train', default: '2' } } });
    expect(text).toContain('--epochs <value>');
    expect(text).toContain('(default: 2)');
  });
});

/** Tags left open or closed out of order, by a stack over the document's tags (empty for well-nested XML). */
function unclosedTags(xml: string): string[] {
  const stack: string[] = [], bad: string[] = [];
  for (const [, close, name, selfClosing] of xml.matchAll(/<(\/?)([A-Za-z][\w:-]*)(?:"[^"]*"|[^>"])*?(\/?)>/g)) {
    if (selfClosing) continue;
    if (!close) stack.push(name!);
    else if (stack.pop() !== name) bad.push(`</${name}>`);
  }
  return [...bad, ...stack];
}
