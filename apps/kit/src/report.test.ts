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
  it('draws every series of a chart', () => {
    const svg = lineChartSvg([{ name: 'train', points: [[1, 0.9], [2, 0.5]] }, { name: 'test <acc>', points: [[1, 0.7], [2, NaN]] }], { title: 'Loss', xLabel: 'epoch', yLabel: 'loss' });
    expect(svg).toContain('<svg');
    expect(svg.match(/<path /g)?.length).toBe(2);
    expect(svg).toContain('test &lt;acc&gt;');
  });
  it('lists every flag in --help', () => {
    const text = helpText({ name: 'demo', summary: 'a demo', flags: { epochs: { type: 'string', help: 'epochs to train', default: '2' } } });
    expect(text).toContain('--epochs <value>');
    expect(text).toContain('(default: 2)');
  });
});
