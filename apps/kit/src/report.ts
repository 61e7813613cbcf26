// Metrics files and SVG plots that a person can open; both written atomically (temp file + rename).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { View, parse } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export function writeAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

export interface Series { name: string; points: [number, number][] }
export interface PlotOptions { title: string; xLabel: string; yLabel: string; width?: number; height?: number }

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

/** A line chart of one or more series (drawn by Vega-Lite), as a standalone SVG document width × height in size. */
export async function lineChartSvg(series: readonly Series[], o: PlotOptions): Promise<string> {
  const values = series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).map(([x, y]) => ({ series: s.name, x, y })));
  const spec: TopLevelSpec = {
    width: o.width ?? 640, height: o.height ?? 400,
    // the size is the whole picture's, axes and legend included, so stacked charts line up
    autosize: { type: 'fit', contains: 'padding' },
    background: 'white', title: o.title, data: { values },
    mark: { type: 'line', point: true, strokeWidth: 2 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: o.xLabel },
      y: { field: 'y', type: 'quantitative', title: o.yLabel },
      // every series in the legend, in the caller's order, even one with no finite point yet
      color: { field: 'series', type: 'nominal', title: null, scale: { domain: series.map((s) => s.name), range: COLORS } },
    },
    config: { font: 'sans-serif' },
  };
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return `${await view.toSVG()}\n`;
  } finally {
    view.finalize();
  }
}
